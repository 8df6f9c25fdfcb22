//! The rule-type catalogue: every rule type, its signatures (parameter counts and the condition
//! each accepts), and whether it takes a `where` clause or a `with threshold`.
//!
//! To add a rule type: a variant here, its name in [`RuleType::name`], its signatures in
//! [`RuleType::signatures`] and its flags; the parser and printer need nothing more.

use super::condition::ConditionKind;

macro_rules! rule_types {
    ($($variant:ident),* $(,)?) => {
        /// A DQDL rule type (the first word of a rule or analyzer).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RuleType { $($variant),* }

        impl RuleType {
            /// Every rule type, in catalogue order.
            pub const ALL: &'static [RuleType] = &[$(RuleType::$variant),*];

            /// The name as written in DQDL (case sensitive).
            pub fn name(self) -> &'static str {
                match self { $(RuleType::$variant => stringify!($variant)),* }
            }
        }
    };
}

rule_types!(
    RowCount,
    DuplicateRowCount,
    RowCountMatch,
    ColumnCount,
    Completeness,
    IsComplete,
    ColumnDataType,
    ColumnNamesMatchPattern,
    ColumnExists,
    ColumnCorrelation,
    Uniqueness,
    IsUnique,
    Mean,
    Sum,
    StandardDeviation,
    Variance,
    Range,
    Entropy,
    DistinctValuesCount,
    UniqueValueRatio,
    ColumnLength,
    IsPrimaryKey,
    ColumnValues,
    DataFreshness,
    CustomSql,
    ReferentialIntegrity,
    DatasetMatch,
    SchemaMatch,
    AggregateMatch,
    DetectAnomalies,
    AllStatistics,
    FileMatch,
    FileUniqueness,
    FileFreshness,
    FileSize,
);

/// Whether a signature takes a condition, and of which kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionSpec {
    /// A boolean rule: a condition is an error.
    None,
    Required(&'static [ConditionKind]),
    /// `CustomSql`: a numeric condition (scalar form) or none (row-level form).
    Optional(&'static [ConditionKind]),
}

impl ConditionSpec {
    pub fn kinds(self) -> &'static [ConditionKind] {
        match self {
            ConditionSpec::None => &[],
            ConditionSpec::Required(kinds) | ConditionSpec::Optional(kinds) => kinds,
        }
    }
}

/// One signature of a rule type: how many parameters and what condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    pub min_params: usize,
    /// `None`: any number from `min_params` on (a trailing var-arg parameter).
    pub max_params: Option<usize>,
    pub condition: ConditionSpec,
}

impl Signature {
    pub fn accepts(&self, params: usize) -> bool {
        params >= self.min_params && self.max_params.is_none_or(|max| params <= max)
    }
}

const NUM: &[ConditionKind] = &[ConditionKind::Number];
const STR: &[ConditionKind] = &[ConditionKind::String];
const DATE: &[ConditionKind] = &[ConditionKind::Date];
const DUR: &[ConditionKind] = &[ConditionKind::Duration];
const SIZE: &[ConditionKind] = &[ConditionKind::Size];
const VALUES: &[ConditionKind] = &[
    ConditionKind::String,
    ConditionKind::Number,
    ConditionKind::Date,
];

const fn sig(min: usize, max: Option<usize>, condition: ConditionSpec) -> Signature {
    Signature {
        min_params: min,
        max_params: max,
        condition,
    }
}

const fn exactly(n: usize, condition: ConditionSpec) -> Signature {
    sig(n, Some(n), condition)
}

impl RuleType {
    /// The rule type named exactly `name` (names are case sensitive).
    pub fn from_name(name: &str) -> Option<RuleType> {
        RuleType::ALL.iter().copied().find(|t| t.name() == name)
    }

