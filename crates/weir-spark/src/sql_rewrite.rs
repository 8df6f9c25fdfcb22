//! Plans the SQL of a SparkSQL node: parsed with the session's parser, then rewritten where
//! Spark SQL means something DataFusion's SQL does not, then planned.
//!
//! - **Generators.** `explode(arr)` / `posexplode(arr)` (and their `_outer` forms) as a whole
//!   SELECT item become DataFusion `unnest`s: one row per element, named `col` (and `pos`,
//!   0-based) unless aliased; NULL or empty arrays give no row, or one row of NULLs for the
//!   `_outer` forms. `FROM t LATERAL VIEW [OUTER] explode(arr) v AS x` becomes a subquery of
//!   `t` with the generated columns, named after `t`, and `v.x` refers to it. Several
//!   generators in one SELECT are crossed, as in Spark 4 (each but the last generates in such
//!   a subquery); none may be nested in other expressions. LATERAL VIEW and several generators
//!   need one named relation in FROM (no joins before them).
//! - **String literals** take Spark's backslash escapes (`'\\d'` is the regex `\d`, `'\t'` a
//!   tab; `\%` and `\_` stay for LIKE). DataFusion keeps backslashes as they are. A quote
//!   cannot be escaped with a backslash (the parser ends the literal there); use `''`.
//! - **`map(k1, v1, …)`** is planned as Spark's map ([`super::map`]), not DataFusion's
//!   two-array `map`.
//! - **`CAST(x AS type)`** (and `x::type`) to a string, integer, floating point, boolean,
//!   decimal, date, timestamp or binary type follows Spark's non-ANSI cast rules
//!   ([`super::cast`]: what does not convert is NULL, not an error), `TRY_CAST` Spark's ANSI
//!   rules with NULL where they fail, with Spark's type names
//!   (`INT`, `LONG`, `FLOAT` is 4 bytes, `DECIMAL` is `DECIMAL(10,0)`, `VARCHAR(n)` is text). A
//!   cast that is a whole SELECT item without an alias is named as Spark names it: `x` for a
//!   column `x` (even when another column of the result is `x` too), else `CAST(… AS INT)`.
//!   Casts to other types (arrays, structs, maps) are DataFusion's.
//! - **Operators**: `a / b` is Spark's division, `a div b` its integral division
//!   ([`super::pre_parse`]), `RLIKE`/`REGEXP` a regular expression search.
//! - **Lambdas**: `transform(arr, x -> …)` and the other higher-order functions are planned as
//!   [`super::lambda`]'s, the lambda passed as text.

use std::collections::HashMap;
use std::ops::ControlFlow;

