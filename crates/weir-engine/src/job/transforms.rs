//! Transform nodes, each a function from its input DataFrames to its output DataFrame.
//! Nested field paths (`["a", "b"]`) address struct members.

use std::collections::HashMap;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::JoinType;
use datafusion::execution::context::SessionContext;
use datafusion::functions::core::expr_fn::{get_field, named_struct};
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::ExprSchemable;
use datafusion::prelude::{ident, lit, try_cast, DataFrame, Expr};
use serde_json::Value;

use crate::error::{AtNode, EngineError, Result};
use crate::job::graph::{strings, Node};
use weir_spark::types::arrow_type;

/// Applies a transform to its inputs. Each input is a collection of frames: one frame for most
/// nodes, several after SplitFields. Returns the node's output collection.
pub async fn apply(
    ctx: &SessionContext,
    node: &Node,
    inputs: Vec<Vec<DataFrame>>,
) -> Result<Vec<DataFrame>> {
    let id = node.id.as_str();
    match node.node_type.as_str() {
        "SplitFields" => {
            let df = inputs
                .into_iter()
                .next()
                .and_then(|c| c.into_iter().next())
                .ok_or_else(|| EngineError::invalid(id, "SplitFields needs an input"))?;
            let paths: Vec<String> = node.paths("Paths").iter().map(|p| p.join(".")).collect();
            check_columns(node, &df, &paths)?;
            let rest: Vec<Expr> = df
                .schema()
                .fields()
                .iter()
                .filter(|f| !paths.contains(f.name()))
                .map(|f| ident(f.name()))
                .collect();
            let chosen = df
                .clone()
                .select(paths.iter().map(|p| ident(p.as_str())).collect::<Vec<_>>())
                .at(id)?;
            Ok(vec![chosen, df.select(rest).at(id)?])
        }
        "SelectFromCollection" => {
            let index = node
                .fields
                .get("Index")
                .and_then(Value::as_u64)
                .unwrap_or(0) as usize;
            let collection = inputs.into_iter().next().unwrap_or_default();
            let count = collection.len();
            let frame = collection.into_iter().nth(index).ok_or_else(|| {
                EngineError::invalid(
                    id,
                    format!("SelectFromCollection.Index {index}: its input has {count} frame(s)"),
                )
            })?;
            Ok(vec![frame])
        }
        _ => {
            let frames = inputs
                .into_iter()
                .filter_map(|c| c.into_iter().next())
                .collect();
            Ok(vec![apply_one(ctx, node, frames).await?])
        }
    }
}

async fn apply_one(ctx: &SessionContext, node: &Node, inputs: Vec<DataFrame>) -> Result<DataFrame> {
    let id = node.id.as_str();
    let single = || -> Result<DataFrame> {
        match inputs.as_slice() {
            [df] => Ok(df.clone()),
            _ => Err(EngineError::invalid(
                id,
                format!(
                    "{} takes exactly one input, got {}",
                    node.node_type,
                    inputs.len()
                ),
            )),
        }
    };
    match node.node_type.as_str() {
        "ApplyMapping" => apply_mapping(node, single()?),
        "SelectFields" => {
            let exprs: Vec<Expr> = node
                .paths("Paths")
                .iter()
                .map(|p| field(p).alias(p.join(".")))
                .collect();
            single()?.select(exprs).at(id)
        }
        "DropFields" => {
            let names: Vec<String> = node.paths("Paths").iter().map(|p| p.join(".")).collect();
            let df = single()?;
            check_columns(node, &df, &names)?;
            df.drop_columns(&names.iter().map(String::as_str).collect::<Vec<_>>())
                .at(id)
        }
        "RenameField" => {
            let from = node.paths_one("SourcePath");
            let to = node.paths_one("TargetPath");
            let df = single()?;
            check_columns(node, &df, std::slice::from_ref(&from))?;
            df.with_column_renamed(&from, &to).at(id)
        }
        "Filter" => filter(node, single()?),
        "Join" => join(node, inputs),
        "Union" => union(node, inputs),
        "Merge" => merge(node, inputs),
        "SparkSQL" => spark_sql(ctx, node, inputs).await,
        "Aggregate" => aggregate(node, single()?),
        "DropDuplicates" => {
            let df = single()?;
            let keys = node.paths("Columns");
            if keys.is_empty() {
                return df.distinct().at(id);
            }
            let all: Vec<Expr> = df
                .schema()
                .fields()
                .iter()
                .map(|f| ident(f.name()))
                .collect();
            df.distinct_on(keys.iter().map(|k| field(k)).collect(), all, None)
                .at(id)
        }
        "Spigot" => single(),
        "FillMissingValues" => fill_missing_values(node, single()?).await,
        "DropNullFields" => drop_null_fields(node, single()?).await,
        other => Err(EngineError::invalid(
            id,
            format!("{other} is not a transform"),
        )),
    }
}

