//! Verifying a request's `Authorization: AWS4-HMAC-SHA256 …` header: its parts, the credential
//! scope, the time within the skew window, the key, the session token, then the signature,
//! compared in constant time. Each refusal carries AWS's error code and message.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use subtle::ConstantTimeEq;

use crate::canonical::{self, Request, Scope, ALGORITHM};
use crate::error::AuthError;

/// The parts of an `Authorization` header.
struct Authorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

/// A request's claimed signer, checked up to (not including) the signature: whose key, and
/// how to check the signature once the secret is known.
pub struct Claim<'a> {
    pub access_key_id: &'a str,
    pub session_token: Option<&'a str>,
    authorization: Authorization<'a>,
    timestamp: String,
}

/// The time format of `X-Amz-Date`.
pub const TIMESTAMP_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// Reads the `Authorization` header and the date and checks them against `service` and `now`.
pub fn claim<'a>(
    request: &Request<'a>,
    service: &str,
    skew: TimeDelta,
    now: DateTime<Utc>,
) -> Result<Claim<'a>, AuthError> {
    let header = |name: &str| -> Vec<&'a str> {
        request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
            .collect()
    };
    let authorization = match header("authorization").as_slice() {
        [] => {
            return Err(if query_signed(request.query) {
                AuthError::incomplete(
                    "Query-string (presigned) authentication is not supported: sign the Authorization header.",
                )
            } else {
                AuthError::new(
                    crate::AuthErrorKind::MissingAuthenticationToken,
                    "Missing Authentication Token",
                )
            })
        }
        [one] => *one,
        _ => {
            return Err(AuthError::incomplete(
                "Only one Authorization header is allowed.",
            ))
        }
    };
    let date_header = header("x-amz-date").first().copied();
    let http_date = header("date").first().copied();
    let parsed = parse_authorization(authorization, date_header.is_some() || http_date.is_some())?;
    let timestamp = match (date_header, http_date) {
        (Some(text), _) => parse_amz_date(text)?,
        (None, Some(text)) => DateTime::parse_from_rfc2822(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                AuthError::incomplete(format!("Date header '{text}' is not an HTTP date."))
            })?,
        (None, None) => unreachable!("parse_authorization requires a date"),
    };
    let formatted = timestamp.format(TIMESTAMP_FORMAT).to_string();
    check_scope(&parsed, service, &formatted)?;
    check_time(&formatted, timestamp, skew, now)?;
    if !parsed
        .signed_headers
        .split(';')
        .any(|h| h.eq_ignore_ascii_case("host"))
    {
        return Err(AuthError::incomplete(
            "'Host' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let session_token = match header("x-amz-security-token").as_slice() {
        [] => None,
        [token] => Some(*token),
        _ => {
            return Err(AuthError::incomplete(
                "Only one X-Amz-Security-Token header is allowed.",
            ))
        }
    };
    Ok(Claim {
        access_key_id: parsed.access_key_id,
        session_token,
        authorization: parsed,
        timestamp: formatted,
    })
}

impl Claim<'_> {
    /// Checks the signature with the claimed key's secret.
    pub fn verify(&self, request: &Request<'_>, secret: &str) -> Result<(), AuthError> {
        let scope = Scope {
            timestamp: &self.timestamp,
            region: self.authorization.region,
            service: self.authorization.service,
        };
        let signed = canonical::sign(request, self.authorization.signed_headers, &scope, secret)
            .map_err(|missing| {
                AuthError::incomplete(format!(
                    "The signed header '{missing}' is not in the request."
                ))
            })?;
        let given = self.authorization.signature.as_bytes();
        let expected = signed.signature.as_bytes();
        if given.len() == expected.len() && bool::from(given.ct_eq(expected)) {
            return Ok(());
        }
        Err(AuthError::invalid(format!(
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n\
             The Canonical String for this request should have been\n'{}'\n\n\
             The String-to-Sign should have been\n'{}'\n",
            signed.canonical_request, signed.string_to_sign
        )))
    }
}