use datafusion::arrow::datatypes::{DataType as ArrowType, TimeUnit};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{plan_datafusion_err, Column, DataFusionError, Result, TableReference};
use datafusion::dataframe::DataFrame;
use datafusion::execution::context::{SQLOptions, SessionContext};
use datafusion::logical_expr::{Expr as LogicalExpr, LogicalPlan, LogicalPlanBuilder};
use datafusion::sql::parser::Statement as DFStatement;
use datafusion::sql::sqlparser::ast::helpers::attached_token::AttachedToken;
use datafusion::sql::sqlparser::ast::{
    visit_expressions_mut, AccessExpr, BinaryOperator, CaseWhen, CastKind, CeilFloorKind, DataType,
    ExactNumberInfo, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident,
    NamedWindowDefinition, NamedWindowExpr, ObjectName, OrderBy, OrderByKind, Query, Select,
    SelectItem, SelectItemQualifiedWildcardKind, SetExpr, SetOperator, Statement, Subscript,
    TableFactor, TypedString, UnaryOperator, Value, VisitMut, VisitorMut, WindowType,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;

use super::generators::{self, Shape};

/// Plans `sql` as a SparkSQL node means it (see the module documentation).
pub async fn plan(ctx: &SessionContext, sql: &str) -> Result<DataFrame> {
    let state = ctx.state();
    let dialect = state.config().options().sql_parser.dialect;
    // Planned again when a generator's argument turns out of another shape ([`generators`]).
    let mut shapes = HashMap::new();
    let mut repeated;
    let mut named_items;
    // Names a wildcard's column and a SELECT item both turned out to have: planned again with
    // the item under a name of its own ([`name_items`]).
    let mut collided = std::collections::HashSet::new();
    let plan = loop {
        let retry = shapes.len() < 16;
        let sql = generators::alias_lists(sql);
        let mut statement = state.sql_to_statement(&super::pre_parse::rewrite(&sql), &dialect)?;
        REPEATED.with(|r| r.borrow_mut().clear());
        super::names::forget_items();
        COLLIDED.with(|c| c.borrow_mut().clone_from(&collided));
        if let DFStatement::Statement(inner) = &mut statement {
            generators::with_known(&shapes, || rewrite(inner))?;
        }
        repeated = REPEATED.with(|r| std::mem::take(&mut *r.borrow_mut()));
        named_items = super::names::take_items();
        match state.statement_to_plan(statement).await {
            Ok(plan) => break plan,
            Err(e) => match (generators::learned(&e), collided_name(&e)) {
                (Some((key, shape)), _) if retry && shapes.get(&key) != Some(&shape) => {
                    shapes.insert(key, shape);
                }
                (_, Some(name)) if collided.len() < 16 && !collided.contains(&name) => {
                    collided.insert(name);
                }
                _ => return Err(e),
            },
        }
    };
    check_ambiguous(&plan, &repeated)?;
    let plan = super::using_join::coalesce_using_keys(plan)?;
    let plan = super::set_all::with_multiplicities(plan)?;
    let plan = super::select_subqueries::as_joins(plan)?;
    let plan = super::sort_subqueries::below_sorts(plan)?;
    let plan = super::single_row_subqueries::in_one_row(plan)?;
    let plan = super::lateral_aggregates::as_scalar_subqueries(plan)?;
    let plan = super::coercion::spark_types(&state, plan)?;
    let plan = super::float_keys::normalize_keys(plan)?;
    let typed = super::names::typed_names(&plan, &named_items)?;
    let plan = with_result_names(plan, &repeated, &typed)?;
    SQLOptions::new().verify_plan(&plan)?;
    ctx.execute_logical_plan(plan).await
}

/// Rewrites a parsed statement in place.
pub fn rewrite(statement: &mut Statement) -> Result<()> {
    if let ControlFlow::Break(e) = statement.visit(&mut super::ctes::Ctes::default()) {
        return Err(e);
    }
    if let ControlFlow::Break(e) = statement.visit(&mut super::in_tuples::InTuples::default()) {
        return Err(e);
    }
    if let ControlFlow::Break(e) = statement.visit(&mut Generators) {
        return Err(e);
    }
    if let ControlFlow::Break(e) = statement.visit(&mut super::aggregate_syntax::AggregateSyntax) {
        return Err(e);
    }
    if let ControlFlow::Break(e) = statement.visit(&mut Finish) {
        return Err(e);
    }
    Ok(())
}

const GENERATORS: [&str; 8] = [
    "explode",
    "explode_outer",
    "posexplode",
    "posexplode_outer",
    "inline",
    "inline_outer",
    "stack",
    "json_tuple",
];

/// The name of a call to a one-part function name, in lower case.
pub(super) fn function_name(expr: &Expr) -> Option<String> {
    let Expr::Function(f) = expr else {
        return None;
    };
    match f.name.0.as_slice() {
        [part] => part.as_ident().map(|i| i.value.to_ascii_lowercase()),
        _ => None,
    }
}

fn generator_name(expr: &Expr) -> Option<String> {
    function_name(expr).filter(|n| GENERATORS.contains(&n.as_str()))
}

/// Rewrites generators (in SELECT lists and LATERAL VIEWs) in every query.
struct Generators;

impl VisitorMut for Generators {
    type Break = DataFusionError;

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<Self::Break> {
        spark_null_order(query);
        let mut renames = Vec::new();
        if let Err(e) = rewrite_set_expr(&mut query.body, &mut renames) {
            return ControlFlow::Break(e);
        }
        if !renames.is_empty() {
            let _ = visit_expressions_mut(query, |e| {
                rename_qualifiers(e, &renames);
                ControlFlow::<()>::Continue(())
            });
        }
        ControlFlow::Continue(())
    }
}

/// Spark's NULL order written out in a query's ORDER BY (NULLs first ascending, last
/// descending): the session's default does not reach every ORDER BY (that of a UNION).
fn spark_null_order(query: &mut Query) {
    if let Some(OrderBy {
        kind: OrderByKind::Expressions(keys),
        ..
    }) = &mut query.order_by
    {
        for key in keys {
            let ascending = key.options.asc.unwrap_or(true);
            key.options.nulls_first.get_or_insert(ascending);
        }
    }
}

/// `view.col` → `relation.col` for every LATERAL VIEW name replaced by its relation's name.
fn rename_qualifiers(expr: &mut Expr, renames: &[(String, Ident)]) {
    if let Expr::CompoundIdentifier(parts) = expr {
        if let [first, _, ..] = parts.as_mut_slice() {
            if let Some((_, to)) = renames
                .iter()
                .find(|(from, _)| from.eq_ignore_ascii_case(&first.value))
            {
                *first = to.clone();
            }
        }
    }
}

fn rewrite_set_expr(body: &mut SetExpr, renames: &mut Vec<(String, Ident)>) -> Result<()> {
    match body {
        SetExpr::Select(select) => rewrite_select(select, renames),
        SetExpr::SetOperation {
            left, right, op, ..
        } => {
            if *op == SetOperator::Minus {
                *op = SetOperator::Except;
            }
            rewrite_set_expr(left, renames)?;
            rewrite_set_expr(right, renames)
        }
        _ => Ok(()),
    }
}

fn rewrite_select(select: &mut Select, renames: &mut Vec<(String, Ident)>) -> Result<()> {
    name_items(select);
    // SORT BY, DISTRIBUTE BY and CLUSTER BY order and place rows within Spark's partitions,
    // never the result as a whole: they change no result here.
    select.sort_by.clear();
    select.distribute_by.clear();
    select.cluster_by.clear();
    for from in &mut select.from {
        generator_table(&mut from.relation)?;
        for join in &mut from.joins {
            generator_table(&mut join.relation)?;
        }
    }
    if !select.lateral_views.is_empty() {
        let [from] = select.from.as_mut_slice() else {
            return Err(plan_datafusion_err!(
                "LATERAL VIEW is supported after one relation in FROM, not several"
            ));
        };
        if !from.joins.is_empty() {
            return Err(plan_datafusion_err!(
                "LATERAL VIEW after a JOIN is not supported; join in a subquery first"
            ));
        }
        let name = relation_name(&from.relation)?;
        for view in std::mem::take(&mut select.lateral_views) {
            let items = generator_items(&view.lateral_view, view.outer, &view.lateral_col_alias)?;
            let relation = std::mem::replace(&mut from.relation, placeholder_relation()?);
            from.relation = derived(&name, relation, items)?;
            if let Some(view_name) = view.lateral_view_name.0.last().and_then(|p| p.as_ident()) {
                renames.push((view_name.value.clone(), name.clone()));
            }
        }
    }
    let generators: Vec<usize> = select
        .projection
        .iter()
        .enumerate()
        .filter(|(_, item)| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                generator_name(e).is_some()
            }
            _ => false,
        })
        .map(|(i, _)| i)
        .collect();
    let Some((&last, crossed)) = generators.split_last() else {
        return Ok(());
    };
    let item_generator = |item: &SelectItem| match item {
        SelectItem::UnnamedExpr(e) => generator_items(e, false, &[]),
        SelectItem::ExprWithAlias { expr, alias } => {
            generator_items(expr, false, &generators::aliases(alias))
        }
        _ => Ok(Vec::new()),
    };
    // Several generators: each one but the last generates its rows in a derived table of the
    // FROM relation, so that the next one generates rows for each of them (Spark 4 crosses
    // them), and the SELECT takes their columns.
    let mut replacements: Vec<(usize, Vec<SelectItem>)> = Vec::new();
    for (k, &i) in crossed.iter().enumerate() {
        let [from] = select.from.as_mut_slice() else {
            return Err(plan_datafusion_err!(
                "several generators in a SELECT are supported over one relation in FROM, not several"
            ));
        };
        if !from.joins.is_empty() {
            return Err(plan_datafusion_err!(
                "several generators in a SELECT are not supported after a JOIN; join in a subquery first"
            ));
        }
        let name = relation_name(&from.relation)?;
        let mut generated = item_generator(&select.projection[i])?;
        let mut taken = Vec::new();
        for (j, item) in generated.iter_mut().enumerate() {
            if let SelectItem::ExprWithAlias { alias, .. } = item {
                let internal = Ident::new(format!("__weir_generated_{}_{j}", k + 1));
                let spark_name = std::mem::replace(alias, internal.clone());
                taken.push(SelectItem::ExprWithAlias {
                    expr: Expr::Identifier(internal),
                    alias: spark_name,
                });
            }
        }
        let relation = std::mem::replace(&mut from.relation, placeholder_relation()?);
        from.relation = derived(&name, relation, generated)?;
        replacements.push((i, taken));
    }
    replacements.push((last, item_generator(&select.projection[last])?));
    for (i, items) in replacements.into_iter().rev() {
        select.projection.splice(i..=i, items);
    }
    if !crossed.is_empty() {
        unique_names(&mut select.projection);
    }
    Ok(())
}

/// The SELECT items named like an earlier item (the columns of crossed generators, `col` and
/// `col`) planned under names of their own ([`repeated_name`]).
fn unique_names(projection: &mut [SelectItem]) {
    let mut seen: Vec<String> = Vec::new();
    for item in projection.iter_mut() {
        let name = match item {
            SelectItem::ExprWithAlias { alias, .. } => alias.value.clone(),
            SelectItem::UnnamedExpr(e) => super::names::item_name(e),
            _ => continue,
        };
        if seen.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            if let SelectItem::ExprWithAlias { alias, .. } = item {
                *alias = Ident::with_quote('"', repeated_name(&name, true));
            }
        }
        seen.push(name);
    }
}

