//! The client side: credentials as every AWS tool finds them, and signing a request with them.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::canonical::{self, Request, Scope, ALGORITHM};
use crate::principals::Credentials;
use crate::verify::TIMESTAMP_FORMAT;

/// Credentials from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), else
/// from the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/credentials`)
/// under the profile `AWS_PROFILE` (default `default`). `None` when neither has them.
pub fn from_environment() -> Option<Credentials> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let (Some(access_key_id), Some(secret_access_key)) =
        (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
    {
        return Some(Credentials {
            access_key_id,
            secret_access_key,
            session_token: var("AWS_SESSION_TOKEN"),
        });
    }
    let file = var("AWS_SHARED_CREDENTIALS_FILE")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".aws/credentials")))?;
    let text = std::fs::read_to_string(file).ok()?;
    profile(
        &text,
        &var("AWS_PROFILE").unwrap_or_else(|| "default".into()),
    )
}

/// A profile's keys in the INI text of a shared credentials file.
fn profile(text: &str, name: &str) -> Option<Credentials> {
    let mut in_profile = false;
    let (mut key, mut secret, mut token) = (None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_profile = section.trim() == name;
            continue;
        }
        if !in_profile {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = Some(v.trim().to_string());
            match k.trim() {
                "aws_access_key_id" => key = v,
                "aws_secret_access_key" => secret = v,
                "aws_session_token" => token = v,
                _ => {}
            }
        }
    }
    Some(Credentials {
        access_key_id: key?,
        secret_access_key: secret?,
        session_token: token,
    })
}

/// The headers that sign `request` (which must carry `host`) for Weir's service at `now`:
/// `x-amz-date`, `x-amz-security-token` with a session token, and `authorization`. Every header
/// of the request is signed.
pub fn sign(
    credentials: &Credentials,
    region: &str,
    request: &Request<'_>,
    now: DateTime<Utc>,
) -> Vec<(&'static str, String)> {
    let timestamp = now.format(TIMESTAMP_FORMAT).to_string();
    let mut added: Vec<(&'static str, String)> = vec![("x-amz-date", timestamp.clone())];
    if let Some(token) = &credentials.session_token {
        added.push(("x-amz-security-token", token.clone()));
    }
    let mut lowered: Vec<(String, &str)> = request
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), *v))
        .chain(added.iter().map(|(n, v)| (n.to_string(), v.as_str())))
        .collect();
    lowered.sort_by(|a, b| a.0.cmp(&b.0));
    let headers: Vec<(&str, &str)> = lowered.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let mut names: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
    names.dedup();
    let signed_headers = names.join(";");
    let scope = Scope {
        timestamp: &timestamp,
        region,
        service: crate::SERVICE,
    };
    let with_added = Request {
        headers: &headers,
        ..*request
    };
    let signed = match canonical::sign(
        &with_added,
        &signed_headers,
        &scope,
        &credentials.secret_access_key,
    ) {
        Ok(signed) => signed,
        Err(_) => unreachable!("every signed header is one of the request's"),
    };
    added.push((
        "authorization",
        format!(
            "{ALGORITHM} Credential={}/{}, SignedHeaders={signed_headers}, Signature={}",
            credentials.access_key_id,
            scope.credential_scope(),
            signed.signature
        ),
    ));
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_is_read_from_the_shared_credentials_text() {
        let text = "[default]\naws_access_key_id = A\naws_secret_access_key = B\n\n[other]\n# note\naws_access_key_id=C\naws_secret_access_key=D\naws_session_token=E\n";
        let d = profile(text, "default").unwrap();
        assert_eq!(
            (d.access_key_id.as_str(), d.secret_access_key.as_str()),
            ("A", "B")
        );
        assert_eq!(d.session_token, None);
        let o = profile(text, "other").unwrap();
        assert_eq!(o.session_token.as_deref(), Some("E"));
        assert!(profile(text, "missing").is_none());
    }
}
