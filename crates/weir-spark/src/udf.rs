//! [`SparkFn`], the shape of most Spark functions implemented here: argument types checked and
//! coerced by a plain function, literal arguments checked at planning, and evaluation over whole
//! arrays (constant arguments are evaluated once). Errors name the function.

use std::any::Any;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{plan_err, DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion::prelude::Expr;

/// Checks the argument types and returns the types to cast them to; the message names no
/// function (the caller adds it).
pub type Coerce = fn(&[DataType]) -> std::result::Result<Vec<DataType>, String>;
/// The result type for the coerced argument types.
pub type Returns = fn(&[DataType]) -> std::result::Result<DataType, String>;
/// Checks the arguments that are literals (others are `None`) when the query is planned.
pub type CheckLiterals = fn(&[Option<&ScalarValue>]) -> std::result::Result<(), String>;
/// Evaluates the function over arrays of equal length (`rows`), returning `return_type`.
pub type Eval = fn(&[ArrayRef], usize, &DataType) -> Result<ArrayRef>;
/// The result type for the coerced argument types and the literal arguments (others `None`).
pub type ReturnsFor =
    fn(&[DataType], &[Option<&ScalarValue>]) -> std::result::Result<DataType, String>;
/// Rewrites a call when the query is planned (arguments unchanged when it does not).
pub type Simplify = fn(Vec<Expr>, &SimplifyContext) -> Result<ExprSimplifyResult>;

/// A scalar function evaluated over arrays.
pub struct SparkFn {
    name: &'static str,
    signature: Signature,
    coerce: Coerce,
    returns: Returns,
    returns_for: Option<ReturnsFor>,
    check: Option<CheckLiterals>,
    simplify: Option<Simplify>,
    eval: Eval,
}

impl SparkFn {
    pub fn new(name: &'static str, coerce: Coerce, returns: Returns, eval: Eval) -> Self {
        Self {
            name,
            signature: Signature::user_defined(Volatility::Immutable),
            coerce,
            returns,
            returns_for: None,
            check: None,
            simplify: None,
            eval,
        }
    }

    /// Literal arguments are checked when the query is planned.
    pub fn check(mut self, check: CheckLiterals) -> Self {
        self.check = Some(check);
        self
    }

    /// The result type depends on literal arguments (a type name, say): `returns_for` decides
    /// it when the query is planned.
    pub fn returns_for(mut self, returns_for: ReturnsFor) -> Self {
        self.returns_for = Some(returns_for);
        self
    }

    /// Calls are rewritten when the query is planned, where `simplify` can.
    pub fn simplify(mut self, simplify: Simplify) -> Self {
        self.simplify = Some(simplify);
        self
    }

    /// Each call may give another result (ids, random values): never evaluated once for all.
    pub fn volatile(mut self) -> Self {
        self.signature = Signature::user_defined(Volatility::Volatile);
        self
    }

    /// The function as a DataFusion UDF.
    pub fn udf(self) -> ScalarUDF {
        ScalarUDF::new_from_impl(self)
    }
}

impl std::fmt::Debug for SparkFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SparkFn").field("name", &self.name).finish()
    }
}

impl PartialEq for SparkFn {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for SparkFn {}

impl Hash for SparkFn {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for SparkFn {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        (self.coerce)(args).or_else(|e| plan_err!("{}: {e}", self.name))
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        (self.returns)(args).or_else(|e| plan_err!("{}: {e}", self.name))
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        if let Some(check) = self.check {
            check(args.scalar_arguments).or_else(|e| plan_err!("{}: {e}", self.name))?;
        }
        let types = arg_types(&args);
        let returns = match self.returns_for {
            Some(returns_for) => returns_for(&types, args.scalar_arguments)
                .or_else(|e| plan_err!("{}: {e}", self.name))?,
            None => self.return_type(&types)?,
        };
        Ok(Arc::new(Field::new(self.name, returns, true)))
    }

    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        match self.simplify {
            Some(simplify) => simplify(args, info),
            None => Ok(ExprSimplifyResult::Original(args)),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let constant = !args.args.is_empty()
            && args
                .args
                .iter()
                .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if constant { 1 } else { args.number_rows };
        let arrays = args
            .args
            .iter()
            .map(|a| a.to_array(rows))
            .collect::<Result<Vec<_>>>()?;
        let out = (self.eval)(&arrays, rows, args.return_field.data_type())
            .map_err(|e| named(self.name, e))?;
        if out.len() != rows {
            return datafusion::common::internal_err!(
                "{} returned {} rows for {rows}",
                self.name,
                out.len()
            );
        }
        Ok(match constant {
            true => ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?),
            false => ColumnarValue::Array(out),
        })
    }
}

/// Prefixes an error from a kernel with the function's name, unless it already names it.
fn named(name: &str, e: DataFusionError) -> DataFusionError {
    match e {
        DataFusionError::Execution(m) if m.starts_with(name) => DataFusionError::Execution(m),
        DataFusionError::Execution(m) => DataFusionError::Execution(format!("{name}: {m}")),
        other => other.context(name),
    }
}

/// The types of a call's arguments.
pub fn arg_types(args: &ReturnFieldArgs) -> Vec<DataType> {
    args.arg_fields
        .iter()
        .map(|f| f.data_type().clone())
        .collect()
}

/// Checks the number of arguments.
pub fn arity(args: &[DataType], min: usize, max: usize) -> std::result::Result<(), String> {
    if (min..=max).contains(&args.len()) {
        Ok(())
    } else if min == max {
        Err(format!("takes {min} argument(s), got {}", args.len()))
    } else {
        Err(format!(
            "takes {min} to {max} arguments, got {}",
            args.len()
        ))
    }
}

/// Text (or NULL) coerced to `Utf8`.
pub fn text(t: &DataType, what: &str) -> std::result::Result<DataType, String> {
    match t {
        t if super::convert::is_string(t) || t.is_null() => Ok(DataType::Utf8),
        other => Err(format!("{what} must be a string, got {other}")),
    }
}

/// An integer of any width (kept, converted by the function as Spark narrows it), NULL (as an
/// `int`) or text Spark would cast (as `Utf8`).
pub fn int(t: &DataType, what: &str) -> std::result::Result<DataType, String> {
    match t {
        t if t.is_integer() => Ok(t.clone()),
        DataType::Null => Ok(DataType::Int32),
        t if super::convert::is_string(t) => Ok(DataType::Utf8),
        other => Err(format!("{what} must be an integer, got {other}")),
    }
}

/// A date-like argument (text, date, timestamp): kept as it is (NULL becomes a date).
pub fn date_like(t: &DataType, what: &str) -> std::result::Result<DataType, String> {
    match t {
        DataType::Null => Ok(DataType::Date32),
        t if super::convert::is_string(t) => Ok(DataType::Utf8),
        t if super::convert::is_date_like(t) => Ok(t.clone()),
        other => Err(format!(
            "{what} must be a date, a timestamp or a string, got {other}"
        )),
    }
}

/// The text of a literal argument, if it is a non-null string literal.
pub fn literal_text(value: Option<&ScalarValue>) -> Option<&str> {
    match value? {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => Some(s.as_str()),
        _ => None,
    }
}