/// Names the unaliased SELECT items as Spark names them ([`super::names`]): `(id + 1)`,
/// `count(1)`, `CAST(x AS INT)` — before planning rewrites them and DataFusion names them
/// after what they became. Spark allows a name twice in a SELECT (`SELECT x, CAST(x AS INT)`:
/// both `x`), DataFusion does not: an item whose name (ignoring case, as Spark compares
/// names) an earlier item of the SELECT has is planned under a name of its own
/// ([`repeated_name`]) and gets Spark's name back as a column of the result
/// ([`with_result_names`]).
fn name_items(select: &mut Select) {
    let windows = &select.named_window;
    let projection = &mut select.projection;
    let names: Vec<Option<String>> = projection
        .iter()
        .map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
            SelectItem::UnnamedExpr(e) if generator_name(e).is_none() => {
                Some(super::names::item_name(&with_named_windows(e, windows)))
            }
            _ => None,
        })
        .collect();
    for (i, item) in projection.iter_mut().enumerate() {
        let Some(name) = names[i].clone() else {
            continue;
        };
        if names[..i]
            .iter()
            .flatten()
            .any(|n| n.eq_ignore_ascii_case(&name))
            || COLLIDED.with(|c| c.borrow().contains(&name.to_lowercase()))
        {
            let (SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }) = item
            else {
                continue;
            };
            // A column written again is the same column to Spark: an outer query may still
            // name it. Anything else is a column of its own, which a name shared with
            // another makes ambiguous to an outer query ([`check_ambiguous`]).
            let column = matches!(expr, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
            *item = SelectItem::ExprWithAlias {
                expr: expr.clone(),
                alias: Ident::with_quote('"', repeated_name(&name, !column)),
            };
            continue;
        }
        let SelectItem::UnnamedExpr(expr) = item else {
            continue;
        };
        // DataFusion already names a column as Spark does: a quoted one, an unquoted lower-case
        // one (a double-quoted word is a string in Spark, named by its text).
        if matches!(expr, Expr::Identifier(id) if id.quote_style.is_some_and(|q| q != '"') || id.quote_style.is_none() && id.value == name.to_lowercase() && id.value == name)
        {
            continue;
        }
        *item = SelectItem::ExprWithAlias {
            expr: expr.clone(),
            alias: Ident::with_quote('"', name),
        };
    }
}

/// A name [`repeated_name`] gave: the Spark name it stands for, and whether its item is a
/// column of its own (not a column written again).
#[derive(Clone)]
struct Repeated {
    name: String,
    ambiguous: bool,
}

/// The name of a column a wildcard and an item of the same SELECT both gave, when DataFusion
/// refused the plan for it (`SELECT *, CAST(id AS STRING) FROM t`: the qualified `t.id` and the
/// item's `id`; `SELECT *, id FROM t`: `t.id` twice), in lower case.
fn collided_name(e: &DataFusionError) -> Option<String> {
    let text = e.to_string();
    let name = if let Some(at) = text.find("and unqualified field name ") {
        let rest = &text[at + "and unqualified field name ".len()..];
        let name = &rest[..rest.find(" which would be ambiguous")?];
        match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
            Some(quoted) => return Some(quoted.replace("\"\"", "\"").to_lowercase()),
            None => name,
        }
    } else {
        let at = text.find("Projections require unique expression names but the expression \"")?;
        let rest =
            &text[at + "Projections require unique expression names but the expression \"".len()..];
        let expr = &rest[..rest.find('"')?];
        let name = expr.rsplit('.').next()?;
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        name
    };
    Some(name.to_lowercase())
}

thread_local! {
    /// The names of columns [`collided_name`] told, while a statement is rewritten.
    static COLLIDED: std::cell::RefCell<std::collections::HashSet<String>> = Default::default();
    /// The names [`repeated_name`] gave while a statement was rewritten.
    static REPEATED: std::cell::RefCell<HashMap<String, Repeated>> = Default::default();
}

/// A name of its own for planning an item Spark names `name` like an earlier item of its
/// SELECT: `name#n` (Spark's own plans show columns so), remembered for
/// [`with_result_names`] and [`check_ambiguous`].
fn repeated_name(name: &str, ambiguous: bool) -> String {
    REPEATED.with(|r| {
        let mut r = r.borrow_mut();
        let internal = format!("{name}#{}", r.len() + 1);
        r.insert(
            internal.clone(),
            Repeated {
                name: name.to_string(),
                ambiguous,
            },
        );
        internal
    })
}