impl Node {
    /// A `list<string>` path field joined into a dotted name.
    fn paths_one(&self, field: &str) -> String {
        self.array(field)
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// The expression of a field path: a column, or a member of a struct column.
fn field(path: &[String]) -> Expr {
    let mut parts = path.iter();
    let first = ident(parts.next().map(String::as_str).unwrap_or_default());
    parts.fold(first, |e, member| get_field(e, member.as_str()))
}

/// The names of a frame's columns, for messages (`a, b, c`).
pub(crate) fn field_names(df: &DataFrame) -> String {
    let names: Vec<&str> = df
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    names.join(", ")
}

fn check_columns(node: &Node, df: &DataFrame, names: &[String]) -> Result<()> {
    for name in names {
        if df.schema().field_with_unqualified_name(name).is_err() {
            return Err(EngineError::invalid(
                &node.id,
                format!(
                    "{}: no field '{name}' in its input (fields: {})",
                    node.node_type,
                    field_names(df)
                ),
            ));
        }
    }
    Ok(())
}

/// ApplyMapping: the output has exactly the mapped fields, renamed and cast (a value that does
/// not convert becomes null, as in Glue). A mapping with `Children` builds a struct of its
/// children's mappings, recursively (`ToType` `struct`); a null input struct stays null. A
/// child's `FromPath` is taken after its parent's (`["inner"]` under `["outer"]` reads
/// `outer.inner`), unless it already starts with the parent's path (Glue Studio writes both).
/// `Dropped` mappings are left out.
fn apply_mapping(node: &Node, df: DataFrame) -> Result<DataFrame> {
    let df = match crate::job::scan::with_csv_column_types(&df, &csv_decimals(node, &df)) {
        Some(typed) => typed.at(&node.id)?,
        None => df,
    };
    let mut exprs = Vec::new();
    for (i, m) in node.array("Mapping").iter().enumerate() {
        let at = format!("ApplyMapping.Mapping[{i}]");
        if let Some((name, e)) = mapped(node, &df, m, &at, &[])? {
            exprs.push(e.alias(name));
        }
    }
    df.select(exprs).at(&node.id)
}

/// One mapping's output name and expression; `None` when it is dropped.
fn mapped(
    node: &Node,
    df: &DataFrame,
    m: &Value,
    at: &str,
    parent: &[String],
) -> Result<Option<(String, Expr)>> {
    if m.get("Dropped").and_then(Value::as_bool).unwrap_or(false) {
        return Ok(None);
    }
    let own: Vec<String> = strings(m.get("FromPath"));
    if own.is_empty() {
        return Err(EngineError::invalid(
            &node.id,
            format!("{at}.FromPath is empty"),
        ));
    }
    let from = if own.len() > parent.len() && own.starts_with(parent) {
        own
    } else {
        [parent, &own].concat()
    };
    let to_key = m
        .get("ToKey")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| from[parent.len()..].join("."));
    let source = resolved(node, df, &from, &format!("{at}.FromPath"))?;
    let to_type = m.get("ToType").and_then(Value::as_str);
    let children = m
        .get("Children")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty());
    let e = match (children, to_type) {
        (Some(children), None) => structure(node, df, children, at, &from, source)?,
        (Some(children), Some(t)) if t.eq_ignore_ascii_case("struct") => {
            structure(node, df, children, at, &from, source)?
        }
        (Some(_), Some(t)) => {
            return Err(EngineError::invalid(
                &node.id,
                format!(
                    "{at}.ToType '{t}': a mapping with Children builds a struct (ToType struct)"
                ),
            ))
        }
        (None, Some(t)) => {
            let t = arrow_type(t).ok_or_else(|| {
                EngineError::invalid(&node.id, format!("{at}.ToType '{t}' is not a Glue type"))
            })?;
            try_cast(source, t)
        }
        (None, None) => source,
    };
    Ok(Some((to_key, e)))
}

