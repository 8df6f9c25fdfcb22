//! The run state machine over Glue's `JobRunState`: which state may follow which.
//!
//! ```text
//! WAITING ──► STARTING ──► RUNNING ──► SUCCEEDED | FAILED | TIMEOUT | ERROR
//!    │           │            │
//!    │           │            └──► STOPPING ──► STOPPED
//!    │           └──► STOPPED | FAILED | ERROR
//!    └──► STOPPED | FAILED (gave up waiting) | ERROR
//! ```
//! A run that failed and may be retried stays FAILED: the retry is a new run.

use std::fmt;
use std::str::FromStr;

/// A run's state, named as Glue's `JobRunState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunState {
    Waiting,
    Starting,
    Running,
    Stopping,
    Stopped,
    Succeeded,
    Failed,
    Timeout,
    Error,
    Expired,
}

impl RunState {
    pub const ALL: [RunState; 10] = [
        RunState::Waiting,
        RunState::Starting,
        RunState::Running,
        RunState::Stopping,
        RunState::Stopped,
        RunState::Succeeded,
        RunState::Failed,
        RunState::Timeout,
        RunState::Error,
        RunState::Expired,
    ];

    /// States whose run holds (or waits for) capacity: not yet ended.
    pub const ACTIVE: [RunState; 4] = [
        RunState::Waiting,
        RunState::Starting,
        RunState::Running,
        RunState::Stopping,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RunState::Waiting => "WAITING",
            RunState::Starting => "STARTING",
            RunState::Running => "RUNNING",
            RunState::Stopping => "STOPPING",
            RunState::Stopped => "STOPPED",
            RunState::Succeeded => "SUCCEEDED",
            RunState::Failed => "FAILED",
            RunState::Timeout => "TIMEOUT",
            RunState::Error => "ERROR",
            RunState::Expired => "EXPIRED",
        }
    }

    /// Whether the run has ended.
    pub fn is_terminal(self) -> bool {
        !Self::ACTIVE.contains(&self)
    }

    /// Whether a run in this state may move to `next`.
    pub fn can_become(self, next: RunState) -> bool {
        use RunState::*;
        matches!(
            (self, next),
            (Waiting, Starting | Stopped | Failed | Error)
                | (Starting, Running | Stopped | Failed | Error)
                | (Running, Succeeded | Failed | Timeout | Error | Stopping)
                | (Stopping, Stopped)
        )
    }
}

impl fmt::Display for RunState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RunState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|state| state.name() == s)
            .ok_or_else(|| format!("unknown job run state '{s}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::RunState;

    #[test]
    fn names_round_trip_and_terminal_states_have_no_successor() {
        for state in RunState::ALL {
            assert_eq!(state.name().parse::<RunState>(), Ok(state));
            if state.is_terminal() {
                assert!(RunState::ALL.iter().all(|next| !state.can_become(*next)));
            }
        }
        assert!(RunState::Waiting.can_become(RunState::Starting));
        assert!(!RunState::Waiting.can_become(RunState::Succeeded));
        assert!(!RunState::Stopping.can_become(RunState::Succeeded));
    }
}