/// Spark refuses a reference to a name two columns of a subquery's result have
/// (`SELECT id FROM (SELECT id, id + 1 AS id FROM t)`) unless they are one column written
/// twice. The query planned with [`repeated_name`]s has resolved the name to the first one:
/// such a reference is an error here too. A node that also refers to the repeated one (a `*`
/// expanded) is not ambiguous; nor is an ORDER BY, which Weir resolves to the first column.
fn check_ambiguous(plan: &LogicalPlan, repeated: &HashMap<String, Repeated>) -> Result<()> {
    if !repeated.values().any(|r| r.ambiguous) {
        return Ok(());
    }
    plan.apply_with_subqueries(|node| {
        if matches!(node, LogicalPlan::Sort(_)) {
            return Ok(TreeNodeRecursion::Continue);
        }
        let mut refs = std::collections::HashSet::new();
        for e in node.expressions() {
            refs.extend(e.column_refs().into_iter().cloned());
        }
        for input in node.inputs() {
            for (qualifier, field) in input.schema().iter() {
                let Some(r) = repeated.get(field.name()).filter(|r| r.ambiguous) else {
                    continue;
                };
                if refs.iter().any(|c| c.name == *field.name()) {
                    continue;
                }
                if refs.iter().any(|c| {
                    c.name.eq_ignore_ascii_case(&r.name)
                        && (qualifier.is_none() || c.relation.as_ref() == qualifier)
                }) {
                    return Err(plan_datafusion_err!(
                        "[AMBIGUOUS_REFERENCE] Reference `{}` is ambiguous: two columns of a subquery have that name",
                        r.name
                    ));
                }
            }
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok(())
}

/// `plan` with the columns of its result that [`repeated_name`] named, and those Spark names
/// by type ([`super::names::typed_names`]), renamed to Spark's names, which other columns of
/// the result may have too: a last projection gives each column
/// of a repeated name a qualifier of its own (`#3.x`), which DataFusion's schemas allow.
fn with_result_names(
    plan: LogicalPlan,
    repeated: &HashMap<String, Repeated>,
    typed: &HashMap<String, String>,
) -> Result<LogicalPlan> {
    let schema = plan.schema().clone();
    let names: Vec<&str> = schema
        .fields()
        .iter()
        .map(|f| match (repeated.get(f.name()), typed.get(f.name())) {
            (Some(r), _) => typed.get(&r.name).unwrap_or(&r.name).as_str(),
            (None, Some(spark)) => spark.as_str(),
            (None, None) => f.name().as_str(),
        })
        .collect();
    if names
        .iter()
        .zip(schema.fields())
        .all(|(n, f)| n == f.name())
    {
        return Ok(plan);
    }
    let exprs: Vec<LogicalExpr> = schema
        .iter()
        .enumerate()
        .map(|(i, (qualifier, field))| {
            let column = LogicalExpr::Column(Column::from((qualifier, field.as_ref())));
            if names.iter().filter(|n| **n == names[i]).count() > 1 {
                column.alias_qualified(Some(TableReference::bare(format!("#{}", i + 1))), names[i])
            } else if names[i] != field.name() {
                column.alias(names[i])
            } else {
                column
            }
        })
        .collect();
    LogicalPlanBuilder::from(plan).project(exprs)?.build()
}

/// `expr` with each `OVER w` replaced by the specification `WINDOW w AS (…)` gives it, as
/// Spark's names show it.
fn with_named_windows(expr: &Expr, windows: &[NamedWindowDefinition]) -> Expr {
    let mut expr = expr.clone();
    if windows.is_empty() {
        return expr;
    }
    let _ = visit_expressions_mut(&mut expr, |e| {
        if let Expr::Function(f) = e {
            if let Some(WindowType::NamedWindow(w)) = &f.over {
                let spec = windows.iter().find_map(|d| match &d.1 {
                    NamedWindowExpr::WindowSpec(spec)
                        if d.0.value.eq_ignore_ascii_case(&w.value) =>
                    {
                        Some(spec.clone())
                    }
                    _ => None,
                });
                if let Some(spec) = spec {
                    f.over = Some(WindowType::WindowSpec(spec));
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
    expr
}

/// Spark names the columns of an inline table `col1`, `col2`, … (DataFusion: `column1`, …):
/// a query that is `VALUES …` (or begins a set operation with it, which names the columns)
/// becomes `SELECT column1 AS col1, … FROM (VALUES …)`, which column aliases (`AS v(x, y)`)
/// rename as before.
fn name_values_columns(body: &mut SetExpr) -> Result<()> {
    let values = match body {
        SetExpr::SetOperation { left, .. } => return name_values_columns(left),
        SetExpr::Values(values) => values,
        _ => return Ok(()),
    };
    let width = values.rows.first().map_or(0, Vec::len);
    let items: Vec<String> = (1..=width)
        .map(|i| format!("column{i} AS col{i}"))
        .collect();
    let mut select = parse_query(&format!(
        "SELECT {} FROM (VALUES (1)) AS weir_values",
        items.join(", ")
    ))?;
    if let SetExpr::Select(s) = select.body.as_mut() {
        if let Some(TableFactor::Derived { subquery, .. }) =
            s.from.first_mut().map(|f| &mut f.relation)
        {
            std::mem::swap(subquery.body.as_mut(), body);
        }
    }
    *body = *select.body;
    Ok(())
}

/// The Arrow type a SQL cast converts to with Spark's rules, or `None` when it is left to
/// DataFusion (another type, a `FORMAT`, an `ARRAY` cast).
fn spark_cast_target(expr: &Expr) -> Option<ArrowType> {
    let Expr::Cast {
        data_type,
        array: false,
        format: None,
        ..
    } = expr
    else {
        return None;
    };
    let decimal = |info: &ExactNumberInfo| match *info {
        ExactNumberInfo::None => Some(ArrowType::Decimal128(10, 0)),
        ExactNumberInfo::Precision(p) => Some(ArrowType::Decimal128(u8::try_from(p).ok()?, 0)),
        ExactNumberInfo::PrecisionAndScale(p, s) => Some(ArrowType::Decimal128(
            u8::try_from(p).ok()?,
            i8::try_from(s).ok()?,
        )),
    };
    let t = match data_type {
        DataType::TinyInt(_) => ArrowType::Int8,
        DataType::SmallInt(_) | DataType::Int2(_) => ArrowType::Int16,
        DataType::Int(_) | DataType::Integer(_) | DataType::Int4(_) => ArrowType::Int32,
        DataType::BigInt(_) | DataType::Int8(_) | DataType::Int64 => ArrowType::Int64,
        DataType::Float(_) | DataType::Real | DataType::Float4 => ArrowType::Float32,
        DataType::Double(_) | DataType::DoublePrecision | DataType::Float8 | DataType::Float64 => {
            ArrowType::Float64
        }
        DataType::Boolean | DataType::Bool => ArrowType::Boolean,
        DataType::Date => ArrowType::Date32,
        DataType::Timestamp(_, _) | DataType::TimestampNtz(_) | DataType::Datetime(_) => {
            ArrowType::Timestamp(TimeUnit::Microsecond, None)
        }
        DataType::String(_)
        | DataType::Varchar(_)
        | DataType::Char(_)
        | DataType::Character(_)
        | DataType::CharVarying(_)
        | DataType::Text => ArrowType::Utf8,
        DataType::Decimal(info) | DataType::Dec(info) | DataType::Numeric(info) => decimal(info)?,
        DataType::Binary(None) | DataType::Varbinary(None) | DataType::Bytea => ArrowType::Binary,
        DataType::Custom(name, modifiers) if modifiers.is_empty() => {
            match name.to_string().to_ascii_lowercase().as_str() {
                "long" => ArrowType::Int64,
                "short" => ArrowType::Int16,
                "byte" => ArrowType::Int8,
                _ => return None,
            }
        }
        _ => return None,
    };
    match t {
        ArrowType::Decimal128(p, s) if p == 0 || p > 38 || s < 0 || s as u8 > p => None,
        t => Some(t),
    }
}

/// `CAST(x AS type)` (`TRY_CAST`) as the call of Spark's cast (`try_cast`), when
/// [`spark_cast_target`] takes it.
fn spark_cast_call(expr: &Expr) -> Option<Expr> {
    let to = spark_cast_target(expr)?;
    let Expr::Cast {
        expr: value, kind, ..
    } = expr
    else {
        return None;
    };
    let function = match kind {
        CastKind::TryCast | CastKind::SafeCast => super::cast::TRY_CAST,
        _ => super::cast::CAST,
    };
    let type_name = Expr::value(Value::SingleQuotedString(to.to_string()));
    call(function, vec![value.as_ref().clone(), type_name]).ok()
}

/// The name the columns of a FROM relation are qualified with.
fn relation_name(relation: &TableFactor) -> Result<Ident> {
    match relation {
        TableFactor::Table { alias: Some(a), .. } | TableFactor::Derived { alias: Some(a), .. } => {
            Ok(a.name.clone())
        }
        TableFactor::Table { name, .. } => name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .cloned()
            .ok_or_else(|| plan_datafusion_err!("LATERAL VIEW: the relation has no name")),
        _ => Err(plan_datafusion_err!(
            "LATERAL VIEW is supported after a table or an aliased subquery"
        )),
    }
}

fn parse_expr(sql: &str) -> Result<Expr> {
    Parser::new(&GenericDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| plan_datafusion_err!("internal SQL template '{sql}': {e}"))
}

pub(super) fn parse_query(sql: &str) -> Result<Box<Query>> {
    let statements = Parser::parse_sql(&GenericDialect {}, sql)
        .map_err(|e| plan_datafusion_err!("internal SQL template '{sql}': {e}"))?;
    match statements.into_iter().next() {
        Some(Statement::Query(q)) => Ok(q),
        _ => Err(plan_datafusion_err!(
            "internal SQL template '{sql}' is not a query"
        )),
    }
}

const ARG: &str = "weir_generator_argument";

/// An expression from a template in which the identifier [`ARG`] stands for `arg` checked to
/// be of `shape` ([`generators::CHECK`]).
fn template(sql: &str, arg: &Expr, key: &str, shape: &Shape) -> Result<Expr> {
    let mut expr = parse_expr(sql)?;
    let checked = parse_expr(&format!(
        "{}({ARG}, '{key}', '{}')",
        generators::CHECK,
        shape.code()
    ))?;
    let _ = visit_expressions_mut(&mut expr, |e| {
        if matches!(e, Expr::Identifier(i) if i.value == ARG) {
            *e = checked.clone();
        }
        ControlFlow::<()>::Continue(())
    });
    // The argument itself goes inside the check (replaced once, not in the template's copies).
    let _ = visit_expressions_mut(&mut expr, |e| {
        if matches!(e, Expr::Identifier(i) if i.value == ARG) {
            *e = arg.clone();
        }
        ControlFlow::<()>::Continue(())
    });
    Ok(expr)
}

/// The SELECT items a generator call stands for: for an array, `unnest`s of its elements (and
/// 0-based positions); for a map, of its keys and values; for `inline`, of each field of its
/// structs; for `stack(n, …)`, of `n`-element arrays of its arguments; for `json_tuple`, the
/// members of one value. The argument's shape is the one learned at planning
/// ([`generators::known`]), else the one the name and the number of aliases suggest.
fn generator_items(call: &Expr, outer: bool, aliases: &[Ident]) -> Result<Vec<SelectItem>> {
    let name = generator_name(call)
        .ok_or_else(|| plan_datafusion_err!("LATERAL VIEW needs a generator, got {call}"))?;
    let Expr::Function(f) = call else {
        return Err(plan_datafusion_err!("{name}: not a function call"));
    };
    let args: Vec<&Expr> = match &f.args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok(e),
                _ => Err(plan_datafusion_err!("{name} takes unnamed arguments")),
            })
            .collect::<Result<_>>()?,
        _ => Vec::new(),
    };
    let outer = outer || name.ends_with("_outer");
    let named = |defaults: Vec<String>, exprs: Vec<Expr>| -> Result<Vec<SelectItem>> {
        let names: Vec<Ident> = match aliases {
            [] => defaults.into_iter().map(Ident::new).collect(),
            a if a.len() == exprs.len() => a.to_vec(),
            a => {
                return Err(plan_datafusion_err!(
                    "{name} produces {} column(s) but {} name(s) were given",
                    exprs.len(),
                    a.len()
                ))
            }
        };
        Ok(exprs
            .into_iter()
            .zip(names)
            .map(|(expr, alias)| SelectItem::ExprWithAlias { expr, alias })
            .collect())
    };
    match name.as_str() {
        "stack" => return stack_items(&args, named),
        "json_tuple" => {
            let [_, fields @ ..] = args.as_slice() else {
                return Err(plan_datafusion_err!(
                    "json_tuple takes a JSON text and names"
                ));
            };
            let tuple = self::call(
                generators::JSON_TUPLE,
                args.iter().map(|a| (*a).clone()).collect(),
            )?;
            let exprs = (0..fields.len())
                .map(|i| {
                    self::call(
                        "get_field",
                        vec![
                            tuple.clone(),
                            Expr::value(Value::SingleQuotedString(format!("c{i}"))),
                        ],
                    )
                })
                .collect::<Result<Vec<_>>>()?;
            return named((0..fields.len()).map(|i| format!("c{i}")).collect(), exprs);
        }
        _ => {}
    }
    let [arg] = args.as_slice() else {
        return Err(plan_datafusion_err!("{name} takes one argument"));
    };
    let positions = name.starts_with("posexplode");
    let key = generators::key(&call.to_string());
    let shape = generators::known(&key).unwrap_or(match name.starts_with("inline") {
        true => Shape::Unknown,
        false if aliases.len() == 2 + usize::from(positions) => Shape::Map,
        false => Shape::Array,
    });
    // The lists unnested (zipped): for the outer forms, NULL or empty become [NULL].
    let unnest = |list: &str| match outer {
        false => format!("unnest({list})"),
        true => format!(
            "unnest(CASE WHEN cardinality({ARG}) > 0 THEN {list} ELSE make_array(NULL) END)"
        ),
    };
    let indexes = unnest(&format!("CAST(range(0, cardinality({ARG})) AS INT[])"));
    let (mut defaults, mut sql): (Vec<String>, Vec<String>) = match &shape {
        Shape::Array => (vec!["col".into()], vec![unnest(ARG)]),
        Shape::Map => (
            vec!["key".into(), "value".into()],
            vec![
                unnest(&format!("map_keys({ARG})")),
                unnest(&format!("map_values({ARG})")),
            ],
        ),
        Shape::Structs(fields) => (
            fields.clone(),
            fields
                .iter()
                .map(|f| format!("get_field({}, '{}')", unnest(ARG), f.replace('\'', "''")))
                .collect(),
        ),
        Shape::Unknown => (vec!["col".into()], vec![unnest(ARG)]),
    };
    if positions {
        defaults.insert(0, "pos".into());
        sql.insert(0, indexes);
    }
    let exprs = sql
        .iter()
        .map(|sql| template(sql, arg, &key, &shape))
        .collect::<Result<Vec<_>>>()?;
    match shape {
        // Planning fails in the check, telling the shape; no names to check yet.
        Shape::Unknown => Ok(exprs.into_iter().map(SelectItem::UnnamedExpr).collect()),
        _ => named(defaults, exprs),
    }
}

/// `stack(n, a1, …, ak)`: `n` rows of `ceil(k / n)` columns, filled row by row (NULLs after
/// the last argument); column `j` is the `unnest` of an `n`-element array.
fn stack_items(
    args: &[&Expr],
    named: impl Fn(Vec<String>, Vec<Expr>) -> Result<Vec<SelectItem>>,
) -> Result<Vec<SelectItem>> {
    let [rows, values @ ..] = args else {
        return Err(plan_datafusion_err!(
            "stack takes a number of rows and values"
        ));
    };
    let rows = match rows {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse::<usize>().ok().filter(|n| *n > 0),
            _ => None,
        },
        _ => None,
    }
    .ok_or_else(|| {
        plan_datafusion_err!("stack: the number of rows must be a positive integer literal")
    })?;
    if values.is_empty() {
        return Err(plan_datafusion_err!(
            "stack needs values after the number of rows"
        ));
    }
    let columns = values.len().div_ceil(rows);
    let null = parse_expr("NULL")?;
    let exprs = (0..columns)
        .map(|j| {
            let column: Vec<Expr> = (0..rows)
                .map(|r| {
                    values
                        .get(r * columns + j)
                        .map_or(null.clone(), |v| (*v).clone())
                })
                .collect();
            call("unnest", vec![call("make_array", column)?])
        })
        .collect::<Result<Vec<_>>>()?;
    named((0..columns).map(|j| format!("col{j}")).collect(), exprs)
}

const RANGE: &str = "weir_range";

/// A generator called in FROM (`FROM explode(arr) AS v(x)`), as a derived table of its items;
/// `range(…)` as DataFusion's with its column named `id`, as in Spark.
fn generator_table(relation: &mut TableFactor) -> Result<()> {
    let TableFactor::Table {
        name,
        args: Some(args),
        alias,
        ..
    } = relation
    else {
        return Ok(());
    };
    let [part] = name.0.as_slice() else {
        return Ok(());
    };
    let Some(function) = part.as_ident().map(|i| i.value.to_ascii_lowercase()) else {
        return Ok(());
    };
    let call_text = format!(
        "{function}({})",
        args.args
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    let sql = match function.as_str() {
        // DataFusion's range, aliased so that it is not rewritten again.
        "range" if alias.as_ref().is_none_or(|a| a.name.value != RANGE) => {
            format!("SELECT * FROM (SELECT value AS id FROM {call_text} AS {RANGE}) AS {function}")
        }
        f if GENERATORS.contains(&f) => format!("SELECT * FROM (SELECT 1) AS {function}"),
        _ => return Ok(()),
    };
    let mut query = parse_query(&sql)?;
    let SetExpr::Select(outer) = query.body.as_mut() else {
        return Err(plan_datafusion_err!(
            "internal SQL template is not a SELECT"
        ));
    };
    let Some(from) = outer.from.pop() else {
        return Err(plan_datafusion_err!("internal SQL template has no FROM"));
    };
    let mut derived = from.relation;
    if let TableFactor::Derived {
        subquery,
        alias: Some(derived_alias),
        ..
    } = &mut derived
    {
        if function != "range" {
            if let SetExpr::Select(inner) = subquery.body.as_mut() {
                inner.projection = generator_items(&parse_expr(&call_text)?, false, &[])?;
            }
        }
        if let Some(given) = alias.take() {
            *derived_alias = given;
        }
    }
    *relation = derived;
    Ok(())
}

fn placeholder_relation() -> Result<TableFactor> {
    let mut query = parse_query("SELECT * FROM weir_placeholder")?;
    match query.body.as_mut() {
        SetExpr::Select(select) => match select.from.pop() {
            Some(from) => Ok(from.relation),
            None => Err(plan_datafusion_err!("internal SQL template has no FROM")),
        },
        _ => Err(plan_datafusion_err!(
            "internal SQL template is not a SELECT"
        )),
    }
}

/// `(SELECT name.*, items FROM relation) AS name`.
fn derived(name: &Ident, relation: TableFactor, items: Vec<SelectItem>) -> Result<TableFactor> {
    let mut query =
        parse_query("SELECT * FROM (SELECT weir_relation.* FROM weir_relation) AS weir_relation")?;
    let SetExpr::Select(outer) = query.body.as_mut() else {
        return Err(plan_datafusion_err!(
            "internal SQL template is not a SELECT"
        ));
    };
    let Some(from) = outer.from.pop() else {
        return Err(plan_datafusion_err!("internal SQL template has no FROM"));
    };
    let mut derived = from.relation;
    let TableFactor::Derived {
        subquery,
        alias: Some(alias),
        ..
    } = &mut derived
    else {
        return Err(plan_datafusion_err!(
            "internal SQL template has no derived table"
        ));
    };
    alias.name = name.clone();
    let SetExpr::Select(inner) = subquery.body.as_mut() else {
        return Err(plan_datafusion_err!(
            "internal SQL template is not a SELECT"
        ));
    };
    if let Some(SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(o), _)) =
        inner.projection.first_mut()
    {
        *o = ObjectName::from(vec![name.clone()]);
    }
    inner.projection.extend(items);
    match inner.from.first_mut() {
        Some(f) => f.relation = relation,
        None => return Err(plan_datafusion_err!("internal SQL template has no FROM")),
    }
    Ok(derived)
}

/// Spark's names of functions DataFusion has under another name.
const RENAMED: [(&str, &str); 7] = [
    ("ceiling", "ceil"),
    ("sign", "signum"),
    ("lcase", "lower"),
    ("ucase", "upper"),
    ("startswith", "starts_with"),
    ("endswith", "ends_with"),
    ("try_divide", super::rewrite::DIVIDE),
];

fn rename(expr: &mut Expr, to: &str) {
    if let Expr::Function(f) = expr {
        f.name = ObjectName::from(vec![Ident::new(to)]);
    }
}

/// Spark's operators DataFusion plans otherwise: `a / b` (a double, NULL for a zero divisor),
/// `a % b` (NULL for a zero divisor), `~a`, `a div b` (read as `//`: [`super::pre_parse`]),
/// `a RLIKE p` / `a REGEXP p` (a regular expression found in `a`), `a || b` (`concat`).
fn spark_operator(expr: &Expr) -> Result<Option<Expr>> {
    Ok(Some(match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Divide,
            right,
        } => call(super::rewrite::DIVIDE, vec![*left.clone(), *right.clone()])?,
        Expr::BinaryOp {
            left,
            op: BinaryOperator::DuckIntegerDivide,
            right,
        } => call(
            super::rewrite::INT_DIVIDE,
            vec![*left.clone(), *right.clone()],
        )?,
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Modulo,
            right,
        } => call("mod", vec![*left.clone(), *right.clone()])?,
        Expr::UnaryOp {
            op: UnaryOperator::BitwiseNot,
            expr: value,
        } => call("bitwise_not", vec![*value.clone()])?,
        // Spark's `||` is concat, of text or of arrays (NULL when one is NULL).
        Expr::BinaryOp {
            left,
            op: BinaryOperator::StringConcat,
            right,
        } => call("concat", vec![*left.clone(), *right.clone()])?,
        Expr::RLike {
            negated,
            expr: value,
            pattern,
            ..
        } => {
            let found = call("regexp_like", vec![*value.clone(), *pattern.clone()])?;
            match negated {
                true => Expr::UnaryOp {
                    op: UnaryOperator::Not,
                    expr: Box::new(Expr::Nested(Box::new(found))),
                },
                false => found,
            }
        }
        _ => return Ok(None),
    }))
}

/// Calls whose Spark meaning is another expression: `log(x)` (`ln`), `positive(x)`,
/// `from_unixtime(s[, fmt])` (text, not a
/// timestamp) and `decode(x, search, result, …[, default])` (a CASE; `decode(bin, charset)`
/// stays DataFusion's).
fn spark_call(expr: &Expr) -> Result<Option<Expr>> {
    let Some(name) = function_name(expr) else {
        return Ok(None);
    };
    let Expr::Function(f) = expr else {
        return Ok(None);
    };
    let FunctionArguments::List(list) = &f.args else {
        return Ok(None);
    };
    let args: Vec<&Expr> = list
        .args
        .iter()
        .filter_map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        })
        .collect();
    if args.len() != list.args.len() {
        return Ok(None);
    }
    Ok(Some(match (name.as_str(), args.as_slice()) {
        ("from_unixtime", [seconds, rest @ ..]) if rest.len() <= 1 => {
            let timestamp = call("timestamp_seconds", vec![(*seconds).clone()])?;
            let pattern = match rest {
                [pattern] => (*pattern).clone(),
                _ => Expr::value(Value::SingleQuotedString("yyyy-MM-dd HH:mm:ss".into())),
            };
            call("date_format", vec![timestamp, pattern])?
        }
        // Spark's logarithms are NULL outside their domain (DataFusion's: NaN or -inf), and its
        // one-argument `log` is the natural logarithm (DataFusion's: base 10).
        ("log", [x]) => positive_only(&[x], call("ln", vec![(*x).clone()])?)?,
        ("ln" | "log10" | "log2", [x]) => positive_only(&[x], expr.clone())?,
        ("log", [base, x]) => positive_only(&[base, x], expr.clone())?,
        ("positive", [x]) => Expr::UnaryOp {
            op: UnaryOperator::Plus,
            expr: Box::new((*x).clone()),
        },
        ("decode", [value, pairs @ ..]) if pairs.len() >= 2 => {
            let conditions = pairs
                .chunks_exact(2)
                .map(|pair| CaseWhen {
                    condition: Expr::IsNotDistinctFrom(
                        Box::new((*value).clone()),
                        Box::new(pair[0].clone()),
                    ),
                    result: pair[1].clone(),
                })
                .collect();
            Expr::Case {
                case_token: AttachedToken::empty(),
                end_token: AttachedToken::empty(),
                operand: None,
                conditions,
                else_result: (pairs.len() % 2 == 1)
                    .then(|| Box::new(pairs[pairs.len() - 1].clone())),
            }
        }
        _ => return Ok(None),
    }))
}