/// The columns a CSV scan reads as doubles (its inferred type for numbers with a fraction) that
/// the node maps, once each, to a decimal: read as that decimal instead, the CSV reader parses
/// the text exactly (no detour through a double, no rounding to 15-17 digits) and faster. A
/// value that does not fit the decimal then fails the read, naming the file and value, where the
/// cast of a double would give NULL; digits beyond the scale are dropped.
fn csv_decimals(node: &Node, df: &DataFrame) -> HashMap<String, DataType> {
    let mut uses: HashMap<String, Vec<Option<DataType>>> = HashMap::new();
    for m in node.array("Mapping") {
        let from: Vec<String> = strings(m.get("FromPath"));
        let Some(root) = from.first() else { continue };
        let to = match (from.len(), m.get("Children"), m.get("ToType")) {
            (1, None, Some(Value::String(t))) => arrow_type(t),
            _ => None,
        };
        let dropped = m.get("Dropped").and_then(Value::as_bool) == Some(true);
        if !dropped {
            uses.entry(root.clone()).or_default().push(to);
        }
    }
    uses.into_iter()
        .filter_map(|(column, to)| match to.as_slice() {
            [Some(t @ DataType::Decimal128(..))] => {
                let field = df.schema().field_with_unqualified_name(&column).ok()?;
                (field.data_type() == &DataType::Float64).then(|| (column, t.clone()))
            }
            _ => None,
        })
        .collect()
}

/// The struct of the children's mappings, null where `source` (the parent value) is null.
fn structure(
    node: &Node,
    df: &DataFrame,
    children: &[Value],
    at: &str,
    from: &[String],
    source: Expr,
) -> Result<Expr> {
    let mut members = Vec::new();
    for (j, child) in children.iter().enumerate() {
        let child_at = format!("{at}.Children[{j}]");
        if let Some((name, e)) = mapped(node, df, child, &child_at, from)? {
            members.push(lit(name));
            members.push(e);
        }
    }
    if members.is_empty() {
        return Err(EngineError::invalid(
            &node.id,
            format!("{at}.Children: every child is dropped, so the struct has no field"),
        ));
    }
    datafusion::prelude::when(source.is_not_null(), named_struct(members))
        .end()
        .at(&node.id)
}

/// The expression of an input field path, checked to exist (the error names the mapping).
fn resolved(node: &Node, df: &DataFrame, path: &[String], at: &str) -> Result<Expr> {
    let e = field(path);
    if e.get_type(df.schema()).is_err() {
        return Err(EngineError::invalid(
            &node.id,
            format!(
                "{at}: no field '{}' in its input (fields: {})",
                path.join("."),
                field_names(df)
            ),
        ));
    }
    Ok(e)
}

