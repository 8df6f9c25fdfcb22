//! The job service driven through its Glue operations, with a clock and an executor the tests
//! control (no sleeping for minutes, no real work).
#![allow(clippy::unwrap_used)]

mod harness;
mod lifecycle;
mod queue;
mod state_machine;