/// Spark's meaning of expressions DataFusion reads otherwise: `floor(x, d)` and `ceil(x, d)`
/// ([`super::rounding`]), `x[i]` ([`super::subscript`]:
/// 0-based for arrays, also a struct member of any value, `f(x).a`).
fn spark_shape(expr: &Expr) -> Result<Option<Expr>> {
    Ok(Some(match expr {
        Expr::CompoundFieldAccess { root, access_chain } => {
            let mut value = root.as_ref().clone();
            for access in access_chain {
                let key = match access {
                    AccessExpr::Subscript(Subscript::Index { index }) => index.clone(),
                    AccessExpr::Dot(Expr::Identifier(field)) => {
                        Expr::value(Value::SingleQuotedString(field.value.clone()))
                    }
                    _ => return Ok(None),
                };
                value = call(super::subscript::NAME, vec![value, key])?;
            }
            value
        }
        Expr::Ceil {
            expr: value,
            field: CeilFloorKind::Scale(scale),
        }
        | Expr::Floor {
            expr: value,
            field: CeilFloorKind::Scale(scale),
        } => {
            let name = if matches!(expr, Expr::Ceil { .. }) {
                "ceil"
            } else {
                "floor"
            };
            call(
                name,
                vec![value.as_ref().clone(), Expr::value(scale.clone())],
            )?
        }
        _ => return Ok(None),
    }))
}

