//! Weir's authentication. Every request to the service is signed with AWS Signature Version 4,
//! as boto3, the AWS CLI and every AWS SDK sign Glue requests; [`Authenticator::authenticate`]
//! verifies it against the configured [`Principal`]s and [`Caller::authorize`] checks the
//! operation against the principal's allowed actions. [`sign`] signs Weir's own requests to a
//! Weir service. Pure: no HTTP framework, no I/O but reading secret files at start-up.

mod canonical;
mod credentials;
mod error;
mod principals;
mod verify;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

pub use canonical::Request;
pub use credentials::{from_environment, sign};
pub use error::{AuthError, AuthErrorKind};
pub use principals::{Credentials, Principal, PrincipalConfig};

/// The signing name of the service every request must be scoped to.
pub const SERVICE: &str = "glue";

/// How far a request's signing time may be from the service's clock, either way.
pub const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(15);

/// `[auth]`: whether requests are authenticated, and who may call.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    #[serde(default)]
    pub mode: AuthMode,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<PrincipalConfig>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Every request is served, as nobody's (allowed only on loopback unless insisted on).
    #[default]
    None,
    /// Every request must carry a valid Signature Version 4 of a configured principal.
    Sigv4,
}

/// Verifies requests against the configured principals.
#[derive(Debug, Default)]
pub struct Authenticator {
    mode: AuthMode,
    by_key: HashMap<String, Arc<Principal>>,
    by_name: HashMap<String, Arc<Principal>>,
}

/// Who made a request.
#[derive(Debug, Clone)]
pub enum Caller {
    /// Authentication is off.
    Anonymous,
    Principal(Arc<Principal>),
}

impl Authenticator {
    /// The principals of the configuration, their secrets read; errors name the setting.
    pub fn new(config: &AuthConfig) -> Result<Self, String> {
        let mut by_key = HashMap::new();
        let mut by_name = HashMap::new();
        for (i, p) in config.principals.iter().enumerate() {
            let principal = Arc::new(Principal::from_config(p, i)?);
            let key = principal.credentials.access_key_id.clone();
            if by_key.insert(key.clone(), principal.clone()).is_some() {
                return Err(format!(
                    "auth.principals[{i}] ({}).access_key_id {key} is given to another principal too",
                    principal.name
                ));
            }
            if by_name
                .insert(principal.name.clone(), principal.clone())
                .is_some()
            {
                return Err(format!(
                    "auth.principals[{i}]: the name {} is given to another principal too",
                    principal.name
                ));
            }
        }
        if config.mode == AuthMode::Sigv4 && by_key.is_empty() {
            return Err("auth.mode is \"sigv4\" but auth.principals is empty: no one could call the service".into());
        }
        Ok(Self {
            mode: config.mode,
            by_key,
            by_name,
        })
    }

    pub fn mode(&self) -> AuthMode {
        self.mode
    }

    /// The caller of `request` at `now`: a principal whose signature is valid, or
    /// [`Caller::Anonymous`] when authentication is off.
    pub fn authenticate(
        &self,
        request: &Request<'_>,
        now: DateTime<Utc>,
    ) -> Result<Caller, AuthError> {
        if self.mode == AuthMode::None {
            return Ok(Caller::Anonymous);
        }
        let claim = verify::claim(request, SERVICE, CLOCK_SKEW, now)?;
        let principal = self
            .by_key
            .get(claim.access_key_id)
            .ok_or_else(AuthError::unrecognized)?;
        if claim.session_token != principal.credentials.session_token.as_deref() {
            return Err(AuthError::unrecognized());
        }
        claim.verify(request, &principal.credentials.secret_access_key)?;
        Ok(Caller::Principal(principal.clone()))
    }

    /// A principal by name (e.g. the one a job's role names).
    pub fn principal(&self, name: &str) -> Option<&Arc<Principal>> {
        self.by_name.get(name)
    }
}

impl Caller {
    /// The principal's name; `None` when anonymous.
    pub fn name(&self) -> Option<&str> {
        match self {
            Caller::Anonymous => None,
            Caller::Principal(p) => Some(&p.name),
        }
    }

    /// Whether the caller may call a Glue operation (`CreateTable`: the action
    /// `glue:CreateTable`); the refusal names the principal and the action.
    pub fn authorize(&self, operation: &str, account_id: &str) -> Result<(), AuthError> {
        let action = format!("{SERVICE}:{operation}");
        match self {
            Caller::Anonymous => Ok(()),
            Caller::Principal(p) if p.allows(&action) => Ok(()),
            Caller::Principal(p) => Err(AuthError::new(
                AuthErrorKind::AccessDenied,
                format!(
                    "User: {} is not authorized to perform: {action} because no allow pattern of principal '{}' matches it",
                    p.arn(account_id),
                    p.name
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests;
