//! How a run reaches this service: as which principal, and, for a script, at which URL.
//!
//! A run acts as the principal its job's `Role` names (the principal's name, or an IAM role ARN
//! whose last path segment is that name), as a Glue job acts with its role's permissions;
//! otherwise as the principal that started it. A visual job's catalog calls are checked against
//! that principal's allowed actions ([`crate::catalog_client::ServiceCatalog`]); a script gets the
//! service's URL and the principal's credentials in the environment every AWS SDK reads, so
//! `boto3.client("glue")` in a `pythonshell` script reaches Weir unchanged.

use std::sync::Arc;

use serde_json::Value;
use weir_auth::{AuthMode, Authenticator, Principal};

use crate::executor::RunSpec;

/// The service runs call, and who may call it.
#[derive(Clone, Default)]
pub struct RunAccess {
    /// The service's URL (`http://HOST:PORT`), once it listens.
    pub endpoint: Option<String>,
    /// The region scripts sign for.
    pub region: String,
    pub authenticator: Arc<Authenticator>,
}

impl RunAccess {
    /// The principal a run acts as; `None` when requests are not authenticated.
    pub fn principal(&self, spec: &RunSpec) -> Option<&Arc<Principal>> {
        if self.authenticator.mode() == AuthMode::None {
            return None;
        }
        let role = spec
            .job
            .get("Role")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let named = role.rsplit('/').next().unwrap_or(role);
        self.authenticator.principal(named).or_else(|| {
            spec.started_by
                .as_deref()
                .and_then(|n| self.authenticator.principal(n))
        })
    }

    /// The variables a script's process gets: the endpoint of Glue calls, the region, and the
    /// run's principal's keys (replacing any the service itself was started with).
    pub fn environment(&self, spec: &RunSpec) -> Vec<(&'static str, Option<String>)> {
        let mut env = Vec::new();
        if let Some(endpoint) = &self.endpoint {
            env.push(("AWS_ENDPOINT_URL_GLUE", Some(endpoint.clone())));
            env.push(("AWS_DEFAULT_REGION", Some(self.region.clone())));
        }
        if let Some(principal) = self.principal(spec) {
            let c = &principal.credentials;
            env.push(("AWS_ACCESS_KEY_ID", Some(c.access_key_id.clone())));
            env.push(("AWS_SECRET_ACCESS_KEY", Some(c.secret_access_key.clone())));
            env.push(("AWS_SESSION_TOKEN", c.session_token.clone()));
            env.push(("AWS_PROFILE", None));
        }
        env
    }
}