/// `value` where every one of `args` is positive, else NULL.
fn positive_only(args: &[&Expr], value: Expr) -> Result<Expr> {
    let positive = |a: &Expr| Expr::BinaryOp {
        left: Box::new(Expr::Nested(Box::new(a.clone()))),
        op: BinaryOperator::Gt,
        right: Box::new(Expr::value(Value::Number("0".into(), false))),
    };
    let condition = args
        .iter()
        .map(|a| positive(a))
        .reduce(|a, b| Expr::BinaryOp {
            left: Box::new(a),
            op: BinaryOperator::And,
            right: Box::new(b),
        })
        .ok_or_else(|| plan_datafusion_err!("a logarithm needs an argument"))?;
    Ok(Expr::Case {
        case_token: AttachedToken::empty(),
        end_token: AttachedToken::empty(),
        operand: None,
        conditions: vec![CaseWhen {
            condition,
            result: value,
        }],
        else_result: None,
    })
}

/// `struct(a, b + 1)` and `arrays_zip(a, b + 1)` with Spark's field names — a column's name,
/// else `col2` for a struct and the position `1` for `arrays_zip` — as a `named_struct` and
/// [`super::collections::ARRAYS_ZIP`] with the names after the arrays.
fn spark_field_names(expr: &Expr) -> Result<Option<Expr>> {
    let name_of = |e: &Expr| match e {
        Expr::Identifier(i) => Some(i.value.clone()),
        Expr::CompoundIdentifier(parts) => parts.last().map(|p| p.value.clone()),
        _ => None,
    };
    let text = |s: String| Expr::value(Value::SingleQuotedString(s));
    match expr {
        Expr::Struct { values, fields } if fields.is_empty() => {
            let args = values
                .iter()
                .enumerate()
                .flat_map(|(i, v)| {
                    [
                        text(name_of(v).unwrap_or_else(|| format!("col{}", i + 1))),
                        v.clone(),
                    ]
                })
                .collect();
            call("named_struct", args).map(Some)
        }
        Expr::Function(f) if function_name(expr).as_deref() == Some("arrays_zip") => {
            let FunctionArguments::List(list) = &f.args else {
                return Ok(None);
            };
            let arrays: Vec<Expr> = list
                .args
                .iter()
                .filter_map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
                    _ => None,
                })
                .collect();
            if arrays.len() != list.args.len() {
                return Ok(None);
            }
            let names: Vec<Expr> = arrays
                .iter()
                .enumerate()
                .map(|(i, a)| text(name_of(a).unwrap_or_else(|| i.to_string())))
                .collect();
            call(
                super::collections::ARRAYS_ZIP,
                arrays.into_iter().chain(names).collect(),
            )
            .map(Some)
        }
        _ => Ok(None),
    }
}

