//! A ruleset compiled into what the data must answer: the aggregates of one scan of the dataset
//! ([`Plan::aggregates`]), the value frequencies of column sets ([`Plan::frequencies`], a
//! grouping each), and the queries that need a statement of their own ([`Query`]:
//! `CustomSql`, reference datasets). Each rule becomes its metrics — expressions over those
//! answers ([`Src`]) — and how they decide its outcome ([`Verdict`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use datafusion::arrow::datatypes::{DataType, Schema, SchemaRef};

use super::files::Algorithm;
use super::sql::{self, Columns};
use crate::dqdl::ast::{Analyzer, Parameter, Rule, Ruleset, TagValue};
use crate::dqdl::catalogue::RuleType;
use crate::dqdl::condition::{CompareOp, Comparison, Condition, DateOperand, NumOperand};

/// Where a metric's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Src {
    /// An aggregate of the main scan.
    Agg(usize),
    /// A statistic of a column set's value frequencies.
    Freq(usize, FreqStat),
    /// A query of its own.
    Query(usize),
    Num(f64),
    /// `a / b` (`0 / 0` is NaN).
    Div(Box<Src>, Box<Src>),
    Sub(Box<Src>, Box<Src>),
    /// `a / b` as `AggregateMatch` takes it: `0 / 0` is 1, `x / 0` is 0.
    MatchRatio(Box<Src>, Box<Src>),
    /// Shannon entropy (natural logarithm) of a column set's values over `rows` rows.
    Entropy(usize, Box<Src>),
}

/// What the frequencies of a column set's values tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreqStat {
    /// Distinct values with at least one non-NULL column.
    Distinct,
    /// Such values that occur exactly once.
    Singles,
    /// Distinct values, all-NULL ones included (NULLs equal).
    Groups,
    /// Rows whose value has at least one non-NULL column.
    ValidRows,
    /// Σ n·ln(n) over those values' counts n.
    NLogN,
}

/// A column set whose value frequencies are counted, over the rows a `where` keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreqSet {
    pub columns: Vec<String>,
    pub where_clause: Option<String>,
}

/// A computation with a statement of its own; each answers one number.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// `CustomSql` returning one number.
    Scalar(String),
    /// Rows of the dataset that the statement's result holds (`CustomSql` without condition).
    RowLevel(String),
    /// Rows of a reference dataset.
    RowCount(String),
    /// Dataset rows whose `columns` values are among the reference's `ref_columns` values.
    Contained {
        columns: Vec<String>,
        alias: String,
        ref_columns: Vec<String>,
    },
    /// Dataset rows matching the reference row with the same keys in the compared columns.
    Matching {
        alias: String,
        keys: Vec<(String, String)>,
        compared: Vec<(String, String)>,
    },
    /// An aggregate of a reference dataset.
    Aggregate { alias: String, sql: String },
    /// A count of files (see [`super::files`]).
    Files(FileQuery),
}

/// Which files a file rule counts: those at `path` (the dataset's when `None`), the `recent`
/// newest only when given, that satisfy `measure`.
#[derive(Debug, Clone, PartialEq)]
pub struct FileQuery {
    pub path: Option<String>,
    pub recent: Option<usize>,
    pub measure: FileMeasure,
}

/// What is counted of files.
#[derive(Debug, Clone, PartialEq)]
pub enum FileMeasure {
    All,
    /// Last modified (seconds since the epoch) satisfying the comparison.
    Modified(Comparison<Option<f64>>),
    /// Size in bytes satisfying the comparison.
    Size(Comparison<Option<f64>>),
    /// Checksum satisfying the comparison.
    Checksum(Algorithm, Comparison<Option<String>>),
    /// Content no other of the files has.
    Unique(Algorithm),
    /// 1 when the files at this other path have the same contents (as a multiset), else 0.
    SameAs(String, Algorithm),
}

/// How a rule's metrics decide its outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// An analyzer: metrics only.
    Metrics,
    /// The first metric compared with the condition.
    Compare(Comparison<NumOperand>),
    /// Every metric is exactly 1.
    AllOne,
    /// A row-wise rule: the share of `rows` that pass must be 1, or satisfy the threshold.
    Compliance {
        passing: Src,
        rows: Src,
        threshold: Option<Comparison<NumOperand>>,
        /// Whether no rows to check is a pass ("No rows matched").
        empty_passes: bool,
    },
    /// `DetectAnomalies`: the first metric against the model of its history.
    Anomaly,
}

/// A compiled rule or analyzer.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub metrics: Vec<(String, Src)>,
    pub verdict: Verdict,
    /// The `where` clause, checked once before the scan.
    pub where_clause: Option<String>,
    /// What a failure says beyond the value (the column names that do not match, …).
    pub detail: Option<String>,
    /// For rules with an outcome per row: the Spark SQL predicate a row passes (a row the
    /// `where` leaves out passes).
    pub row: Option<String>,
}

impl Compiled {
    /// Metrics and how they decide.
    fn new(metrics: Vec<(String, Src)>, verdict: Verdict) -> Compiled {
        Compiled {
            metrics,
            verdict,
            where_clause: None,
            detail: None,
            row: None,
        }
    }

