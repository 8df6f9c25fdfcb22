//! Data quality rulesets: the `GetDataQualityRuleset` document by name.

use crate::named_docs::NamedDocs;

/// The rulesets.
pub const DQ_RULESETS: NamedDocs = NamedDocs::new("dq_rulesets", "data quality ruleset");