/// A call of `name` with `args`.
pub(super) fn call(name: &str, args: Vec<Expr>) -> Result<Expr> {
    let placeholders = vec!["NULL"; args.len()].join(", ");
    let mut call = parse_expr(&format!("{name}({placeholders})"))?;
    if let Expr::Function(f) = &mut call {
        if let FunctionArguments::List(list) = &mut f.args {
            for (slot, arg) in list.args.iter_mut().zip(args) {
                *slot = FunctionArg::Unnamed(FunctionArgExpr::Expr(arg));
            }
        }
    }
    Ok(call)
}

/// Spark's string literal escapes, `map`, and generators left where Spark refuses them.
struct Finish;

impl VisitorMut for Finish {
    type Break = DataFusionError;

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<Self::Break> {
        // After its rows were visited: the query it becomes is not visited again.
        match name_values_columns(query.body.as_mut()) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => ControlFlow::Break(e),
        }
    }

    fn post_visit_value(&mut self, value: &mut Value) -> ControlFlow<Self::Break> {
        if let Value::SingleQuotedString(s) = value {
            if s.contains('\\') {
                *s = spark_unescape(s);
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<Self::Break> {
        // A number with an exponent is a double in Spark (decimal literals are DataFusion's
        // `parse_float_as_decimal`).
        if let Expr::Value(v) = expr {
            if let Value::Number(n, false) = &v.value {
                if n.contains(['e', 'E']) {
                    *expr = Expr::TypedString(TypedString {
                        data_type: DataType::Double(ExactNumberInfo::None),
                        value: Value::SingleQuotedString(n.clone()).into(),
                        uses_odbc_syntax: false,
                    });
                    return ControlFlow::Continue(());
                }
            }
        }
        match spark_shape(expr) {
            Ok(Some(rewritten)) => {
                *expr = rewritten;
                return ControlFlow::Continue(());
            }
            Ok(None) => {}
            Err(e) => return ControlFlow::Break(e),
        }
        if let Some(name) = generator_name(expr) {
            return ControlFlow::Break(plan_datafusion_err!(
                "{name}: a generator must be a whole SELECT item or a LATERAL VIEW, not part of an expression"
            ));
        }
        match super::syntax::rewrite(expr) {
            Ok(Some(rewritten)) => *expr = rewritten,
            Ok(None) => {}
            Err(e) => return ControlFlow::Break(e),
        }
        if let Some(call) = spark_cast_call(expr) {
            *expr = call;
        }
        match spark_field_names(expr) {
            Ok(Some(named)) => *expr = named,
            Ok(None) => {}
            Err(e) => return ControlFlow::Break(e),
        }
        match spark_operator(expr) {
            Ok(Some(rewritten)) => *expr = rewritten,
            Ok(None) => {}
            Err(e) => return ControlFlow::Break(e),
        }
        match function_name(expr).as_deref() {
            Some("map") => rename(expr, super::map::NAME),
            Some("hash" | "xxhash64") => int_literals(expr),
            Some(super::pre_parse::EXISTS_CALL) => lambdas_as_text(expr, "exists"),
            Some(name) if super::lambda::is_higher_order(name) => lambdas_as_text(expr, name),
            Some(name) => {
                if let Some((_, to)) = RENAMED.iter().find(|(from, _)| *from == name) {
                    rename(expr, to);
                }
            }
            None => {}
        }
        match spark_call(expr) {
            Ok(Some(rewritten)) => *expr = rewritten,
            Ok(None) => {}
            Err(e) => return ControlFlow::Break(e),
        }
        ControlFlow::Continue(())
    }
}

/// A higher-order call (`transform(arr, x -> …)`) with its lambdas written as two text
/// literals each, the parameter names and the body, and planned as [`super::lambda`]'s
/// function; calls without a lambda are left as they are.
fn lambdas_as_text(expr: &mut Expr, name: &str) {
    let Expr::Function(f) = expr else { return };
    let FunctionArguments::List(list) = &mut f.args else {
        return;
    };
    let mut args = Vec::with_capacity(list.args.len() + 2);
    let mut any = false;
    let mut captured = Vec::new();
    for arg in list.args.drain(..) {
        match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Lambda(mut lambda))) => {
                any = true;
                let params: Vec<String> = lambda.params.iter().map(|p| p.value.clone()).collect();
                super::lambda::capture(&mut lambda.body, &params, &mut captured);
                for text in [params.join(","), lambda.body.to_string()] {
                    args.push(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::value(
                        Value::SingleQuotedString(text),
                    ))));
                }
            }
            other => args.push(other),
        }
    }
    args.extend(
        super::lambda::captured_argument(captured)
            .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e))),
    );
    list.args = args;
    if any {
        f.name = ObjectName::from(vec![Ident::new(super::lambda::planned_name(name))]);
    }
}

