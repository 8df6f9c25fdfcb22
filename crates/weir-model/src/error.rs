//! Glue error kinds: the one place that names the exception shapes of the wire contract.

use std::fmt;

/// The Glue exception shapes Weir returns. Each maps to the `__type` of an error response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    InvalidInput,
    EntityNotFound,
    AlreadyExists,
    ConcurrentModification,
    ResourceNumberLimitExceeded,
    /// A job has as many runs as its `MaxConcurrentRuns` allows.
    ConcurrentRunsExceeded,
    /// The request body is not the JSON the operation's shape describes (wrong JSON type, bad JSON).
    Serialization,
    /// `X-Amz-Target` names an operation Weir does not serve.
    UnknownOperation,
    OperationTimeout,
    /// The caller's principal is not allowed the operation.
    AccessDenied,
    /// An internal fault: never the caller's mistake. Maps to HTTP 500.
    InternalService,
    /// The crawler is running: it cannot be started, updated or deleted now.
    CrawlerRunning,
    /// A stop was asked of a crawler that is not running.
    CrawlerNotRunning,
    /// The crawler is being stopped already.
    CrawlerStopping,
    /// The crawler's schedule is started already.
    SchedulerRunning,
    /// The crawler's schedule is not started.
    SchedulerNotRunning,
    /// The crawler has no schedule to start.
    NoSchedule,
    /// The entity changed since it was read (a concurrent update won).
    VersionMismatch,
}

impl ErrorKind {
    /// Every kind.
    pub const ALL: [ErrorKind; 18] = [
        ErrorKind::InvalidInput,
        ErrorKind::EntityNotFound,
        ErrorKind::AlreadyExists,
        ErrorKind::ConcurrentModification,
        ErrorKind::ResourceNumberLimitExceeded,
        ErrorKind::ConcurrentRunsExceeded,
        ErrorKind::Serialization,
        ErrorKind::UnknownOperation,
        ErrorKind::OperationTimeout,
        ErrorKind::AccessDenied,
        ErrorKind::InternalService,
        ErrorKind::CrawlerRunning,
        ErrorKind::CrawlerNotRunning,
        ErrorKind::CrawlerStopping,
        ErrorKind::SchedulerRunning,
        ErrorKind::SchedulerNotRunning,
        ErrorKind::NoSchedule,
        ErrorKind::VersionMismatch,
    ];

    /// The kind whose exception shape is `name` (the inverse of [`ErrorKind::shape_name`]), e.g.
    /// the `ErrorCode` of a batch operation's `ErrorDetail`.
    pub fn from_shape_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.shape_name() == name)
    }

    /// The exception shape name sent as `__type`.
    pub fn shape_name(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "InvalidInputException",
            ErrorKind::EntityNotFound => "EntityNotFoundException",
            ErrorKind::AlreadyExists => "AlreadyExistsException",
            ErrorKind::ConcurrentModification => "ConcurrentModificationException",
            ErrorKind::ResourceNumberLimitExceeded => "ResourceNumberLimitExceededException",
            ErrorKind::ConcurrentRunsExceeded => "ConcurrentRunsExceededException",
            ErrorKind::Serialization => "SerializationException",
            ErrorKind::UnknownOperation => "UnknownOperationException",
            ErrorKind::OperationTimeout => "OperationTimeoutException",
            ErrorKind::AccessDenied => "AccessDeniedException",
            ErrorKind::InternalService => "InternalServiceException",
            ErrorKind::CrawlerRunning => "CrawlerRunningException",
            ErrorKind::CrawlerNotRunning => "CrawlerNotRunningException",
            ErrorKind::CrawlerStopping => "CrawlerStoppingException",
            ErrorKind::SchedulerRunning => "SchedulerRunningException",
            ErrorKind::SchedulerNotRunning => "SchedulerNotRunningException",
            ErrorKind::NoSchedule => "NoScheduleException",
            ErrorKind::VersionMismatch => "VersionMismatchException",
        }
    }

    /// HTTP status of the error response: 500 for internal faults, 400 for the caller's mistakes.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::InternalService => 500,
            _ => 400,
        }
    }
}

/// A Glue error: a kind (the exception shape) and a message that names the offending member or entity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct GlueError {
    pub kind: ErrorKind,
    pub message: String,
}

impl fmt::Display for GlueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.shape_name(), self.message)
    }
}

impl GlueError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::EntityNotFound, message)
    }
    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::AlreadyExists, message)
    }
    pub fn concurrent_modification(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ConcurrentModification, message)
    }
    pub fn limit_exceeded(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ResourceNumberLimitExceeded, message)
    }
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Serialization, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InternalService, message)
    }
}

pub type Result<T, E = GlueError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::ErrorKind;

    #[test]
    fn shape_names_map_back_to_their_kinds() {
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_shape_name(kind.shape_name()), Some(kind));
        }
        assert_eq!(ErrorKind::from_shape_name("NoSuchException"), None);
    }

    #[test]
    fn every_kind_but_weirs_own_is_an_exception_shape_of_the_model() {
        let model = crate::service::ServiceModel::glue();
        for kind in ErrorKind::ALL {
            if matches!(kind, ErrorKind::Serialization | ErrorKind::UnknownOperation) {
                continue;
            }
            assert!(
                model.shape_id(kind.shape_name()).is_some(),
                "{} is not a shape of the Glue model",
                kind.shape_name()
            );
        }
    }
}
