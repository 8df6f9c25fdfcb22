//! Spark's higher-order array functions with a lambda: `transform(arr, x -> f)` (also
//! `(x, i) -> f`, `i` the 0-based position), `filter(arr, x -> p)` (also `(x, i)`),
//! `exists(arr, x -> p)`, `forall(arr, x -> p)`, `aggregate(arr, zero, (acc, x) -> merge[,
//! acc -> finish])` (also named `reduce`), `zip_with(a, b, (x, y) -> f)` (the shorter array
//! padded with NULLs), `array_sort(arr, (a, b) -> c)` (a stable sort by the comparator's sign),
//! and on maps `map_filter(m, (k, v) -> p)`, `transform_keys(m, (k, v) -> k2)` (a NULL key is an
//! error) and `transform_values(m, (k, v) -> v2)`.
//!
//! DataFusion's SQL has no lambdas, so [`super::sql_rewrite`] turns each call into one of these
//! functions with the lambda as two text literals, its parameter names and its body. The body is
//! planned when the query is (against the parameters' types, with Spark's functions) and
//! evaluated over all the elements of a batch at once. A NULL array gives NULL. As in Spark,
//! `exists` is NULL when no element matches and some predicate is NULL, `forall` likewise when
//! none fails. The body can use the row's other columns: [`capture`] passes them to the function
//! as one struct argument after the lambdas.

use std::any::Any;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int32Array, ListArray, MapArray, RecordBatch,
    StructArray, UInt32Array,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::{cast, filter, interleave, take};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema};
use datafusion::common::{exec_err, plan_datafusion_err, plan_err, DFSchema, Result, ScalarValue};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::simplify::SimplifyContext;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion::optimizer::simplify_expressions::ExprSimplifier;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::sql::sqlparser::ast::{
    visit_expressions, visit_expressions_mut, Expr as SqlExpr, Function, FunctionArg,
    FunctionArgExpr, FunctionArgumentList, FunctionArguments, Ident, ObjectName, Value,
};
use std::ops::ControlFlow;

/// The higher-order functions: Spark's name and what it does.
const FUNCTIONS: [(&str, Kind); 11] = [
    ("transform", Kind::Transform),
    ("filter", Kind::Filter),
    ("exists", Kind::Exists),
    ("forall", Kind::Forall),
    ("aggregate", Kind::Aggregate),
    ("reduce", Kind::Aggregate),
    ("zip_with", Kind::ZipWith),
    ("array_sort", Kind::Sort),
    ("map_filter", Kind::MapFilter),
    ("transform_keys", Kind::TransformKeys),
    ("transform_values", Kind::TransformValues),
];

/// Is `name` (lower case) one of Spark's higher-order functions?
pub fn is_higher_order(name: &str) -> bool {
    FUNCTIONS.iter().any(|(spark, _)| *spark == name)
}

/// The prefix of the names a lambda's body refers to the row's columns by ([`capture`]).
const CAPTURED: &str = "weir_captured_";

/// The row's columns (and other free names) a lambda's body uses, replaced in `body` by names
/// of members of one struct argument: `captured` (shared by a call's lambdas) gets each new
/// one. Names the lambdas bind (`params`, and those of lambdas nested in the body) stay.
pub fn capture(body: &mut SqlExpr, params: &[String], captured: &mut Vec<SqlExpr>) {
    let mut bound: Vec<String> = params.iter().map(|p| p.to_ascii_lowercase()).collect();
    let _ = visit_expressions(&*body, |e| {
        if let SqlExpr::Lambda(l) = e {
            bound.extend(l.params.iter().map(|p| p.value.to_ascii_lowercase()));
        }
        ControlFlow::<()>::Continue(())
    });
    let _ = visit_expressions_mut(body, |e| {
        let first = match &*e {
            SqlExpr::Identifier(i) => &i.value,
            SqlExpr::CompoundIdentifier(parts) => match parts.first() {
                Some(p) => &p.value,
                None => return ControlFlow::<()>::Continue(()),
            },
            _ => return ControlFlow::Continue(()),
        };
        if bound.contains(&first.to_ascii_lowercase()) || first.starts_with(CAPTURED) {
            return ControlFlow::Continue(());
        }
        let text = e.to_string();
        let i = match captured.iter().position(|c| c.to_string() == text) {
            Some(i) => i,
            None => {
                captured.push(e.clone());
                captured.len() - 1
            }
        };
        *e = SqlExpr::Identifier(Ident::new(format!("{CAPTURED}{i}")));
        ControlFlow::Continue(())
    });
}

