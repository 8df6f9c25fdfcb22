//! An optimizer's `TableOptimizerConfiguration`, checked and completed with Glue's defaults:
//! retention keeps snapshots for 5 days and at least 1, deleting expired files; orphan file
//! deletion takes files older than 3 days under the table's location; compaction bin-packs
//! (or, with `strategy`, sorts or Z-orders by the table's sort order) once a partition has 100
//! small files (`minInputFiles`). Retention and orphan file deletion run
//! every `runRateInHours` (24 by default); compaction is checked every few minutes and runs
//! when there is work.

use serde_json::Value;
use weir_iceberg::maintenance::ordering::Strategy;
use weir_model::{GlueError, Result};

/// The types of optimizer (`TableOptimizerType`).
pub const COMPACTION: &str = "compaction";
pub const RETENTION: &str = "retention";
pub const ORPHAN_FILE_DELETION: &str = "orphan_file_deletion";

pub const DEFAULT_SNAPSHOT_RETENTION_DAYS: i64 = 5;
pub const DEFAULT_SNAPSHOTS_TO_RETAIN: i64 = 1;
pub const DEFAULT_ORPHAN_RETENTION_DAYS: i64 = 3;
pub const DEFAULT_MIN_INPUT_FILES: i64 = 100;
pub const DEFAULT_RUN_RATE_HOURS: i64 = 24;

/// What one optimizer does, its defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub enum Settings {
    Compaction {
        min_input_files: usize,
        strategy: Strategy,
    },
    Retention {
        retention_days: i64,
        snapshots_to_retain: usize,
        clean_expired_files: bool,
        run_rate_hours: i64,
    },
    OrphanFileDeletion {
        retention_days: i64,
        location: Option<String>,
        run_rate_hours: i64,
    },
}

impl Settings {
    /// The settings of an optimizer of `kind` configured by `configuration`, or what is wrong.
    pub fn of(kind: &str, configuration: &Value) -> Result<Settings> {
        let iceberg =
            |member: &str| configuration.pointer(&format!("/{member}/icebergConfiguration"));
        let number =
            |section: Option<&Value>, member: &str, min: i64, default: i64| -> Result<i64> {
                match section.and_then(|s| s.get(member)).filter(|v| !v.is_null()) {
                    None => Ok(default),
                    Some(v) => match v.as_i64() {
                        Some(n) if n >= min => Ok(n),
                        _ => Err(GlueError::invalid_input(format!(
                            "{member} must be a whole number of at least {min}, got {v}"
                        ))),
                    },
                }
            };
        match kind {
            COMPACTION => {
                let section = iceberg("compactionConfiguration");
                let strategy = match section.and_then(|s| s["strategy"].as_str()) {
                    None => Strategy::BinPack,
                    Some(name) => Strategy::parse(name).ok_or_else(|| {
                        GlueError::invalid_input(format!(
                            "Compaction strategy {name} is not binpack, sort or z-order"
                        ))
                    })?,
                };
                Ok(Settings::Compaction {
                    min_input_files: number(section, "minInputFiles", 2, DEFAULT_MIN_INPUT_FILES)? as usize,
                    strategy,
                })
            }
            RETENTION => {
                let section = iceberg("retentionConfiguration");
                Ok(Settings::Retention {
                    retention_days: number(section, "snapshotRetentionPeriodInDays", 1, DEFAULT_SNAPSHOT_RETENTION_DAYS)?,
                    snapshots_to_retain: number(section, "numberOfSnapshotsToRetain", 1, DEFAULT_SNAPSHOTS_TO_RETAIN)? as usize,
                    clean_expired_files: section
                        .and_then(|s| s["cleanExpiredFiles"].as_bool())
                        .unwrap_or(true),
                    run_rate_hours: number(section, "runRateInHours", 1, DEFAULT_RUN_RATE_HOURS)?,
                })
            }
            ORPHAN_FILE_DELETION => {
                let section = iceberg("orphanFileDeletionConfiguration");
                Ok(Settings::OrphanFileDeletion {
                    retention_days: number(
                        section,
                        "orphanFileRetentionPeriodInDays",
                        weir_iceberg::maintenance::orphans::MIN_RETENTION_DAYS,
                        DEFAULT_ORPHAN_RETENTION_DAYS,
                    )?,
                    location: section
                        .and_then(|s| s["location"].as_str())
                        .filter(|l| !l.is_empty())
                        .map(str::to_string),
                    run_rate_hours: number(section, "runRateInHours", 1, DEFAULT_RUN_RATE_HOURS)?,
                })
            }
            other => Err(GlueError::invalid_input(format!(
                "Type {other} is not a table optimizer type (compaction, retention, orphan_file_deletion)"
            ))),
        }
    }

    /// Seconds between runs (compaction: between checks for work, `compaction_check`).
    pub fn interval(&self, compaction_check: f64) -> f64 {
        match self {
            Settings::Compaction { .. } => compaction_check,
            Settings::Retention { run_rate_hours, .. }
            | Settings::OrphanFileDeletion { run_rate_hours, .. } => {
                *run_rate_hours as f64 * 3600.0
            }
        }
    }
}

/// Whether an optimizer's configuration enables it (`enabled`, false when absent).
pub fn enabled(configuration: &Value) -> bool {
    configuration["enabled"].as_bool().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_are_glues_and_bad_values_are_named() {
        assert_eq!(
            Settings::of(RETENTION, &json!({"roleArn": "r", "enabled": true})).unwrap(),
            Settings::Retention {
                retention_days: 5,
                snapshots_to_retain: 1,
                clean_expired_files: true,
                run_rate_hours: 24
            }
        );
        assert_eq!(
            Settings::of(ORPHAN_FILE_DELETION, &json!({})).unwrap(),
            Settings::OrphanFileDeletion {
                retention_days: 3,
                location: None,
                run_rate_hours: 24
            }
        );
        let e = Settings::of(ORPHAN_FILE_DELETION, &json!({"orphanFileDeletionConfiguration": {"icebergConfiguration": {"orphanFileRetentionPeriodInDays": 0}}})).unwrap_err();
        assert_eq!(
            e.message,
            "orphanFileRetentionPeriodInDays must be a whole number of at least 1, got 0"
        );
        assert_eq!(
            Settings::of(
                COMPACTION,
                &json!({"compactionConfiguration": {"icebergConfiguration": {"strategy": "z-order"}}}),
            )
            .unwrap(),
            Settings::Compaction {
                min_input_files: 100,
                strategy: Strategy::ZOrder
            }
        );
        let e = Settings::of(
            COMPACTION,
            &json!({"compactionConfiguration": {"icebergConfiguration": {"strategy": "hilbert"}}}),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "Compaction strategy hilbert is not binpack, sort or z-order"
        );
    }
}