fn query_signed(query: &str) -> bool {
    query.split('&').any(|p| {
        p.split('=')
            .next()
            .is_some_and(|k| k.eq_ignore_ascii_case("X-Amz-Algorithm"))
    })
}

fn parse_authorization(text: &str, has_date: bool) -> Result<Authorization<'_>, AuthError> {
    let text_trimmed = text.trim();
    let (algorithm, rest) = text_trimmed
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((text_trimmed, ""));
    if algorithm != ALGORITHM {
        return Err(AuthError::incomplete(format!(
            "Unsupported Authorization scheme '{}': sign requests with AWS Signature Version 4 ({ALGORITHM}).",
            truncate(algorithm)
        )));
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed_headers = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let mut missing = String::new();
    for (value, name) in [
        (credential.is_some(), "Credential"),
        (signature.is_some(), "Signature"),
        (signed_headers.is_some(), "SignedHeaders"),
    ] {
        if !value {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    if !has_date {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
        );
    }
    if !missing.is_empty() {
        return Err(AuthError::incomplete(format!(
            "{missing}Authorization={}",
            truncate(text_trimmed)
        )));
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        unreachable!("checked above")
    };
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts[..] else {
        return Err(AuthError::incomplete(format!(
            "Credential must have 5 slash-separated parts (KEY/yyyyMMdd/REGION/SERVICE/aws4_request), got '{}'.",
            truncate(credential)
        )));
    };
    if terminator != "aws4_request" {
        return Err(AuthError::invalid(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'.",
            truncate(terminator)
        )));
    }
    if region.is_empty() {
        return Err(AuthError::invalid(
            "Credential should be scoped to a valid region.",
        ));
    }
    if signed_headers.is_empty() {
        return Err(AuthError::incomplete("SignedHeaders must not be empty."));
    }
    Ok(Authorization {
        access_key_id,
        date,
        region,
        service,
        signed_headers,
        signature,
    })
}

fn parse_amz_date(text: &str) -> Result<DateTime<Utc>, AuthError> {
    NaiveDateTime::parse_from_str(text.trim(), TIMESTAMP_FORMAT)
        .map(|t| t.and_utc())
        .map_err(|_| {
            AuthError::incomplete(format!(
                "X-Amz-Date '{}' is not in the ISO-8601 basic format yyyyMMdd'T'HHmmss'Z'.",
                truncate(text)
            ))
        })
}

fn check_scope(auth: &Authorization<'_>, service: &str, timestamp: &str) -> Result<(), AuthError> {
    if auth.service != service {
        return Err(AuthError::invalid(format!(
            "Credential should be scoped to correct service: '{service}'. "
        )));
    }
    if auth.date != &timestamp[..8] {
        return Err(AuthError::invalid(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{timestamp}'.",
            truncate(auth.date),
            &timestamp[..8]
        )));
    }
    Ok(())
}

fn check_time(
    formatted: &str,
    timestamp: DateTime<Utc>,
    skew: TimeDelta,
    now: DateTime<Utc>,
) -> Result<(), AuthError> {
    let fmt = |t: DateTime<Utc>| t.format(TIMESTAMP_FORMAT).to_string();
    let minutes = skew.num_minutes();
    if timestamp < now - skew {
        return Err(AuthError::invalid(format!(
            "Signature expired: {formatted} is now earlier than {} ({} - {minutes} min.)",
            fmt(now - skew),
            fmt(now)
        )));
    }
    if timestamp > now + skew {
        return Err(AuthError::invalid(format!(
            "Signature not yet current: {formatted} is still later than {} ({} + {minutes} min.)",
            fmt(now + skew),
            fmt(now)
        )));
    }
    Ok(())
}

/// Client text quoted in a message, cut to a readable length.
fn truncate(text: &str) -> String {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}