    /// … with an outcome per row: the predicate a row passes.
    fn with_row(mut self, row: String) -> Compiled {
        self.row = Some(row);
        self
    }
}

/// Everything an evaluation asks of the data.
#[derive(Debug, Default)]
pub struct Plan {
    pub aggregates: Vec<String>,
    pub frequencies: Vec<FreqSet>,
    pub queries: Vec<Query>,
}

impl Plan {
    fn aggregate(&mut self, sql: String) -> Src {
        let i = match self.aggregates.iter().position(|a| *a == sql) {
            Some(i) => i,
            None => {
                self.aggregates.push(sql);
                self.aggregates.len() - 1
            }
        };
        Src::Agg(i)
    }

    fn frequencies(&mut self, set: FreqSet) -> usize {
        match self.frequencies.iter().position(|s| *s == set) {
            Some(i) => i,
            None => {
                self.frequencies.push(set);
                self.frequencies.len() - 1
            }
        }
    }

    fn query(&mut self, query: Query) -> Src {
        let i = match self.queries.iter().position(|q| *q == query) {
            Some(i) => i,
            None => {
                self.queries.push(query);
                self.queries.len() - 1
            }
        };
        Src::Query(i)
    }
}

/// Compiles the rules and analyzers of one ruleset against one dataset.
pub struct Compiler<'a> {
    pub ruleset: &'a Ruleset,
    pub schema: &'a Schema,
    /// The reference datasets' schemas, by alias.
    pub references: &'a BTreeMap<String, SchemaRef>,
    pub now: DateTime<Utc>,
    pub plan: Plan,
}

fn double(aggregate: String) -> String {
    format!("CAST({aggregate} AS DOUBLE)")
}

fn div(a: Src, b: Src) -> Src {
    Src::Div(Box::new(a), Box::new(b))
}