/// Filter: `Filters` combined with `LogicalOperator`; each compares a column with a constant
/// (the constant converted to the column's type), matches a regex, or tests for null.
fn filter(node: &Node, df: DataFrame) -> Result<DataFrame> {
    let mut predicates = Vec::new();
    for (i, f) in node.array("Filters").iter().enumerate() {
        let at = |msg: &str| EngineError::invalid(&node.id, format!("Filter.Filters[{i}]: {msg}"));
        let values = f
            .get("Values")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut column = None;
        let mut constant = None;
        for v in values {
            let text: Vec<String> = strings(v.get("Value"));
            match v.get("Type").and_then(Value::as_str) {
                Some("COLUMNEXTRACTED") => column = Some(text),
                _ => constant = Some(text.join(".")),
            }
        }
        let column =
            column.ok_or_else(|| at("no COLUMNEXTRACTED value names the column to filter on"))?;
        let c = field(&column);
        let column_type = c
            .get_type(df.schema())
            .map_err(|e| at(&format!("column {}: {e}", column.join("."))))?;
        let operation = f.get("Operation").and_then(Value::as_str).unwrap_or("EQ");
        let value = || -> Result<Expr> {
            let text = constant
                .clone()
                .ok_or_else(|| at(&format!("{operation} needs a CONSTANT value")))?;
            Ok(match &column_type {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => lit(text),
                t => try_cast(lit(text), t.clone()),
            })
        };
        let mut p = match operation {
            "EQ" => c.eq(value()?),
            "LT" => c.lt(value()?),
            "GT" => c.gt(value()?),
            "LTE" => c.lt_eq(value()?),
            "GTE" => c.gt_eq(value()?),
            "ISNULL" => c.is_null(),
            "REGEX" => datafusion::functions::regex::expr_fn::regexp_like(
                try_cast(c, DataType::Utf8),
                value()?,
                None,
            ),
            other => {
                return Err(at(&format!(
                    "Operation '{other}' is not one of EQ, LT, GT, LTE, GTE, REGEX, ISNULL"
                )))
            }
        };
        if f.get("Negated").and_then(Value::as_bool).unwrap_or(false) {
            p = Expr::Not(Box::new(p));
        }
        predicates.push(p);
    }
    let or = node.str("LogicalOperator") == Some("OR");
    let Some(predicate) = predicates
        .into_iter()
        .reduce(|a, b| if or { a.or(b) } else { a.and(b) })
    else {
        return Ok(df);
    };
    df.filter(predicate).at(&node.id)
}

/// Join: `Inputs[0]` is the left side. Key columns come from the `Columns` entry whose `From`
/// names each input. Right-side columns whose names the left side has too are renamed
/// `right_<name>` (Weir's rule), except equal-named keys of an inner join, which are dropped.
fn join(node: &Node, inputs: Vec<DataFrame>) -> Result<DataFrame> {
    let id = node.id.as_str();
    let [left, right] = <[DataFrame; 2]>::try_from(inputs)
        .map_err(|v| EngineError::invalid(id, format!("Join takes two inputs, got {}", v.len())))?;
    let join_type = match node.str("JoinType").unwrap_or("equijoin") {
        "equijoin" => JoinType::Inner,
        "left" => JoinType::Left,
        "right" => JoinType::Right,
        "outer" => JoinType::Full,
        "leftsemi" => JoinType::LeftSemi,
        "leftanti" => JoinType::LeftAnti,
        other => {
            return Err(EngineError::invalid(
                id,
                format!("Join.JoinType '{other}' is not supported"),
            ))
        }
    };
    let keys_of = |input: &str| -> Result<Vec<String>> {
        node.array("Columns")
            .iter()
            .find(|c| c.get("From").and_then(Value::as_str) == Some(input))
            .map(|c| {
                c.get("Keys")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|k| {
                        k.as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(".")
                    })
                    .collect()
            })
            .ok_or_else(|| {
                EngineError::invalid(id, format!("Join.Columns has no entry From '{input}'"))
            })
    };
    let left_keys = keys_of(&node.inputs[0])?;
    let mut right_keys = keys_of(&node.inputs[1])?;
    if left_keys.is_empty() || left_keys.len() != right_keys.len() {
        return Err(EngineError::invalid(
            id,
            format!(
                "Join.Columns: {} left keys and {} right keys; give the same number, at least one",
                left_keys.len(),
                right_keys.len()
            ),
        ));
    }
    check_columns(node, &left, &left_keys)?;
    check_columns(node, &right, &right_keys)?;
    let left_names: Vec<String> = left
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let mut right = right;
    let mut drop_after = Vec::new();
    for name in right
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect::<Vec<_>>()
    {
        if !left_names.contains(&name) {
            continue;
        }
        let renamed = format!("right_{name}");
        let same_key = left_keys
            .iter()
            .zip(&right_keys)
            .any(|(l, r)| l == &name && r == &name);
        if same_key && join_type == JoinType::Inner {
            drop_after.push(renamed.clone());
        }
        right = right.with_column_renamed(&name, &renamed).at(id)?;
        for k in right_keys.iter_mut().filter(|k| **k == name) {
            *k = renamed.clone();
        }
    }
    let l: Vec<&str> = left_keys.iter().map(String::as_str).collect();
    let r: Vec<&str> = right_keys.iter().map(String::as_str).collect();
    let joined = left.join(right, join_type, &l, &r, None).at(id)?;
    if drop_after.is_empty() {
        return Ok(joined);
    }
    joined
        .drop_columns(&drop_after.iter().map(String::as_str).collect::<Vec<_>>())
        .at(id)
}

