//! Principals: who may call, with which keys, and the actions each is allowed
//! (`glue:Get*`-style patterns, `*` and `?` wildcards, matched without regard to case as IAM
//! matches actions).

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `[[auth.principals]]`: one caller of the service.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalConfig {
    #[serde(deserialize_with = "weir_model::setting_text::string")]
    pub name: String,
    #[serde(deserialize_with = "weir_model::setting_text::string")]
    pub access_key_id: String,
    /// The secret key itself; or `secret_access_key_file`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "weir_model::setting_text::option"
    )]
    pub secret_access_key: Option<String>,
    /// A file holding the secret key (its content, trimmed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_access_key_file: Option<PathBuf>,
    /// A session token requests must carry as `X-Amz-Security-Token` (temporary credentials).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "weir_model::setting_text::option"
    )]
    pub session_token: Option<String>,
    /// Allowed actions, e.g. `["glue:*"]` or `["glue:Get*", "glue:List*"]`.
    #[serde(default)]
    pub allow: Vec<String>,
}

impl fmt::Debug for PrincipalConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrincipalConfig")
            .field("name", &self.name)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key_file", &self.secret_access_key_file)
            .field("allow", &self.allow)
            .finish_non_exhaustive()
    }
}

/// The credentials a client signs with.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// A configured principal, its secret read.
#[derive(Debug)]
pub struct Principal {
    pub name: String,
    pub credentials: Credentials,
    allow: Vec<ActionPattern>,
}

impl Principal {
    /// Reads the secret (from the file when so configured) and checks the allow patterns;
    /// errors name the setting (`auth.principals[i]…`).
    pub fn from_config(config: &PrincipalConfig, index: usize) -> Result<Self, String> {
        let at = format!("auth.principals[{index}]");
        if config.name.trim().is_empty() {
            return Err(format!("{at}.name must not be empty"));
        }
        let at = format!("{at} ({})", config.name);
        let key = &config.access_key_id;
        if key.len() < 16
            || key.len() > 128
            || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(format!(
                "{at}.access_key_id must be 16 to 128 letters, digits or '_', got '{key}'"
            ));
        }
        let secret = match (&config.secret_access_key, &config.secret_access_key_file) {
            (Some(secret), None) => secret.clone(),
            (None, Some(file)) => std::fs::read_to_string(file)
                .map_err(|e| {
                    format!(
                        "{at}.secret_access_key_file {} cannot be read: {e}",
                        file.display()
                    )
                })?
                .trim()
                .to_string(),
            (Some(_), Some(_)) => {
                return Err(format!(
                    "{at} gives both secret_access_key and secret_access_key_file: give one"
                ))
            }
            (None, None) => {
                return Err(format!(
                    "{at} needs secret_access_key or secret_access_key_file"
                ))
            }
        };
        if secret.is_empty() {
            return Err(format!("{at}'s secret access key is empty"));
        }
        if config.allow.is_empty() {
            return Err(format!(
                "{at}.allow is empty: list the actions it may call, e.g. [\"glue:*\"]"
            ));
        }
        let allow = config
            .allow
            .iter()
            .map(|p| ActionPattern::parse(p).map_err(|e| format!("{at}.allow: {e}")))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            name: config.name.clone(),
            credentials: Credentials {
                access_key_id: key.clone(),
                secret_access_key: secret,
                session_token: config.session_token.clone(),
            },
            allow,
        })
    }

    /// Whether an action (`glue:CreateTable`) is allowed.
    pub fn allows(&self, action: &str) -> bool {
        self.allow.iter().any(|p| p.matches(action))
    }

    /// The principal as an IAM user ARN of the account, as AWS names callers.
    pub fn arn(&self, account_id: &str) -> String {
        format!("arn:aws:iam::{account_id}:user/{}", self.name)
    }
}

/// An allowed-action pattern: `service:Action` with `*` and `?`, or `*` alone.
#[derive(Debug, Clone)]
struct ActionPattern(Vec<u8>);