impl Compiler<'_> {
    fn columns(&self) -> Columns<'_> {
        Columns {
            schema: self.schema,
        }
    }

    fn param(&self, rule: &Rule, i: usize) -> Result<String, String> {
        parameter(self.ruleset, rule.parameters.get(i))
    }

    /// Rows the `where` keeps.
    fn rows(&mut self, where_clause: Option<&str>) -> Src {
        self.plan
            .aggregate(double(format!("count({})", sql::kept(where_clause, "1"))))
    }

    /// Rows the `where` keeps for which `predicate` holds.
    fn passing(&mut self, where_clause: Option<&str>, predicate: &str) -> Src {
        self.plan.aggregate(double(format!(
            "count({})",
            sql::kept(where_clause, &format!("CASE WHEN {predicate} THEN 1 END"))
        )))
    }

    fn agg(&mut self, function: &str, where_clause: Option<&str>, value: &str) -> Src {
        self.plan.aggregate(double(format!(
            "{function}({})",
            sql::kept(where_clause, value)
        )))
    }

    fn freq(&mut self, columns: Vec<String>, where_clause: Option<&str>, stat: FreqStat) -> Src {
        let set = self.plan.frequencies(FreqSet {
            columns,
            where_clause: where_clause.map(str::to_string),
        });
        Src::Freq(set, stat)
    }

    /// A rule of `Rules`.
    pub fn rule(&mut self, rule: &Rule) -> Result<Compiled, String> {
        let where_clause = rule.where_clause.as_ref().map(|q| q.value());
        let mut compiled = self.metrics(
            rule.rule_type,
            rule,
            rule.condition.as_ref(),
            where_clause.as_deref(),
        )?;
        if let (Some(w), Some(row)) = (&where_clause, &compiled.row) {
            compiled.row = Some(format!("CASE WHEN ({w}) THEN {row} ELSE true END"));
        }
        compiled.where_clause = where_clause;
        Ok(compiled)
    }

    /// An analyzer: its rule type's metrics, without a condition.
    pub fn analyzer(&mut self, analyzer: &Analyzer) -> Result<Compiled, String> {
        let rule = Rule {
            parameters: analyzer.parameters.clone(),
            ..Rule::new(analyzer.rule_type)
        };
        match analyzer.rule_type {
            RuleType::AllStatistics => return self.all_statistics(&rule),
            RuleType::CustomSql => {
                let statement = self.param(&rule, 0)?;
                let src = self.plan.query(Query::Scalar(statement));
                return Ok(Compiled::new(
                    vec![("Dataset.*.CustomSQL".into(), src)],
                    Verdict::Metrics,
                ));
            }
            _ => {}
        }
        let mut compiled = self.metrics(analyzer.rule_type, &rule, None, None)?;
        compiled.verdict = Verdict::Metrics;
        Ok(compiled)
    }

    fn metrics(
        &mut self,
        rule_type: RuleType,
        rule: &Rule,
        condition: Option<&Condition>,
        w: Option<&str>,
    ) -> Result<Compiled, String> {
        use RuleType::*;
        let compare = match condition {
            Some(Condition::Number(c)) => Verdict::Compare(c.clone()),
            _ => Verdict::Metrics,
        };
        let one =
            |name: String, src: Src, verdict: Verdict| Compiled::new(vec![(name, src)], verdict);
        let column_name = |c: &str| format!("Column.{c}");
        Ok(match rule_type {
            RowCount => one("Dataset.*.RowCount".into(), self.rows(w), compare),
            ColumnCount => one(
                "Dataset.*.ColumnCount".into(),
                Src::Num(self.schema.fields().len() as f64),
                compare,
            ),
            Completeness | IsComplete => {
                let c = self.param(rule, 0)?;
                let reference = self.columns().reference(&c)?;
                let present = self.agg("count", w, &reference);
                let verdict = if rule_type == IsComplete {
                    Verdict::AllOne
                } else {
                    compare
                };
                let rows = self.rows(w);
                Compiled {
                    row: (rule_type == IsComplete).then(|| format!("({reference} IS NOT NULL)")),
                    ..one(
                        format!("{}.Completeness", column_name(&c)),
                        div(present, rows),
                        verdict,
                    )
                }
            }
            Mean | Sum | StandardDeviation | Variance | Range => {
                let c = self.param(rule, 0)?;
                let reference = self.columns().numeric(&c)?;
                let src = match rule_type {
                    Mean => self.agg("avg", w, &reference),
                    Sum => self.agg("sum", w, &reference),
                    StandardDeviation => self.agg("stddev_pop", w, &reference),
                    Variance => self.agg("var_pop", w, &reference),
                    _ => Src::Sub(
                        Box::new(self.agg("max", w, &reference)),
                        Box::new(self.agg("min", w, &reference)),
                    ),
                };
                one(
                    format!("{}.{}", column_name(&c), rule_type.name()),
                    src,
                    compare,
                )
            }
            ColumnCorrelation => {
                let (a, b) = (self.param(rule, 0)?, self.param(rule, 1)?);
                let (ra, rb) = (self.columns().numeric(&a)?, self.columns().numeric(&b)?);
                let both = format!("{ra} IS NOT NULL AND {rb} IS NOT NULL");
                let keep = |v: &str| sql::kept(w, &format!("CASE WHEN {both} THEN {v} END"));
                let src =
                    self.plan
                        .aggregate(double(format!("corr({}, {})", keep(&ra), keep(&rb))));
                one(
                    format!("Multicolumn.{a},{b}.ColumnCorrelation"),
                    src,
                    compare,
                )
            }
            Uniqueness | IsUnique | UniqueValueRatio | DistinctValuesCount | Entropy => {
                let names = self.params(rule)?;
                let refs = self.references_of(&names)?;
                let refs_for_rows = refs.clone();
                let rows = self.rows(w);
                let src = match rule_type {
                    Uniqueness | IsUnique => div(self.freq(refs, w, FreqStat::Singles), rows),
                    UniqueValueRatio => div(
                        self.freq(refs.clone(), w, FreqStat::Singles),
                        self.freq(refs, w, FreqStat::Distinct),
                    ),
                    DistinctValuesCount => self.freq(refs, w, FreqStat::Distinct),
                    _ => {
                        let Src::Freq(set, _) = self.freq(refs, w, FreqStat::NLogN) else {
                            unreachable!("freq gives a frequency statistic")
                        };
                        Src::Entropy(set, Box::new(rows))
                    }
                };
                let metric = match rule_type {
                    IsUnique => "Uniqueness",
                    other => other.name(),
                };
                let verdict = if rule_type == IsUnique {
                    Verdict::AllOne
                } else {
                    compare
                };
                Compiled {
                    row: (rule_type == IsUnique).then(|| unique_row(&refs_for_rows, false)),
                    ..one(format!("{}.{metric}", entity(&names)), src, verdict)
                }
            }
            DuplicateRowCount => {
                let names = match self.params(rule)? {
                    names if names.is_empty() => self
                        .schema
                        .fields()
                        .iter()
                        .map(|f| f.name().clone())
                        .collect(),
                    names => names,
                };
                let refs = self.references_of(&names)?;
                let groups = self.freq(refs, w, FreqStat::Groups);
                let rows = self.rows(w);
                one(
                    "Dataset.*.DuplicateRowCount".into(),
                    Src::Sub(Box::new(rows), Box::new(groups)),
                    compare,
                )
            }
            IsPrimaryKey => {
                let names = self.params(rule)?;
                let refs = self.references_of(&names)?;
                let rows = self.rows(w);
                let mut metrics = Vec::new();
                for (name, reference) in names.iter().zip(&refs) {
                    let present = self.agg("count", w, reference);
                    metrics.push((
                        format!("Column.{name}.Completeness"),
                        div(present, rows.clone()),
                    ));
                }
                let row = unique_row(&refs, true);
                let singles = self.freq(refs, w, FreqStat::Singles);
                metrics.push((format!("{}.Uniqueness", entity(&names)), div(singles, rows)));
                Compiled::new(metrics, Verdict::AllOne).with_row(row)
            }
            ColumnExists => {
                let c = self.param(rule, 0)?;
                let exists = self.columns().field(&c).is_ok();
                one(
                    format!("Dataset.{c}.ColumnExists"),
                    Src::Num(if exists { 1.0 } else { 0.0 }),
                    Verdict::AllOne,
                )
            }
            ColumnNamesMatchPattern => {
                let pattern = self.param(rule, 0)?;
                let re = regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
                    format!("The pattern \"{pattern}\" is not a valid regular expression: {e}")
                })?;
                let names: Vec<&String> = self.schema.fields().iter().map(|f| f.name()).collect();
                let unmatched: Vec<&str> = names
                    .iter()
                    .filter(|n| !re.is_match(n))
                    .map(|n| n.as_str())
                    .collect();
                let ratio = if names.is_empty() {
                    1.0
                } else {
                    (names.len() - unmatched.len()) as f64 / names.len() as f64
                };
                Compiled {
                    detail: (!unmatched.is_empty())
                        .then(|| format!("Columns that do not match: {}", unmatched.join(", "))),
                    ..one(
                        "Dataset.*.ColumnNamesPatternMatchRatio".into(),
                        Src::Num(ratio),
                        Verdict::AllOne,
                    )
                }
            }
            ColumnLength => {
                let c = self.param(rule, 0)?;
                let reference = self.columns().reference(&c)?;
                let length = format!("length(coalesce(CAST({reference} AS STRING), ''))");
                let min = format!("{}.MinimumLength", column_name(&c));
                let max = format!("{}.MaximumLength", column_name(&c));
                let Some(Condition::Number(comparison)) = condition else {
                    let min_src = self.agg("min", w, &length);
                    let max_src = self.agg("max", w, &length);
                    return Ok(Compiled::new(
                        vec![(min, min_src), (max, max_src)],
                        Verdict::Metrics,
                    ));
                };
                let predicate = sql::compare(&length, &static_operands(comparison)?);
                let passing = self.passing(w, &predicate);
                let rows = self.rows(w);
                let metrics = match comparison {
                    Comparison::Compare(
                        CompareOp::GreaterThan | CompareOp::GreaterThanOrEqual,
                        _,
                    ) => vec![(min, self.agg("min", w, &length))],
                    Comparison::Compare(CompareOp::LessThan | CompareOp::LessThanOrEqual, _) => {
                        vec![(max, self.agg("max", w, &length))]
                    }
                    Comparison::Compare(_, _) | Comparison::Between { negated: false, .. } => vec![
                        (min, self.agg("min", w, &length)),
                        (max, self.agg("max", w, &length)),
                    ],
                    _ => vec![(
                        format!("{}.LengthCompliance", column_name(&c)),
                        div(passing.clone(), rows.clone()),
                    )],
                };
                Compiled::new(
                    metrics,
                    Verdict::Compliance {
                        passing,
                        rows,
                        threshold: None,
                        empty_passes: true,
                    },
                )
                .with_row(format!("({predicate})"))
            }
            ColumnValues => {
                let c = self.param(rule, 0)?;
                let reference = self.columns().reference(&c)?;
                let Some(condition) = condition else {
                    let min = self.agg("min", w, &reference);
                    let max = self.agg("max", w, &reference);
                    return Ok(Compiled::new(
                        vec![
                            (format!("{}.Minimum", column_name(&c)), min),
                            (format!("{}.Maximum", column_name(&c)), max),
                        ],
                        Verdict::Metrics,
                    ));
                };
                let predicate = self.value_predicate(rule, &reference, condition)?;
                self.compliance(
                    format!("{}.ColumnValues.Compliance", column_name(&c)),
                    rule,
                    w,
                    &predicate,
                )
            }
            ColumnDataType => {
                let c = self.param(rule, 0)?;
                let reference = self.columns().reference(&c)?;
                let Some(Condition::String(crate::StringCondition::Comparison(
                    Comparison::Compare(op @ (CompareOp::Equals | CompareOp::NotEquals), target),
                ))) = condition
                else {
                    return Err(
                        "ColumnDataType takes = \"TYPE\" or != \"TYPE\" as its condition".into(),
                    );
                };
                let crate::StringOperand::Quoted(target) = target else {
                    return Err("ColumnDataType compares with a type name in quotes".into());
                };
                let format =
                    rule.tags
                        .iter()
                        .find(|t| t.name == "format")
                        .map(|t| match &t.value {
                            TagValue::Quoted(q) => q.value(),
                            TagValue::Number(n) => n.text().to_string(),
                        });
                let cast = castable(&reference, &target.value(), format.as_deref())?;
                let predicate = match op {
                    CompareOp::Equals => cast,
                    _ => format!("NOT {cast}"),
                };
                let not_null = format!("{reference} IS NOT NULL");
                let passing = self.passing(w, &format!("{not_null} AND {predicate}"));
                let rows = self.passing(w, &not_null);
                Compiled::new(
                    vec![(
                        format!("{}.ColumnDataType.Compliance", column_name(&c)),
                        div(passing.clone(), rows.clone()),
                    )],
                    Verdict::Compliance {
                        passing,
                        rows,
                        threshold: rule.threshold.clone(),
                        empty_passes: true,
                    },
                )
                .with_row(format!("({reference} IS NULL OR {predicate})"))
            }
            DataFreshness => {
                let c = self.param(rule, 0)?;
                let reference = self.columns().reference(&c)?;
                let Some(Condition::Duration(comparison)) = condition else {
                    return Err("DataFreshness takes a duration condition".into());
                };
                let seconds = |d: &crate::Duration| -> Result<Option<String>, String> {
                    Ok(Some(sql::span(*d)?.num_seconds().to_string()))
                };
                let operands = comparison.try_map(seconds)?;
                let age = format!(
                    "(CAST({} AS DOUBLE) - CAST(CAST({reference} AS TIMESTAMP) AS DOUBLE))",
                    sql::timestamp(self.now)
                );
                let predicate = format!(
                    "({reference} IS NOT NULL AND {})",
                    sql::compare(&age, &operands)
                );
                self.compliance(
                    format!("{}.DataFreshness.Compliance", column_name(&c)),
                    rule,
                    w,
                    &predicate,
                )
            }
            CustomSql => {
                let statement = self.param(rule, 0)?;
                if condition.is_some() {
                    let src = self.plan.query(Query::Scalar(statement));
                    return Ok(one("Dataset.*.CustomSQL".into(), src, compare));
                }
                let passing = self.plan.query(Query::RowLevel(statement));
                let rows = self.rows(None);
                Compiled::new(
                    vec![(
                        "Dataset.*.CustomSQL.Compliance".into(),
                        div(passing.clone(), rows.clone()),
                    )],
                    Verdict::Compliance {
                        passing,
                        rows,
                        threshold: rule.threshold.clone(),
                        empty_passes: false,
                    },
                )
            }
            RowCountMatch => {
                let alias = self.alias(&self.param(rule, 0)?)?;
                let theirs = self.plan.query(Query::RowCount(alias.clone()));
                let ours = self.rows(None);
                one(
                    format!("Dataset.{alias}.RowCountMatch"),
                    div(ours, theirs),
                    compare,
                )
            }
            SchemaMatch => {
                let alias = self.alias(&self.param(rule, 0)?)?;
                let theirs = &self.references[&alias];
                let fields = self.schema.fields();
                let shared = fields
                    .iter()
                    .filter(|f| {
                        theirs
                            .field_with_name(f.name())
                            .is_ok_and(|t| t.data_type() == f.data_type())
                    })
                    .count();
                let ratio = if fields.is_empty() {
                    1.0
                } else {
                    shared as f64 / fields.len() as f64
                };
                one(
                    format!("Dataset.{alias}.SchemaMatch"),
                    Src::Num(ratio),
                    compare,
                )
            }
            ReferentialIntegrity => {
                let ours = split_columns(&self.param(rule, 0)?);
                let theirs = self.param(rule, 1)?;
                let (alias, ref_columns) = theirs.split_once('.').ok_or_else(|| {
                    format!("\"{theirs}\" does not name a reference dataset's columns as alias.column or alias.{{c1,c2}}")
                })?;
                let alias = self.alias(alias)?;
                let ref_columns = split_columns(ref_columns);
                if ref_columns.len() != ours.len() {
                    return Err(format!(
                        "ReferentialIntegrity compares {} column(s) with {} reference column(s)",
                        ours.len(),
                        ref_columns.len()
                    ));
                }
                let columns = self.references_of(&ours)?;
                let ref_columns = self.reference_columns(&alias, &ref_columns)?;
                let contained = self.plan.query(Query::Contained {
                    columns,
                    alias,
                    ref_columns,
                });
                let rows = self.rows(None);
                one(
                    format!("Column.{theirs}.ReferentialIntegrity"),
                    div(contained, rows),
                    compare,
                )
            }
            DatasetMatch => {
                let alias = self.alias(&self.param(rule, 0)?)?;
                let keys = mapping(&self.param(rule, 1)?);
                let compared = match rule.parameters.get(2) {
                    Some(_) => mapping(&self.param(rule, 2)?),
                    None => self
                        .schema
                        .fields()
                        .iter()
                        .map(|f| f.name().clone())
                        .filter(|n| !keys.iter().any(|(k, _)| k == n))
                        .map(|n| (n.clone(), n))
                        .collect(),
                };
                let keys = self.mapped(&alias, keys)?;
                let compared = self.mapped(&alias, compared)?;
                let matching = self.plan.query(Query::Matching {
                    alias: alias.clone(),
                    keys,
                    compared,
                });
                let rows = self.rows(None);
                one(
                    format!("Dataset.{alias}.DatasetMatch"),
                    div(matching, rows),
                    compare,
                )
            }
            AggregateMatch => {
                let (first, second) = (self.param(rule, 0)?, self.param(rule, 1)?);
                let (a, a_col) = self.aggregate_expr(&first)?;
                let (b, b_col) = self.aggregate_expr(&second)?;
                let name = if a_col == b_col {
                    format!("Column.{a_col}.AggregateMatch")
                } else {
                    format!("Column.{a_col},{b_col}.AggregateMatch")
                };
                one(name, Src::MatchRatio(Box::new(a), Box::new(b)), compare)
            }
            DetectAnomalies => {
                let wrapped = self.param(rule, 0)?;
                let rule_type = RuleType::from_name(&wrapped)
                    .filter(|t| t.is_analyzer() && !t.is_analyzer_only())
                    .ok_or_else(|| {
                        format!("DetectAnomalies takes the name of a rule type that computes a metric, not \"{wrapped}\"")
                    })?;
                let inner = Rule {
                    parameters: rule.parameters[1..].to_vec(),
                    ..Rule::new(rule_type)
                };
                let mut compiled = self.metrics(rule_type, &inner, None, None)?;
                compiled.verdict = Verdict::Anomaly;
                compiled
            }
            AllStatistics => self.all_statistics(rule)?,
            FileMatch | FileUniqueness | FileFreshness | FileSize => {
                self.file_rule(rule_type, rule, condition)?
            }
        })
    }

    /// A file rule: counts of the files at its path (or the dataset's).
    fn file_rule(
        &mut self,
        rule_type: RuleType,
        rule: &Rule,
        condition: Option<&Condition>,
    ) -> Result<Compiled, String> {
        let tag = |name: &str| {
            rule.tags
                .iter()
                .find(|t| t.name == name)
                .map(|t| match &t.value {
                    TagValue::Quoted(q) => q.value(),
                    TagValue::Number(n) => n.text().to_string(),
                })
        };
        let recent = match tag("recentFiles") {
            Some(n) => Some(n.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                format!("recentFiles must be a whole number of 1 or more, not {n}")
            })?),
            None => None,
        };
        let algorithm = match tag("hashAlgorithm") {
            Some(name) => Algorithm::parse(&name)?,
            None => Algorithm::Sha256,
        };
        let path = match rule.parameters.len() {
            0 => None,
            _ => Some(self.param(rule, 0)?),
        };
        let other = match rule.parameters.len() {
            2 => Some(self.param(rule, 1)?),
            _ => None,
        };
        let mut files = |measure: FileMeasure| {
            self.plan.query(Query::Files(FileQuery {
                path: path.clone(),
                recent,
                measure,
            }))
        };
        let count = files(FileMeasure::All);
        let name = |metric: &str| format!("Dataset.*.{metric}");
        let compliance = |passing: Src, metric: &str, threshold| {
            Compiled::new(
                vec![
                    (name(metric), div(passing.clone(), count.clone())),
                    (name("FileCount"), count.clone()),
                ],
                Verdict::Compliance {
                    passing,
                    rows: count.clone(),
                    threshold,
                    empty_passes: false,
                },
            )
        };
        Ok(match (rule_type, condition) {
            (RuleType::FileFreshness, Some(Condition::Date(c))) => {
                if let Some(zone) =
                    tag("timeZone").filter(|z| !matches!(z.as_str(), "UTC" | "Etc/UTC" | "GMT"))
                {
                    return Err(format!(
                        "time zone {zone} is not supported: times of day are compared in UTC"
                    ));
                }
                let at = |o: &DateOperand| sql::date_seconds(o, self.now);
                let passing = files(FileMeasure::Modified(c.try_map(at)?));
                compliance(passing, "FileFreshness.Compliance", rule.threshold.clone())
            }
            (RuleType::FileSize, Some(Condition::Size(c))) => {
                let bytes = |size: &crate::Size| -> Result<Option<f64>, String> {
                    Ok(Some(size.amount.saturating_mul(size.unit.bytes()) as f64))
                };
                let passing = files(FileMeasure::Size(c.try_map(bytes)?));
                compliance(passing, "FileSize.Compliance", rule.threshold.clone())
            }
            (RuleType::FileUniqueness, Some(Condition::Number(c))) => {
                let unique = files(FileMeasure::Unique(algorithm));
                Compiled::new(
                    vec![
                        (name("FileUniqueness"), div(unique, count.clone())),
                        (name("FileCount"), count.clone()),
                    ],
                    Verdict::Compare(c.clone()),
                )
            }
            (RuleType::FileMatch, Some(Condition::String(c))) => {
                let crate::StringCondition::Comparison(comparison) = c else {
                    return Err("FileMatch compares checksums with = or in [...]".into());
                };
                let checksum = |o: &crate::StringOperand| -> Result<Option<String>, String> {
                    match o {
                        crate::StringOperand::Quoted(q) => Ok(Some(q.value().to_ascii_lowercase())),
                        crate::StringOperand::Null => Ok(None),
                        other => Err(format!("FileMatch compares checksums, not {other}")),
                    }
                };
                let passing = files(FileMeasure::Checksum(
                    algorithm,
                    comparison.try_map(checksum)?,
                ));
                compliance(passing, "FileMatch.Compliance", None)
            }
            (RuleType::FileMatch, None) => {
                let other = other.ok_or("FileMatch compares the files of two paths")?;
                let same = files(FileMeasure::SameAs(other, algorithm));
                Compiled::new(vec![(name("FileMatch"), same)], Verdict::AllOne)
            }
            _ => {
                return Err(format!(
                    "{} takes a condition of another kind",
                    rule_type.name()
                ))
            }
        })
    }

    /// A row-wise rule's compliance metric and verdict.
    fn compliance(
        &mut self,
        metric: String,
        rule: &Rule,
        w: Option<&str>,
        predicate: &str,
    ) -> Compiled {
        let passing = self.passing(w, predicate);
        let rows = self.rows(w);
        Compiled::new(
            vec![(metric, div(passing.clone(), rows.clone()))],
            Verdict::Compliance {
                passing,
                rows,
                threshold: rule.threshold.clone(),
                empty_passes: true,
            },
        )
        .with_row(format!("({predicate})"))
    }

    /// The per-row predicate of `ColumnValues`.
    fn value_predicate(
        &self,
        rule: &Rule,
        reference: &str,
        condition: &Condition,
    ) -> Result<String, String> {
        match condition {
            Condition::Number(c) => Ok(sql::compare(reference, &static_operands(c)?)),
            Condition::String(c) => {
                let ignore_case = rule.tags.iter().any(|t| {
                    t.name == "ignoreCase"
                        && matches!(&t.value, TagValue::Quoted(q) if q.value().eq_ignore_ascii_case("true"))
                });
                sql::string_condition(self.ruleset, reference, c, ignore_case)
            }
            Condition::Date(c) => {
                if let Some(zone) = rule.tags.iter().find(|t| t.name == "timeZone") {
                    if !matches!(&zone.value, TagValue::Quoted(q) if matches!(q.value().as_str(), "UTC" | "Etc/UTC" | "GMT"))
                    {
                        return Err(format!(
                            "time zone {} is not supported: times of day are compared in UTC",
                            match &zone.value {
                                TagValue::Quoted(q) => q.value(),
                                TagValue::Number(n) => n.text().to_string(),
                            }
                        ));
                    }
                }
                let times = |o: &DateOperand| matches!(o, DateOperand::TimeOfDay(_));
                let any_time = c.any(times);
                let value = if any_time {
                    format!("CAST({reference} AS TIMESTAMP)")
                } else {
                    format!("CAST({reference} AS DATE)")
                };
                let op = |o: &DateOperand| sql::date_operand(o, self.now);
                let operands = c.try_map(op)?;
                Ok(sql::compare(&value, &operands))
            }
            Condition::Duration(_) | Condition::Size(_) => {
                Err("ColumnValues compares values with numbers, strings or dates".into())
            }
        }
    }

    fn all_statistics(&mut self, rule: &Rule) -> Result<Compiled, String> {
        let c = self.param(rule, 0)?;
        let (reference, data_type) = self.columns().field(&c)?;
        let rows = self.rows(None);
        let present = self.agg("count", None, &reference);
        let prefix = format!("Column.{c}");
        let refs = vec![reference.clone()];
        let distinct = self.freq(refs.clone(), None, FreqStat::Distinct);
        let singles = self.freq(refs.clone(), None, FreqStat::Singles);
        let Src::Freq(set, _) = self.freq(refs, None, FreqStat::NLogN) else {
            unreachable!("freq gives a frequency statistic")
        };
        let mut metrics = vec![
            (format!("{prefix}.Completeness"), div(present, rows.clone())),
            (format!("{prefix}.DistinctValuesCount"), distinct.clone()),
            (
                format!("{prefix}.Uniqueness"),
                div(singles.clone(), rows.clone()),
            ),
            (format!("{prefix}.UniqueValueRatio"), div(singles, distinct)),
            (
                format!("{prefix}.Entropy"),
                Src::Entropy(set, Box::new(rows)),
            ),
        ];
        if data_type.is_numeric() {
            for (name, function) in [
                ("Mean", "avg"),
                ("Sum", "sum"),
                ("StandardDeviation", "stddev_pop"),
                ("Minimum", "min"),
                ("Maximum", "max"),
            ] {
                metrics.push((
                    format!("{prefix}.{name}"),
                    self.agg(function, None, &reference),
                ));
            }
        } else if matches!(
            data_type,
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        ) {
            let length = format!("length({reference})");
            metrics.push((
                format!("{prefix}.MinimumLength"),
                self.agg("min", None, &length),
            ));
            metrics.push((
                format!("{prefix}.MaximumLength"),
                self.agg("max", None, &length),
            ));
        }
        Ok(Compiled::new(metrics, Verdict::Metrics))
    }

    /// Every parameter's text.
    fn params(&self, rule: &Rule) -> Result<Vec<String>, String> {
        (0..rule.parameters.len())
            .map(|i| self.param(rule, i))
            .collect()
    }

    fn references_of(&self, names: &[String]) -> Result<Vec<String>, String> {
        names.iter().map(|n| self.columns().reference(n)).collect()
    }

    /// A reference dataset's alias, which the evaluation must have been given.
    fn alias(&self, alias: &str) -> Result<String, String> {
        if self.references.contains_key(alias) {
            Ok(alias.to_string())
        } else {
            let known: Vec<&str> = self.references.keys().map(String::as_str).collect();
            Err(format!(
                "The reference dataset \"{alias}\" was not found among the additional data sources{}",
                if known.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", known.join(", "))
                }
            ))
        }
    }

    fn reference_columns(&self, alias: &str, names: &[String]) -> Result<Vec<String>, String> {
        let schema = &self.references[alias];
        names
            .iter()
            .map(|n| {
                Columns { schema }.reference(n).map_err(|_| {
                    format!("Column \"{n}\" does not exist in the reference dataset \"{alias}\"")
                })
            })
            .collect()
    }

    /// `ours->theirs` pairs as SQL references.
    fn mapped(
        &self,
        alias: &str,
        pairs: Vec<(String, String)>,
    ) -> Result<Vec<(String, String)>, String> {
        let (ours, theirs): (Vec<String>, Vec<String>) = pairs.into_iter().unzip();
        let ours = self.references_of(&ours)?;
        let theirs = self.reference_columns(alias, &theirs)?;
        Ok(ours.into_iter().zip(theirs).collect())
    }

    /// `sum(col)` / `avg(alias.col)`: the aggregate's source and the column's name.
    fn aggregate_expr(&mut self, text: &str) -> Result<(Src, String), String> {
        let bad = || {
            format!("\"{text}\" is not an aggregate AggregateMatch takes: sum(column) or avg(column), the column optionally alias.column")
        };
        let (function, rest) = text.trim().split_once('(').ok_or_else(bad)?;
        let function = function.trim().to_ascii_lowercase();
        let column = rest.trim().strip_suffix(')').ok_or_else(bad)?.trim();
        if !matches!(function.as_str(), "sum" | "avg") || column.is_empty() {
            return Err(bad());
        }
        if self.columns().field(column).is_err() {
            if let Some((alias, name)) = column.split_once('.') {
                if self.references.contains_key(alias) {
                    let reference = self.reference_columns(alias, &[name.to_string()])?;
                    let sql = double(format!("{function}({})", reference[0]));
                    let src = self.plan.query(Query::Aggregate {
                        alias: alias.to_string(),
                        sql,
                    });
                    return Ok((src, name.to_string()));
                }
            }
        }
        let reference = self.columns().numeric(column)?;
        Ok((self.agg(&function, None, &reference), column.to_string()))
    }
}