/// Integer literals among a call's arguments (also inside `array(…)`, `struct(…)`,
/// `named_struct(…)` and integer arithmetic there) that fit an `int` typed `int`, as Spark
/// types them: `hash(1)` hashes an `int`, where DataFusion would read a `bigint`.
fn int_literals(expr: &mut Expr) {
    match expr {
        Expr::Value(v) => {
            if let Value::Number(n, false) = &v.value {
                if n.parse::<i32>().is_ok() {
                    let literal = expr.clone();
                    let type_name =
                        Expr::value(Value::SingleQuotedString(ArrowType::Int32.to_string()));
                    if let Ok(cast) = call(super::cast::CAST, vec![literal, type_name]) {
                        *expr = cast;
                    }
                }
            }
        }
        Expr::UnaryOp { expr: inner, .. } | Expr::Nested(inner) => int_literals(inner),
        Expr::BinaryOp {
            left,
            op:
                BinaryOperator::Plus
                | BinaryOperator::Minus
                | BinaryOperator::Multiply
                | BinaryOperator::Modulo,
            right,
        } => {
            int_literals(left);
            int_literals(right);
        }
        Expr::Function(_) => {
            let nested = matches!(
                function_name(expr).as_deref(),
                Some("hash" | "xxhash64" | "array" | "struct" | "named_struct")
            );
            let Expr::Function(f) = expr else { return };
            if let (true, FunctionArguments::List(list)) = (nested, &mut f.args) {
                for arg in &mut list.args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) = arg {
                        int_literals(e);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Spark's unescaping of a string literal's text: `\n`, `\t`, `\r`, `\b`, `\0`, `\Z`
/// (Ctrl-Z), `\uXXXX`, `\UXXXXXXXX`, octal `\ooo`; `\%` and `\_` keep their backslash; any other
/// escaped character stands for itself; a lone trailing backslash stays.
pub fn spark_unescape(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let hex = |from: usize, len: usize| -> Option<u32> {
        let digits: String = chars.get(from..from + len)?.iter().collect();
        if digits.chars().all(|c| c.is_ascii_hexdigit()) {
            u32::from_str_radix(&digits, 16).ok()
        } else {
            None
        }
    };
    let octal = |from: usize| -> Option<u32> {
        let d: Vec<u32> = chars
            .get(from..from + 3)?
            .iter()
            .map(|c| c.to_digit(8))
            .collect::<Option<Vec<_>>>()?;
        (d[0] <= 3).then(|| (d[0] << 6) + (d[1] << 3) + d[2])
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 == chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let next = chars[i + 1];
        let (decoded, used) = match next {
            'u' => match hex(i + 2, 4).and_then(char::from_u32) {
                Some(c) => (Some(c), 6),
                None => (Some('u'), 2),
            },
            'U' => match hex(i + 2, 8).and_then(char::from_u32) {
                Some(c) => (Some(c), 10),
                None => (Some('U'), 2),
            },
            _ => match octal(i + 1).and_then(char::from_u32) {
                Some(c) => (Some(c), 4),
                None => (
                    match next {
                        '0' => Some('\0'),
                        'b' => Some('\u{8}'),
                        'n' => Some('\n'),
                        'r' => Some('\r'),
                        't' => Some('\t'),
                        'Z' => Some('\u{1A}'),
                        '%' | '_' => None,
                        other => Some(other),
                    },
                    2,
                ),
            },
        };
        match decoded {
            Some(c) => out.push(c),
            None => {
                out.push('\\');
                out.push(next);
            }
        }
        i += used;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::spark_unescape;

    #[test]
    fn string_escapes_follow_spark() {
        assert_eq!(spark_unescape(r"\\d+"), r"\d+");
        assert_eq!(spark_unescape(r"a\tb\nc"), "a\tb\nc");
        assert_eq!(spark_unescape(r"100\%"), r"100\%");
        assert_eq!(spark_unescape(r"\u0041\101"), "AA");
        assert_eq!(spark_unescape(r"\q"), "q");
        assert_eq!(spark_unescape(r"end\"), r"end\");
        assert_eq!(spark_unescape(r"\."), ".");
    }
}