/// Union by column name (Glue's DynamicFrame union): a column missing on one side is null there.
fn union(node: &Node, inputs: Vec<DataFrame>) -> Result<DataFrame> {
    let id = node.id.as_str();
    let mut iter = inputs.into_iter();
    let Some(first) = iter.next() else {
        return Err(EngineError::invalid(id, "Union needs inputs"));
    };
    let distinct = node.str("UnionType") == Some("DISTINCT");
    iter.try_fold(first, |acc, next| {
        let mut names: Vec<(String, DataType)> = acc
            .schema()
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect();
        for f in next.schema().fields() {
            if !names.iter().any(|(n, _)| n == f.name()) {
                names.push((f.name().clone(), f.data_type().clone()));
            }
        }
        let align = |df: DataFrame| -> Result<DataFrame> {
            let exprs: Vec<Expr> = names
                .iter()
                .map(|(n, t)| match df.schema().field_with_unqualified_name(n) {
                    Ok(_) => ident(n),
                    Err(_) => {
                        try_cast(lit(datafusion::scalar::ScalarValue::Null), t.clone()).alias(n)
                    }
                })
                .collect();
            df.select(exprs).at(id)
        };
        let (a, b) = (align(acc)?, align(next)?);
        if distinct {
            a.union_distinct(b).at(id)
        } else {
            a.union(b).at(id)
        }
    })
}

/// Merge (Glue's `mergeDynamicFrame`): the input named by `Source` is the main frame, the other
/// the staging frame. Main rows whose `PrimaryKeys` match a staging row are replaced by the
/// staging rows with those keys; staging rows with new keys are added; everything else is
/// kept. Duplicates are not removed. Keys compare as SQL does: a null key matches nothing, so
/// main rows with a null key stay and staging rows with one are added. Columns are matched by
/// name (a column only one side has is null in the other's rows).
fn merge(node: &Node, inputs: Vec<DataFrame>) -> Result<DataFrame> {
    let id = node.id.as_str();
    let [first, second] = <[DataFrame; 2]>::try_from(inputs).map_err(|v| {
        EngineError::invalid(id, format!("Merge takes two inputs, got {}", v.len()))
    })?;
    let source = node.required_str("Source")?;
    let (main, staging) = match node.inputs.iter().position(|i| i == source) {
        Some(0) => (first, second),
        Some(_) => (second, first),
        None => {
            return Err(EngineError::invalid(
                id,
                format!(
                    "Merge.Source '{source}' is not one of its Inputs ({})",
                    node.inputs.join(", ")
                ),
            ))
        }
    };
    let keys = node.paths("PrimaryKeys");
    if keys.is_empty() {
        return Err(EngineError::invalid(
            id,
            "Merge.PrimaryKeys is empty: give at least one key",
        ));
    }
    let mut staged_keys = Vec::new();
    let mut on = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let at = format!("Merge.PrimaryKeys[{i}]");
        let (m, s) = (
            resolved(node, &main, key, &at)?,
            resolved(node, &staging, key, &at)?,
        );
        let name = format!("__weir_merge_key{i}");
        staged_keys.push(s.alias(&name));
        on.push(m.eq(ident(name)));
    }
    let replaced = staging.clone().select(staged_keys).at(id)?;
    main.join_on(replaced, JoinType::LeftAnti, on)
        .at(id)?
        .union_by_name(staging)
        .at(id)
}