/// The argument passing a call's captured columns: `named_struct('weir_captured_0', c0, …)`.
pub fn captured_argument(captured: Vec<SqlExpr>) -> Option<SqlExpr> {
    if captured.is_empty() {
        return None;
    }
    let args = captured
        .into_iter()
        .enumerate()
        .flat_map(|(i, e)| {
            [
                SqlExpr::value(Value::SingleQuotedString(format!("{CAPTURED}{i}"))),
                e,
            ]
        })
        .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
        .collect();
    Some(SqlExpr::Function(Function {
        name: ObjectName::from(vec![Ident::new("named_struct")]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args,
            clauses: Vec::new(),
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    }))
}

/// The name a Spark function is planned under.
pub fn planned_name(spark: &str) -> String {
    format!("spark_lambda_{spark}")
}

/// The functions of this module.
pub fn functions() -> Vec<ScalarUDF> {
    FUNCTIONS
        .into_iter()
        .map(|(spark, kind)| {
            ScalarUDF::new_from_impl(Lambda {
                name: planned_name(spark),
                spark,
                kind,
                signature: Signature::user_defined(Volatility::Immutable),
                compiled: Mutex::new(Vec::new()),
            })
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Transform,
    Filter,
    Exists,
    Forall,
    Aggregate,
    ZipWith,
    Sort,
    MapFilter,
    TransformKeys,
    TransformValues,
}

impl Kind {
    /// The number of arguments before the lambda's two texts (and the captured columns).
    fn values(self) -> usize {
        match self {
            Kind::Aggregate | Kind::ZipWith => 2,
            _ => 1,
        }
    }

    fn on_maps(self) -> bool {
        matches!(
            self,
            Kind::MapFilter | Kind::TransformKeys | Kind::TransformValues
        )
    }
}

/// A lambda's body planned for its parameters' types.
type Compiled = (
    Vec<(String, DataType)>,
    String,
    Arc<dyn PhysicalExpr>,
    DataType,
);

struct Lambda {
    name: String,
    spark: &'static str,
    kind: Kind,
    signature: Signature,
    /// Bodies planned so far (a query plans few).
    compiled: Mutex<Vec<Compiled>>,
}

impl std::fmt::Debug for Lambda {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lambda").field("name", &self.name).finish()
    }
}

impl PartialEq for Lambda {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Lambda {}

impl Hash for Lambda {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

/// The session lambda bodies are planned in: Spark's functions, no tables.
fn planner() -> Result<&'static SessionContext> {
    static PLANNER: OnceLock<std::result::Result<SessionContext, String>> = OnceLock::new();
    PLANNER
        .get_or_init(|| {
            let ctx = SessionContext::new();
            super::register(&ctx)
                .map(|_| ctx)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| plan_datafusion_err!("planning lambdas: {e}"))
}

/// The element type of an array type.
fn element(t: &DataType) -> Option<&DataType> {
    match t {
        DataType::List(f) => Some(f.data_type()),
        _ => None,
    }
}

impl Lambda {
    /// Whether a call with `args` arguments ends with the captured columns ([`capture`]).
    fn captures(&self, args: usize) -> bool {
        match self.kind {
            Kind::Aggregate => args == 5 || args == 7,
            kind => args == kind.values() + 3,
        }
    }

    /// The lambda's parameters with their types, for the argument types.
    fn params(&self, names: &[String], types: &[DataType]) -> Result<Vec<(String, DataType)>> {
        let expected: Vec<DataType> = match (self.kind, types) {
            (kind, [DataType::Map(entries, _), ..]) if kind.on_maps() => {
                match entries.data_type() {
                    DataType::Struct(kv) if kv.len() == 2 => {
                        vec![kv[0].data_type().clone(), kv[1].data_type().clone()]
                    }
                    _ => return plan_err!("{}: the map has no entries", self.spark),
                }
            }
            (kind, _) if kind.on_maps() => {
                return plan_err!("{}: the first argument must be a map", self.spark)
            }
            (kind, [first, ..]) => {
                let Some(item) = element(first).cloned() else {
                    return plan_err!("{}: the first argument must be an array", self.spark);
                };
                match kind {
                    Kind::Aggregate => vec![types[1].clone(), item],
                    Kind::Transform | Kind::Filter => vec![item, DataType::Int32],
                    Kind::ZipWith => match types.get(1).and_then(element) {
                        Some(other) => vec![item, other.clone()],
                        None => {
                            return plan_err!(
                                "{}: the second argument must be an array",
                                self.spark
                            )
                        }
                    },
                    Kind::Sort => vec![item.clone(), item],
                    _ => vec![item],
                }
            }
            _ => return plan_err!("{}: the first argument must be an array", self.spark),
        };
        let fits = match self.kind {
            Kind::Transform | Kind::Filter | Kind::Exists | Kind::Forall => {
                (1..=expected.len()).contains(&names.len())
            }
            _ => names.len() == 2,
        };
        if !fits {
            return plan_err!(
                "{}: the lambda takes {} parameter(s), got ({})",
                self.spark,
                match self.kind {
                    Kind::Aggregate => "2 (acc, x)".to_string(),
                    Kind::Transform | Kind::Filter => "1 or 2 (x, i)".to_string(),
                    Kind::Exists | Kind::Forall => "1".to_string(),
                    Kind::ZipWith | Kind::Sort => "2 (x, y)".to_string(),
                    _ => "2 (k, v)".to_string(),
                },
                names.join(", ")
            );
        }
        Ok(names
            .iter()
            .cloned()
            .zip(expected.iter().cloned())
            .collect())
    }

    /// `body` planned for `params` (cached).
    fn compile(
        &self,
        params: &[(String, DataType)],
        body: &str,
    ) -> Result<(Arc<dyn PhysicalExpr>, DataType)> {
        let mut cache = self
            .compiled
            .lock()
            .map_err(|_| plan_datafusion_err!("{}: poisoned", self.spark))?;
        if let Some((_, _, expr, t)) = cache.iter().find(|(p, b, _, _)| p == params && b == body) {
            return Ok((Arc::clone(expr), t.clone()));
        }
        let schema = Schema::new(
            params
                .iter()
                .map(|(n, t)| Field::new(n, t.clone(), true))
                .collect::<Vec<_>>(),
        );
        let schema = DFSchema::try_from(schema)?;
        let names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
        let context = |e: datafusion::common::DataFusionError| {
            plan_datafusion_err!(
                "{}: the lambda's body '{body}' (parameters {}): {e}",
                self.spark,
                names.join(", ")
            )
        };
        let ctx = planner()?;
        let schema = Arc::new(schema);
        let expr = ctx.parse_sql_expr(body, &schema).map_err(context)?;
        // Spark's implicit types, as the query's own expressions get them (`x * 2` of an
        // `int` is an `int`).
        let expr = super::coercion::spark_expression(expr, &schema).map_err(context)?;
        // Coerced and simplified as a query's expressions are (some functions exist only as
        // rewrites).
        let simplifier =
            ExprSimplifier::new(SimplifyContext::default().with_schema(Arc::clone(&schema)));
        let expr = simplifier
            .coerce(expr, &schema)
            .and_then(|e| simplifier.simplify(e))
            .map_err(context)?;
        let physical = ctx.create_physical_expr(expr, &schema).map_err(context)?;
        let out = physical.data_type(schema.as_arrow()).map_err(context)?;
        cache.push((
            params.to_vec(),
            body.to_string(),
            Arc::clone(&physical),
            out.clone(),
        ));
        Ok((physical, out))
    }

    /// The lambda (parameter names, body) from the literal arguments at the end.
    fn lambda_of<'a>(
        &self,
        literals: &[Option<&'a ScalarValue>],
    ) -> Result<(Vec<String>, &'a str)> {
        let text = |i: usize| super::udf::literal_text(literals.get(i).copied().flatten());
        let n = literals.len();
        let (Some(params), Some(body)) = (
            n.checked_sub(2).and_then(text),
            n.checked_sub(1).and_then(text),
        ) else {
            return plan_err!("{}: the lambda must be written in the call", self.spark);
        };
        Ok((
            params
                .split(',')
                .map(|p| p.trim().to_ascii_lowercase())
                .collect(),
            body,
        ))
    }

    /// The call's lambdas planned for its argument types: the lambda (`aggregate`'s merge) and
    /// `aggregate`'s finishing lambda when there is one.
    fn plan(&self, types: &[DataType], literals: &[Option<&ScalarValue>]) -> Result<Planned> {
        let captured: Vec<(String, DataType)> = match self.captures(types.len()) {
            true => match types.last() {
                Some(DataType::Struct(fields)) => fields
                    .iter()
                    .map(|f| (f.name().clone(), f.data_type().clone()))
                    .collect(),
                _ => return plan_err!("{}: expected the captured columns", self.spark),
            },
            false => Vec::new(),
        };
        let literals = &literals[..literals.len() - usize::from(!captured.is_empty())];
        let with_finish = self.kind == Kind::Aggregate && literals.len() == 6;
        let main = if with_finish {
            &literals[..4]
        } else {
            literals
        };
        let (names, body) = self.lambda_of(main)?;
        let mut params = self.params(&names, types)?;
        params.extend(captured.iter().cloned());
        let (body, out) = self.compile(&params, body)?;
        let finish = match with_finish {
            true => {
                let (names, finish) = self.lambda_of(literals)?;
                let [acc] = names.as_slice() else {
                    return plan_err!(
                        "{}: the finishing lambda takes 1 parameter (acc)",
                        self.spark
                    );
                };
                let mut params = vec![(acc.clone(), types[1].clone())];
                params.extend(captured.iter().cloned());
                let (body, out) = self.compile(&params, finish)?;
                Some(Body { params, body, out })
            }
            false => None,
        };
        Ok(Planned {
            main: Body { params, body, out },
            finish,
        })
    }
}

/// A lambda planned: its parameters, its body, the body's type.
struct Body {
    params: Vec<(String, DataType)>,
    body: Arc<dyn PhysicalExpr>,
    out: DataType,
}

/// A call's lambdas.
struct Planned {
    main: Body,
    finish: Option<Body>,
}

impl ScalarUDFImpl for Lambda {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        let plain = args.len() - usize::from(self.captures(args.len()));
        let lambdas = match self.kind {
            Kind::Aggregate => [4, 6].contains(&plain),
            kind => plain == kind.values() + 2,
        };
        if !lambdas {
            return plan_err!("{}: unexpected arguments {args:?}", self.spark);
        }
        let mut out = args.to_vec();
        if self.kind.on_maps() {
            return match &args[0] {
                DataType::Map(..) => Ok(out),
                other => plan_err!(
                    "{}: the first argument must be a map, got {other}",
                    self.spark
                ),
            };
        }
        if self.kind == Kind::ZipWith {
            out[1] = as_list(&args[1]).ok_or_else(|| {
                plan_datafusion_err!(
                    "{}: the second argument must be an array, got {}",
                    self.spark,
                    args[1]
                )
            })?;
        }
        out[0] = match &args[0] {
            DataType::List(_) | DataType::Null => args[0].clone(),
            DataType::LargeList(f) | DataType::FixedSizeList(f, _) => DataType::List(Arc::clone(f)),
            other => {
                return plan_err!(
                    "{}: the first argument must be an array, got {other}",
                    self.spark
                )
            }
        };
        if out[0].is_null() {
            out[0] = DataType::List(Arc::new(Field::new_list_field(DataType::Null, true)));
        }
        Ok(out)
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        plan_err!("{}: the lambda must be written in the call", self.spark)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let types = super::udf::arg_types(&args);
        let planned = self.plan(&types, args.scalar_arguments)?;
        let out = match (self.kind, planned.finish) {
            (Kind::Transform, _) => {
                DataType::List(Arc::new(Field::new_list_field(planned.main.out, true)))
            }
            (Kind::Filter, _) => types[0].clone(),
            (Kind::Exists | Kind::Forall, _) => DataType::Boolean,
            (Kind::Aggregate, Some(finish)) => finish.out,
            (Kind::Aggregate, None) => types[1].clone(),
            (Kind::ZipWith, _) => {
                DataType::List(Arc::new(Field::new_list_field(planned.main.out, true)))
            }
            (Kind::Sort | Kind::MapFilter, _) => types[0].clone(),
            (Kind::TransformKeys | Kind::TransformValues, _) => {
                let [key, value] = planned.main.params[..2]
                    .iter()
                    .map(|(_, t)| t.clone())
                    .collect::<Vec<_>>()
                    .try_into()
                    .map_err(|_| plan_datafusion_err!("{}: expected (k, v)", self.spark))?;
                match self.kind {
                    Kind::TransformKeys => map_type(planned.main.out, value, &types[0]),
                    _ => map_type(key, planned.main.out, &types[0]),
                }
            }
        };
        Ok(Arc::new(Field::new(self.spark, out, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let literals: Vec<Option<ScalarValue>> = args
            .args
            .iter()
            .map(|a| match a {
                ColumnarValue::Scalar(v) => Some(v.clone()),
                ColumnarValue::Array(_) => None,
            })
            .collect();
        let literals: Vec<Option<&ScalarValue>> = literals.iter().map(Option::as_ref).collect();
        let types: Vec<DataType> = args
            .arg_fields
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        let Planned { main, finish } = self.plan(&types, &literals)?;
        let first = args.args[0].to_array(rows)?;
        let captured: Vec<ArrayRef> = match self.captures(args.args.len()) {
            true => match args.args.last().map(|a| a.to_array(rows)).transpose()? {
                Some(row) => row.as_struct().columns().to_vec(),
                None => Vec::new(),
            },
            false => Vec::new(),
        };
        if self.kind.on_maps() {
            return Ok(ColumnarValue::Array(on_map(
                self.kind,
                first.as_map(),
                &main,
                &captured,
            )?));
        }
        let list = first.as_list::<i32>();
        let out = match self.kind {
            Kind::ZipWith => {
                let other = args.args[1].to_array(rows)?;
                zip_with(list, other.as_list::<i32>(), &main, &captured)?
            }
            Kind::Sort => sort(list, &main, &captured)?,
            Kind::Aggregate => {
                let acc = fold(list, args.args[1].to_array(rows)?, &main, &captured)?;
                match finish {
                    Some(finish) => {
                        let mut columns = vec![acc];
                        columns.extend(captured.iter().cloned());
                        evaluate(&finish, columns)?
                    }
                    None => acc,
                }
            }
            kind => elementwise(self.spark, kind, list, &main, &captured)?,
        };
        Ok(ColumnarValue::Array(with_list_nulls(out, list)?))
    }
}

/// A lambda's body evaluated over columns for its parameters.
fn evaluate(lambda: &Body, columns: Vec<ArrayRef>) -> Result<ArrayRef> {
    let rows = columns.first().map_or(0, |c| c.len());
    let schema = Schema::new(
        lambda
            .params
            .iter()
            .zip(&columns)
            .map(|((n, _), c)| Field::new(n, c.data_type().clone(), true))
            .collect::<Vec<_>>(),
    );
    let batch = RecordBatch::try_new_with_options(
        Arc::new(schema),
        columns,
        &datafusion::arrow::array::RecordBatchOptions::new().with_row_count(Some(rows)),
    )?;
    lambda.body.evaluate(&batch)?.into_array(rows)
}

/// `transform`, `filter`, `exists`, `forall`: the body over every element of the batch at once.
fn elementwise(
    function: &str,
    kind: Kind,
    list: &ListArray,
    lambda: &Body,
    captured: &[ArrayRef],
) -> Result<ArrayRef> {
    let offsets = list.value_offsets();
    let (first, last) = (offsets[0] as usize, offsets[list.len()] as usize);
    let values = list.values().slice(first, last - first);
    let mut columns = vec![values.clone()];
    if lambda.params.len() - captured.len() == 2 {
        let positions: Int32Array = offsets.windows(2).flat_map(|w| 0..(w[1] - w[0])).collect();
        columns.push(Arc::new(positions));
    }
    if !captured.is_empty() {
        // Each element's row.
        let rows: UInt32Array = offsets
            .windows(2)
            .enumerate()
            .flat_map(|(r, w)| std::iter::repeat_n(r as u32, (w[1] - w[0]) as usize))
            .collect();
        for column in captured {
            columns.push(take(column, &rows, None)?);
        }
    }
    let result = evaluate(lambda, columns)?;
    let rebased = OffsetBuffer::new(
        offsets
            .iter()
            .map(|o| o - offsets[0])
            .collect::<Vec<_>>()
            .into(),
    );
    match kind {
        Kind::Transform => {
            let field = Arc::new(Field::new_list_field(result.data_type().clone(), true));
            Ok(Arc::new(ListArray::try_new(field, rebased, result, None)?))
        }
        Kind::Filter => {
            let keep = predicate(&result, function)?;
            let keep: BooleanArray = keep.iter().map(|v| Some(v == Some(true))).collect();
            let mut kept = Vec::with_capacity(list.len() + 1);
            kept.push(0i32);
            for w in rebased.windows(2) {
                let n = (w[0] as usize..w[1] as usize)
                    .filter(|&i| keep.value(i))
                    .count();
                kept.push(kept[kept.len() - 1] + n as i32);
            }
            let DataType::List(field) = list.data_type() else {
                return exec_err!("filter: expected an array");
            };
            let values = filter(&values, &keep)?;
            Ok(Arc::new(ListArray::try_new(
                Arc::clone(field),
                OffsetBuffer::new(kept.into()),
                values,
                None,
            )?))
        }
        Kind::Exists | Kind::Forall => {
            let found = predicate(&result, function)?;
            // exists: true if any is true, else NULL if any is NULL; forall: false if any is
            // false, else NULL if any is NULL.
            let decisive = kind == Kind::Exists;
            let out: BooleanArray = rebased
                .windows(2)
                .map(|w| {
                    let values = (w[0] as usize..w[1] as usize)
                        .map(|i| found.is_valid(i).then(|| found.value(i)));
                    let mut unknown = false;
                    for v in values {
                        match v {
                            Some(b) if b == decisive => return Some(decisive),
                            None => unknown = true,
                            Some(_) => {}
                        }
                    }
                    (!unknown).then_some(!decisive)
                })
                .collect();
            Ok(Arc::new(out))
        }
        _ => exec_err!("{function} is not evaluated element by element"),
    }
}

fn predicate(result: &ArrayRef, function: &str) -> Result<BooleanArray> {
    match result.data_type() {
        DataType::Boolean => Ok(result.as_boolean().clone()),
        DataType::Null => Ok(BooleanArray::new_null(result.len())),
        other => exec_err!("{function}: the lambda must return a boolean, got {other}"),
    }
}

/// `aggregate`'s fold: element `k` of every array still that long merged into its row's
/// accumulator, for k = 0, 1, …
fn fold(list: &ListArray, zero: ArrayRef, merge: &Body, captured: &[ArrayRef]) -> Result<ArrayRef> {
    let acc_type = zero.data_type().clone();
    let offsets = list.value_offsets();
    let lengths: Vec<usize> = offsets.windows(2).map(|w| (w[1] - w[0]) as usize).collect();
    let longest = lengths.iter().copied().max().unwrap_or(0);
    let mut acc = zero;
    for k in 0..longest {
        let rows: Vec<u32> = (0..list.len())
            .filter(|&r| lengths[r] > k)
            .map(|r| r as u32)
            .collect();
        let rows = UInt32Array::from(rows);
        let items = UInt32Array::from_iter_values(
            rows.values()
                .iter()
                .map(|&r| offsets[r as usize] as u32 + k as u32),
        );
        let mut columns = vec![take(&acc, &rows, None)?, take(list.values(), &items, None)?];
        for column in captured {
            columns.push(take(column, &rows, None)?);
        }
        let merged = evaluate(merge, columns)?;
        let merged = cast(&merged, &acc_type)?;
        // Rows that had an element k take the merged value; the others keep theirs.
        let mut next = Vec::with_capacity(list.len());
        let mut j = 0;
        for r in 0..list.len() {
            if j < rows.len() && rows.value(j) as usize == r {
                next.push((1, j));
                j += 1;
            } else {
                next.push((0, r));
            }
        }
        acc = interleave(&[acc.as_ref(), merged.as_ref()], &next)?;
    }
    Ok(acc)
}

/// A list type (NULL as a list of NULLs).
fn as_list(t: &DataType) -> Option<DataType> {
    match t {
        DataType::List(_) => Some(t.clone()),
        DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            Some(DataType::List(Arc::clone(f)))
        }
        DataType::Null => Some(DataType::List(Arc::new(Field::new_list_field(
            DataType::Null,
            true,
        )))),
        _ => None,
    }
}

/// A map type like `like` with other key and value types.
fn map_type(key: DataType, value: DataType, like: &DataType) -> DataType {
    let (entries, keys, values) = match like {
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => (
                entries.name().clone(),
                kv[0].name().clone(),
                kv[1].name().clone(),
            ),
            _ => ("entries".into(), "key".into(), "value".into()),
        },
        _ => ("entries".into(), "key".into(), "value".into()),
    };
    let fields = vec![
        Field::new(keys, key, false),
        Field::new(values, value, true),
    ];
    DataType::Map(
        Arc::new(Field::new(entries, DataType::Struct(fields.into()), false)),
        false,
    )
}

/// The captured columns taken for each of `rows` (an index per value).
fn captured_for(captured: &[ArrayRef], rows: &UInt32Array) -> Result<Vec<ArrayRef>> {
    captured.iter().map(|c| Ok(take(c, rows, None)?)).collect()
}

/// The row of each value of a list or map with these offsets.
fn value_rows(offsets: &[i32]) -> UInt32Array {
    offsets
        .windows(2)
        .enumerate()
        .flat_map(|(r, w)| std::iter::repeat_n(r as u32, (w[1] - w[0]) as usize))
        .collect()
}

/// `zip_with(a, b, (x, y) -> f)`: the shorter array padded with NULLs; NULL when either is.
fn zip_with(
    a: &ListArray,
    b: &ListArray,
    lambda: &Body,
    captured: &[ArrayRef],
) -> Result<ArrayRef> {
    let (mut left, mut right, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    let mut offsets = vec![0i32];
    for r in 0..a.len() {
        if a.is_valid(r) && b.is_valid(r) {
            let (a0, b0) = (a.value_offsets()[r], b.value_offsets()[r]);
            let (na, nb) = (a.value_length(r), b.value_length(r));
            for i in 0..na.max(nb) {
                left.push((i < na).then(|| (a0 + i) as u32));
                right.push((i < nb).then(|| (b0 + i) as u32));
                rows.push(r as u32);
            }
        }
        offsets.push(left.len() as i32);
    }
    let rows = UInt32Array::from(rows);
    let mut columns = vec![
        take(a.values(), &UInt32Array::from(left), None)?,
        take(b.values(), &UInt32Array::from(right), None)?,
    ];
    columns.extend(captured_for(captured, &rows)?);
    let result = evaluate(lambda, columns)?;
    let field = Arc::new(Field::new_list_field(result.data_type().clone(), true));
    let nulls: Vec<bool> = (0..a.len())
        .map(|r| a.is_valid(r) && b.is_valid(r))
        .collect();
    Ok(Arc::new(ListArray::try_new(
        field,
        OffsetBuffer::new(offsets.into()),
        result,
        Some(nulls.into()),
    )?))
}

/// The most comparator calls `array_sort` makes for a batch.
const MAX_COMPARISONS: usize = 50_000_000;

/// `array_sort(arr, (a, b) -> c)`: each array sorted (stably) by the comparator's sign, the
/// comparator evaluated once for every pair of a row's elements.
fn sort(list: &ListArray, lambda: &Body, captured: &[ArrayRef]) -> Result<ArrayRef> {
    let offsets = list.value_offsets();
    let pairs: usize = offsets
        .windows(2)
        .map(|w| ((w[1] - w[0]) as usize).pow(2))
        .sum();
    if pairs > MAX_COMPARISONS {
        return exec_err!(
            "array_sort: the arrays of a batch are too long for a comparator ({pairs} pairs, at most {MAX_COMPARISONS})"
        );
    }
    let (mut left, mut right, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..list.len() {
        let (from, to) = (offsets[r] as u32, offsets[r + 1] as u32);
        for i in from..to {
            for j in from..to {
                left.push(i);
                right.push(j);
                rows.push(r as u32);
            }
        }
    }
    let mut columns = vec![
        take(list.values(), &UInt32Array::from(left), None)?,
        take(list.values(), &UInt32Array::from(right), None)?,
    ];
    columns.extend(captured_for(captured, &UInt32Array::from(rows))?);
    let order = cast(&evaluate(lambda, columns)?, &DataType::Int64)?;
    let order = order.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
    if order.null_count() > 0 {
        return exec_err!("array_sort: the comparator returned NULL");
    }
    let mut sorted = Vec::with_capacity(list.values().len());
    let mut base = 0usize;
    for r in 0..list.len() {
        let (from, to) = (offsets[r] as usize, offsets[r + 1] as usize);
        let n = to - from;
        let mut items: Vec<usize> = (0..n).collect();
        items.sort_by(|&i, &j| order.value(base + i * n + j).cmp(&0));
        sorted.extend(items.into_iter().map(|i| (from + i) as u32));
        base += n * n;
    }
    let first = offsets[0] as usize;
    let values = take(list.values(), &UInt32Array::from(sorted), None)?;
    let rebased: Vec<i32> = offsets.iter().map(|o| o - first as i32).collect();
    let DataType::List(field) = list.data_type() else {
        return exec_err!("array_sort: expected an array");
    };
    Ok(Arc::new(ListArray::try_new(
        Arc::clone(field),
        OffsetBuffer::new(rebased.into()),
        values,
        list.nulls().cloned(),
    )?))
}

/// `map_filter`, `transform_keys`, `transform_values` with `(k, v) -> …`.
fn on_map(kind: Kind, map: &MapArray, lambda: &Body, captured: &[ArrayRef]) -> Result<ArrayRef> {
    let offsets = map.value_offsets();
    let (first, last) = (offsets[0] as usize, offsets[map.len()] as usize);
    let keys = map.keys().slice(first, last - first);
    let values = map.values().slice(first, last - first);
    let mut columns = vec![keys.clone(), values.clone()];
    columns.extend(captured_for(captured, &value_rows(offsets))?);
    let result = evaluate(lambda, columns)?;
    let rebased: Vec<i32> = offsets.iter().map(|o| o - first as i32).collect();
    let (keys, values, rebased) = match kind {
        Kind::MapFilter => {
            let keep = predicate(&result, "map_filter")?;
            let keep: BooleanArray = keep.iter().map(|v| Some(v == Some(true))).collect();
            let mut kept = vec![0i32];
            for w in rebased.windows(2) {
                let n = (w[0] as usize..w[1] as usize)
                    .filter(|&i| keep.value(i))
                    .count();
                kept.push(kept[kept.len() - 1] + n as i32);
            }
            (filter(&keys, &keep)?, filter(&values, &keep)?, kept)
        }
        Kind::TransformKeys => {
            if result.null_count() > 0 {
                return exec_err!("transform_keys: a key is NULL (map keys cannot be NULL)");
            }
            (result, values, rebased)
        }
        _ => (keys, result, rebased),
    };
    let DataType::Map(entries, _) = map_type(
        keys.data_type().clone(),
        values.data_type().clone(),
        map.data_type(),
    ) else {
        return exec_err!("expected a map type");
    };
    let DataType::Struct(fields) = entries.data_type() else {
        return exec_err!("expected map entries");
    };
    let entries_array = StructArray::try_new(fields.clone(), vec![keys, values], None)?;
    Ok(Arc::new(MapArray::try_new(
        entries,
        OffsetBuffer::new(rebased.into()),
        entries_array,
        map.nulls().cloned(),
        false,
    )?))
}

/// `out` NULL where the array argument is NULL.
fn with_list_nulls(out: ArrayRef, list: &ListArray) -> Result<ArrayRef> {
    match list.nulls().filter(|n| n.null_count() > 0) {
        Some(nulls) => {
            let null =
                datafusion::arrow::compute::not(&BooleanArray::new(nulls.inner().clone(), None))?;
            Ok(datafusion::arrow::compute::nullif(&out, &null)?)
        }
        None => Ok(out),
    }
}