impl ActionPattern {
    fn parse(text: &str) -> Result<Self, String> {
        let valid = text == "*"
            || text.split_once(':').is_some_and(|(service, action)| {
                !service.is_empty()
                    && service
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !action.is_empty()
                    && action
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?')
            });
        if !valid {
            return Err(format!(
                "'{text}' is not an action pattern: write service:Action with * and ? wildcards, e.g. glue:Get*"
            ));
        }
        Ok(Self(text.to_ascii_lowercase().into_bytes()))
    }

    fn matches(&self, action: &str) -> bool {
        wildcard_match(&self.0, action.as_bytes())
    }
}

/// `*` any run, `?` any one byte; ASCII case is ignored (the pattern is lower case).
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t].to_ascii_lowercase()) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(allow: &[&str]) -> Result<Principal, String> {
        Principal::from_config(
            &PrincipalConfig {
                name: "reader".into(),
                access_key_id: "AKIAWEIRREADER000001".into(),
                secret_access_key: Some("s".into()),
                allow: allow.iter().map(|s| s.to_string()).collect(),
                ..PrincipalConfig::default()
            },
            1,
        )
    }

    #[test]
    fn patterns_match_actions_with_wildcards_and_without_case() {
        let reader = principal(&["glue:Get*", "glue:List*", "glue:BatchGet*"]).unwrap();
        assert!(reader.allows("glue:GetTable"));
        assert!(reader.allows("glue:gettables"));
        assert!(reader.allows("glue:BatchGetPartition"));
        assert!(!reader.allows("glue:CreateTable"));
        assert!(!reader.allows("glue:BatchDeleteTable"));
        assert!(!reader.allows("s3:GetObject"));
        let admin = principal(&["glue:*"]).unwrap();
        assert!(admin.allows("glue:DeleteDatabase"));
        assert!(!admin.allows("glues:DeleteDatabase"));
        let any = principal(&["*"]).unwrap();
        assert!(any.allows("glue:Anything"));
        let one = principal(&["glue:Get?able"]).unwrap();
        assert!(one.allows("glue:GetTable"));
        assert!(!one.allows("glue:GetTables"));
        let inner = principal(&["glue:*Partition*"]).unwrap();
        assert!(inner.allows("glue:BatchCreatePartition"));
        assert!(inner.allows("glue:GetPartitions"));
        assert!(!inner.allows("glue:GetTable"));
    }

    #[test]
    fn bad_settings_are_named() {
        let e = principal(&["GetTable"]).unwrap_err();
        assert!(
            e.contains("auth.principals[1] (reader).allow") && e.contains("'GetTable'"),
            "{e}"
        );
        let e = principal(&[]).unwrap_err();
        assert!(e.contains(".allow is empty"), "{e}");
        let both = PrincipalConfig {
            name: "x".into(),
            access_key_id: "AKIAWEIRREADER000001".into(),
            secret_access_key: Some("s".into()),
            secret_access_key_file: Some("/nonexistent/secret".into()),
            allow: vec!["glue:*".into()],
            ..PrincipalConfig::default()
        };
        let e = Principal::from_config(&both, 0).unwrap_err();
        assert!(e.contains("both"), "{e}");
        let missing_file = PrincipalConfig {
            secret_access_key: None,
            ..both.clone()
        };
        let e = Principal::from_config(&missing_file, 0).unwrap_err();
        assert!(e.contains("/nonexistent/secret"), "{e}");
        let short_key = PrincipalConfig {
            access_key_id: "AKIA".into(),
            secret_access_key_file: None,
            ..both
        };
        let e = Principal::from_config(&short_key, 0).unwrap_err();
        assert!(e.contains("access_key_id"), "{e}");
    }

    #[test]
    fn a_secret_file_is_read_and_trimmed() {
        let dir = std::env::temp_dir().join(format!("weir-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("secret");
        std::fs::write(&file, "s3cr3t\n").unwrap();
        let config = PrincipalConfig {
            name: "x".into(),
            access_key_id: "AKIAWEIRREADER000001".into(),
            secret_access_key_file: Some(file),
            allow: vec!["glue:*".into()],
            ..PrincipalConfig::default()
        };
        let p = Principal::from_config(&config, 0).unwrap();
        assert_eq!(p.credentials.secret_access_key, "s3cr3t");
        assert!(!format!("{p:?}").contains("s3cr3t"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
