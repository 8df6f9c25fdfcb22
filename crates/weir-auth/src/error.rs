//! Refusals, as AWS answers them: the error code of the JSON protocol, the HTTP status and the
//! message AWS's front end gives.

use std::fmt;

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthErrorKind {
    /// No `Authorization` header at all.
    MissingAuthenticationToken,
    /// An `Authorization` header, credential scope or date that is not well formed.
    IncompleteSignature,
    /// A signature that does not match, is out of the clock-skew window or is scoped wrongly.
    InvalidSignature,
    /// An access key id (or session token) that no principal has.
    UnrecognizedClient,
    /// A known principal whose allowed actions do not include the operation.
    AccessDenied,
}

impl AuthErrorKind {
    /// The `__type` of the error body.
    pub fn code(self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::IncompleteSignature => "IncompleteSignatureException",
            Self::InvalidSignature => "InvalidSignatureException",
            Self::UnrecognizedClient => "UnrecognizedClientException",
            Self::AccessDenied => "AccessDeniedException",
        }
    }

    /// The HTTP status AWS sends: 403 for an unsigned request, 400 for the rest.
    pub fn http_status(self) -> u16 {
        match self {
            Self::MissingAuthenticationToken => 403,
            _ => 400,
        }
    }
}

/// A refused request: its kind and a message for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    pub kind: AuthErrorKind,
    pub message: String,
}

impl AuthError {
    pub fn new(kind: AuthErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn incomplete(message: impl Into<String>) -> Self {
        Self::new(AuthErrorKind::IncompleteSignature, message)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(AuthErrorKind::InvalidSignature, message)
    }

    pub(crate) fn unrecognized() -> Self {
        Self::new(
            AuthErrorKind::UnrecognizedClient,
            "The security token included in the request is invalid.",
        )
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for AuthError {}