/// SparkSQL: the query runs over the inputs, each registered under its `SqlAliases` alias.
async fn spark_sql(ctx: &SessionContext, node: &Node, inputs: Vec<DataFrame>) -> Result<DataFrame> {
    let id = node.id.as_str();
    let query = node.required_str("SqlQuery")?;
    let mut registered = Vec::new();
    for (input, df) in node.inputs.iter().zip(inputs) {
        let alias = node
            .array("SqlAliases")
            .iter()
            .find(|a| a.get("From").and_then(Value::as_str) == Some(input.as_str()))
            .and_then(|a| a.get("Alias").and_then(Value::as_str))
            .ok_or_else(|| {
                EngineError::invalid(
                    id,
                    format!("SparkSQL.SqlAliases has no alias for input '{input}'"),
                )
            })?;
        ctx.register_table(alias, df.into_view()).at(id)?;
        registered.push(alias.to_string());
    }
    let result = weir_spark::sql(ctx, query).await;
    for alias in registered {
        let _ = ctx.deregister_table(alias.as_str());
    }
    result.map_err(|e| EngineError::invalid(id, format!("SparkSQL.SqlQuery: {e}")))
}

/// Aggregate: group by `Groups`, one aggregate per `Aggs` entry, named `func(column)`, with
/// Spark's semantics (see [`weir_spark::exact_aggregates`] for avg, skewness and kurtosis).
fn aggregate(node: &Node, df: DataFrame) -> Result<DataFrame> {
    let groups: Vec<Expr> = node.paths("Groups").iter().map(|p| field(p)).collect();
    let mut aggs = Vec::new();
    for (i, a) in node.array("Aggs").iter().enumerate() {
        let column: Vec<String> = strings(a.get("Column"));
        let func = a.get("AggFunc").and_then(Value::as_str).unwrap_or_default();
        let c = field(&column);
        let e = match func {
            "avg" => weir_spark::exact_aggregates::avg().call(vec![c]),
            "kurtosis" => weir_spark::exact_aggregates::kurtosis().call(vec![c]),
            "skewness" => weir_spark::exact_aggregates::skewness().call(vec![c]),
            "count" => agg::count(c),
            "countDistinct" => agg::count_distinct(c),
            "first" => agg::first_value(c, vec![]),
            "last" => agg::last_value(c, vec![]),
            "max" => agg::max(c),
            "min" => agg::min(c),
            "sum" => agg::sum(c),
            "sumDistinct" => agg::sum_distinct(c),
            "stddev_samp" => agg::stddev(c),
            "stddev_pop" => agg::stddev_pop(c),
            "var_samp" => agg::var_sample(c),
            "var_pop" => agg::var_pop(c),
            other => {
                return Err(EngineError::Unsupported {
                    node: node.id.clone(),
                    node_type: "Aggregate".into(),
                    hint: Some(format!("Aggs[{i}].AggFunc '{other}' is not supported yet")),
                })
            }
        };
        aggs.push(e.alias(format!("{func}({})", column.join("."))));
    }
    df.aggregate(groups, aggs).at(&node.id)
}

