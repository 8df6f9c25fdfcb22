//! The Glue wire contract, driven by the botocore service model (`model/glue-service-2.json`).
//!
//! - [`service`]: the parsed model (operations and shapes), loaded once.
//! - [`validate`]: checks a request body against its operation's input shape.
//! - [`output`]: trims a response to its operation's output shape.
//! - [`error`]: the Glue exception kinds.

pub mod error;
pub mod java_regex;
pub mod output;
pub mod service;
pub mod setting_text;
pub mod validate;

pub use error::{ErrorKind, GlueError, Result};