/// A row of unique values: its value (of `refs`) occurs once; with `complete`, no column is
/// NULL, else at least one is not.
fn unique_row(refs: &[String], complete: bool) -> String {
    let present: Vec<String> = refs.iter().map(|r| format!("{r} IS NOT NULL")).collect();
    let joiner = if complete { " AND " } else { " OR " };
    format!(
        "(({}) AND count(1) OVER (PARTITION BY {}) = 1)",
        present.join(joiner),
        refs.join(", ")
    )
}

/// The text of a parameter.
fn parameter(ruleset: &Ruleset, parameter: Option<&Parameter>) -> Result<String, String> {
    let parameter = parameter.ok_or("a parameter is missing")?;
    ruleset
        .parameter_value(parameter)
        .ok_or_else(|| format!("{parameter} is not a string variable"))
}

/// `Column.c` or `Multicolumn.a,b`.
fn entity(names: &[String]) -> String {
    match names {
        [one] => format!("Column.{one}"),
        many => format!("Multicolumn.{}", many.join(",")),
    }
}

/// `a,b` or `{a,b}` → `[a, b]`.
fn split_columns(text: &str) -> Vec<String> {
    let text = text.trim();
    let inner = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(text);
    inner
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

/// `k1->r1,k2` → `[(k1, r1), (k2, k2)]`.
fn mapping(text: &str) -> Vec<(String, String)> {
    split_columns(text)
        .into_iter()
        .map(|pair| match pair.split_once("->") {
            Some((a, b)) => (a.trim().to_string(), b.trim().to_string()),
            None => (pair.clone(), pair),
        })
        .collect()
}

/// A numeric comparison's operands as SQL literals; dynamic operands are refused (a per-row
/// check compares each value, not a metric with history).
fn static_operands(c: &Comparison<NumOperand>) -> Result<Comparison<Option<String>>, String> {
    let literal = |o: &NumOperand| -> Result<Option<String>, String> {
        match o {
            NumOperand::Null => Ok(None),
            NumOperand::Expr(e) if e.is_dynamic() => Err(format!(
                "{e} reads a metric's history; a rule that checks each row takes numbers only"
            )),
            NumOperand::Expr(e) => {
                let value = super::dynamic::resolve(e, &|_| Vec::new())
                    .map_err(|_| format!("{e} is not a number"))?;
                sql::number(value).map(Some)
            }
        }
    };
    c.try_map(literal)
}

/// Whether a value casts to the DQDL type `name` (Spark's casts: NULL when it does not).
fn castable(reference: &str, name: &str, format: Option<&str>) -> Result<String, String> {
    let upper = name.trim().to_ascii_uppercase();
    let compact: String = upper.chars().filter(|c| !c.is_whitespace()).collect();
    let target = match compact.as_str() {
        "DATE" | "TIMESTAMP" => {
            if let Some(format) = format {
                let function = if compact == "DATE" {
                    "to_date"
                } else {
                    "to_timestamp"
                };
                return Ok(format!(
                    "{function}(CAST({reference} AS STRING), {}) IS NOT NULL",
                    sql::string(format)
                ));
            }
            compact.clone()
        }
        "INTEGER" | "INT" => "INT".into(),
        "LONG" | "BIGINT" => "BIGINT".into(),
        "SHORT" | "SMALLINT" => "SMALLINT".into(),
        "FLOAT" | "DOUBLE" | "BOOLEAN" | "STRING" => compact.clone(),
        decimal if decimal.starts_with("DECIMAL(") && decimal.ends_with(')') => {
            let inner = &decimal["DECIMAL(".len()..decimal.len() - 1];
            let valid = inner
                .split(',')
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if !valid {
                return Err(format!("Unrecognized data type: {name}"));
            }
            decimal.to_string()
        }
        _ => return Err(format!("Unrecognized data type: {name}")),
    };
    Ok(format!(
        "CAST(CAST({reference} AS STRING) AS {target}) IS NOT NULL"
    ))
}