/// FillMissingValues: adds `FilledPath` (default `<ImputedPath>_filled`) holding the column with
/// its nulls imputed — the mean for numbers, the most frequent value otherwise.
async fn fill_missing_values(node: &Node, df: DataFrame) -> Result<DataFrame> {
    let id = node.id.as_str();
    let column = node.required_str("ImputedPath")?.to_string();
    check_columns(node, &df, std::slice::from_ref(&column))?;
    let filled = node
        .str("FilledPath")
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| format!("{column}_filled"));
    let c = ident(column.as_str());
    let t = c.get_type(df.schema()).at(id)?;
    let value = if t.is_numeric() {
        let row = df
            .clone()
            .aggregate(vec![], vec![agg::avg(c.clone()).alias("v")])
            .at(id)?
            .collect()
            .await
            .at(id)?;
        first_value(&row)?
    } else {
        let counted = df
            .clone()
            .filter(c.clone().is_not_null())
            .at(id)?
            .aggregate(vec![c.clone()], vec![agg::count(c.clone()).alias("n")])
            .at(id)?
            .sort(vec![
                ident("n").sort(false, false),
                c.clone().sort(true, false),
            ])
            .at(id)?
            .limit(0, Some(1))
            .at(id)?
            .select(vec![c.clone().alias("v")])
            .at(id)?
            .collect()
            .await
            .at(id)?;
        first_value(&counted)?
    };
    let fill = try_cast(lit(value), t);
    let mut exprs: Vec<Expr> = df
        .schema()
        .fields()
        .iter()
        .map(|f| ident(f.name()))
        .collect();
    exprs.push(datafusion::functions::core::expr_fn::coalesce(vec![c, fill]).alias(filled));
    df.select(exprs).at(id)
}

/// The first value of the first non-empty batch (null when there is none).
fn first_value(
    batches: &[datafusion::arrow::record_batch::RecordBatch],
) -> Result<datafusion::scalar::ScalarValue> {
    match batches.iter().find(|b| b.num_rows() > 0) {
        Some(b) => Ok(datafusion::scalar::ScalarValue::try_from_array(
            b.column(0),
            0,
        )?),
        None => Ok(datafusion::scalar::ScalarValue::Null),
    }
}

/// DropNullFields: drops every field whose values are all null — or, as the node says, empty
/// strings, the string "null", -1, or one of `NullTextList`'s values.
async fn drop_null_fields(node: &Node, df: DataFrame) -> Result<DataFrame> {
    let id = node.id.as_str();
    let checks = node.fields.get("NullCheckBoxList");
    let check = |k: &str| {
        checks
            .and_then(|c| c.get(k))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let texts: Vec<String> = node
        .array("NullTextList")
        .iter()
        .filter_map(|v| v.get("Value").and_then(Value::as_str).map(str::to_string))
        .collect();
    let fields: Vec<(String, DataType)> = df
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    if fields.is_empty() {
        return Ok(df);
    }
    let mut counts = Vec::new();
    for (name, t) in &fields {
        let c = ident(name.as_str());
        let text = try_cast(c.clone(), DataType::Utf8);
        let mut nullish = c.clone().is_null();
        if check("IsEmpty")
            && matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
        {
            nullish = nullish.or(text.clone().eq(lit("")));
        }
        if check("IsNullString") {
            nullish = nullish
                .or(datafusion::functions::string::expr_fn::lower(text.clone()).eq(lit("null")));
        }
        if check("IsNegOne") && t.is_numeric() {
            nullish = nullish.or(text.clone().eq(lit("-1")));
        }
        if !texts.is_empty() {
            nullish =
                nullish.or(text.in_list(texts.iter().map(|v| lit(v.as_str())).collect(), false));
        }
        let present = datafusion::prelude::when(nullish, lit(0i64))
            .otherwise(lit(1i64))
            .at(id)?;
        counts.push(agg::sum(present).alias(name.as_str()));
    }
    let batches = df
        .clone()
        .aggregate(vec![], counts)
        .at(id)?
        .collect()
        .await
        .at(id)?;
    let Some(row) = batches.iter().find(|b| b.num_rows() > 0) else {
        return Ok(df);
    };
    let mut empty = Vec::new();
    for (i, (name, _)) in fields.iter().enumerate() {
        let present = datafusion::scalar::ScalarValue::try_from_array(row.column(i), 0)?;
        if matches!(
            present,
            datafusion::scalar::ScalarValue::Int64(Some(0))
                | datafusion::scalar::ScalarValue::Int64(None)
        ) {
            empty.push(name.as_str());
        }
    }
    df.drop_columns(&empty).at(id)
}