    /// The signatures, at most one per parameter count.
    pub fn signatures(self) -> &'static [Signature] {
        use ConditionSpec::{None as Bool, Optional, Required};
        use RuleType::*;
        match self {
            RowCount | ColumnCount => const { &[exactly(0, Required(NUM))] },
            DuplicateRowCount => const { &[sig(0, None, Required(NUM))] },
            RowCountMatch | SchemaMatch => const { &[exactly(1, Required(NUM))] },
            Completeness | Mean | Sum | StandardDeviation | Variance | Range | Entropy
            | DistinctValuesCount | UniqueValueRatio | ColumnLength => {
                const { &[exactly(1, Required(NUM))] }
            }
            IsComplete | ColumnNamesMatchPattern | ColumnExists => const { &[exactly(1, Bool)] },
            ColumnDataType => const { &[exactly(1, Required(STR))] },
            ColumnCorrelation | ReferentialIntegrity | AggregateMatch => {
                const { &[exactly(2, Required(NUM))] }
            }
            Uniqueness => const { &[sig(1, None, Required(NUM))] },
            IsUnique | IsPrimaryKey | DetectAnomalies => const { &[sig(1, None, Bool)] },
            ColumnValues => const { &[exactly(1, Required(VALUES))] },
            DataFreshness => const { &[exactly(1, Required(DUR))] },
            CustomSql => const { &[exactly(1, Optional(NUM))] },
            DatasetMatch => const { &[sig(2, Some(3), Required(NUM))] },
            AllStatistics => const { &[exactly(1, Bool)] },
            FileMatch => const { &[sig(0, Some(1), Required(STR)), exactly(2, Bool)] },
            FileUniqueness => const { &[sig(0, Some(1), Required(NUM))] },
            FileFreshness => const { &[sig(0, Some(1), Required(DATE))] },
            FileSize => const { &[sig(0, Some(1), Required(SIZE))] },
        }
    }

    /// The signature for `params` parameters, if there is one.
    pub fn signature(self, params: usize) -> Option<Signature> {
        self.signatures()
            .iter()
            .copied()
            .find(|s| s.accepts(params))
    }

    /// Whether `where "<predicate>"` is allowed.
    pub fn supports_where(self) -> bool {
        use RuleType::*;
        matches!(
            self,
            RowCount
                | DuplicateRowCount
                | Completeness
                | IsComplete
                | ColumnDataType
                | ColumnCorrelation
                | Uniqueness
                | IsUnique
                | Mean
                | Sum
                | StandardDeviation
                | Variance
                | Range
                | Entropy
                | DistinctValuesCount
                | UniqueValueRatio
                | ColumnLength
                | IsPrimaryKey
                | ColumnValues
                | DataFreshness
        )
    }

    /// Whether `with threshold <condition>` is allowed (row-wise rules).
    pub fn supports_threshold(self) -> bool {
        use RuleType::*;
        matches!(
            self,
            ColumnValues | ColumnDataType | CustomSql | FileFreshness | FileSize
        )
    }

    /// `AllStatistics` is allowed only in `Analyzers`.
    pub fn is_analyzer_only(self) -> bool {
        self == RuleType::AllStatistics
    }

    /// Whether the type may be used in `Analyzers`: it must compute a metric, so boolean rule
    /// types (no condition in any signature) are not allowed.
    pub fn is_analyzer(self) -> bool {
        self.is_analyzer_only()
            || self
                .signatures()
                .iter()
                .any(|s| s.condition != ConditionSpec::None)
    }

    /// Flag of the reference catalogue: in row-level composite evaluation these are not combined
    /// row by row (the 2-parameter `DatasetMatch` only).
    pub fn excluded_at_row_level_in_composite(self, params: usize) -> bool {
        match self {
            RuleType::Completeness | RuleType::Uniqueness | RuleType::ReferentialIntegrity => true,
            RuleType::DatasetMatch => params == 2,
            _ => false,
        }
    }

    /// "takes 1 parameter", "takes 2 or 3 parameters", "takes 1 or more parameters", …
    pub(crate) fn describe_arity(self) -> String {
        let mut counts: Vec<String> = Vec::new();
        let mut open_from = None;
        for s in self.signatures() {
            match s.max_params {
                Some(max) => counts.extend((s.min_params..=max).map(|n| n.to_string())),
                None => open_from = Some(s.min_params),
            }
        }
        let (list, plural) = match (counts.as_slice(), open_from) {
            ([], Some(min)) => (format!("{min} or more"), true),
            ([one], None) => (one.clone(), one != "1"),
            (many, None) => {
                let (last, rest) = many
                    .split_last()
                    .map_or((String::new(), &[][..]), |(l, r)| (l.clone(), r));
                (format!("{} or {last}", rest.join(", ")), true)
            }
            (many, Some(min)) => (format!("{}, or {min} or more", many.join(", ")), true),
        };
        let noun = if plural { "parameters" } else { "parameter" };
        format!("takes {list} {noun}")
    }

    /// Known rule types whose names are close to `name` (by edit distance, ignoring case), best
    /// first.
    pub(crate) fn closest_to(name: &str) -> Vec<RuleType> {
        let lower = name.to_ascii_lowercase();
        let mut scored: Vec<(usize, RuleType)> = RuleType::ALL
            .iter()
            .map(|t| (edit_distance(&lower, &t.name().to_ascii_lowercase()), *t))
            .filter(|(d, t)| *d <= (t.name().len() / 3).max(2))
            .collect();
        scored.sort_by_key(|(d, _)| *d);
        scored.into_iter().take(3).map(|(_, t)| t).collect()
    }
}

/// Levenshtein distance over characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            cur.push(substitute.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in RuleType::ALL {
            assert_eq!(RuleType::from_name(t.name()), Some(*t));
        }
        assert_eq!(RuleType::from_name("rowcount"), None);
    }

    #[test]
    fn arity_descriptions() {
        assert_eq!(RuleType::RowCount.describe_arity(), "takes 0 parameters");
        assert_eq!(RuleType::IsComplete.describe_arity(), "takes 1 parameter");
        assert_eq!(
            RuleType::DatasetMatch.describe_arity(),
            "takes 2 or 3 parameters"
        );
        assert_eq!(
            RuleType::FileMatch.describe_arity(),
            "takes 0, 1 or 2 parameters"
        );
        assert_eq!(
            RuleType::IsUnique.describe_arity(),
            "takes 1 or more parameters"
        );
        assert_eq!(
            RuleType::DuplicateRowCount.describe_arity(),
            "takes 0 or more parameters"
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            RuleType::closest_to("IsComplet"),
            vec![RuleType::IsComplete]
        );
        assert_eq!(RuleType::closest_to("rowcount")[0], RuleType::RowCount);
        assert!(RuleType::closest_to("Xyzzy").is_empty());
    }
}
