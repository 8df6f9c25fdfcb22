//! Spark functions that planning rewrites into DataFusion expressions (the rewrite happens when
//! DataFusion simplifies expressions, before execution; the UDF itself is never evaluated).

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion::prelude::{cast, lit, Expr};

use super::convert::is_string;

/// The function SQL's `a / b` is planned as in SparkSQL nodes (and `try_divide`).
pub const DIVIDE: &str = "spark_divide";
/// The function Spark's `a div b` is planned as.
pub const INT_DIVIDE: &str = "spark_int_divide";

/// The functions of this module.
pub fn functions() -> Vec<ScalarUDF> {
    let parts = [
        ("year", "year"),
        ("month", "month"),
        ("day", "day"),
        ("dayofmonth", "day"),
        ("quarter", "quarter"),
        ("weekofyear", "week"),
        ("dayofyear", "doy"),
    ];
    let mut out: Vec<ScalarUDF> = parts
        .into_iter()
        .map(|(name, part)| Rewrite::udf(name, Kind::DatePart(part), 1, 1))
        .collect();
    out.extend([
        Rewrite::udf("isnull", Kind::IsNull, 1, 1),
        Rewrite::udf("isnotnull", Kind::IsNotNull, 1, 1),
        Rewrite::udf("e", Kind::E, 0, 0),
        Rewrite::udf("rand", Kind::Rand, 0, 1),
        Rewrite::udf("random", Kind::Rand, 0, 1),
        Rewrite::udf("sort_array", Kind::SortArray, 1, 2),
        Rewrite::udf("element_at", Kind::ElementAt, 2, 2),
        Rewrite::udf("try_element_at", Kind::ElementAt, 2, 2),
        Rewrite::udf("array_sort", Kind::ArraySort, 1, 1),
        Rewrite::udf(DIVIDE, Kind::Divide, 2, 2),
        Rewrite::udf(INT_DIVIDE, Kind::IntDivide, 2, 2),
    ]);
    out
}

#[derive(Debug, PartialEq, Eq, Hash)]
enum Kind {
    /// `date_part(<part>, arg)` as an int.
    DatePart(&'static str),
    /// `arg IS NULL`.
    IsNull,
    /// `arg IS NOT NULL`.
    IsNotNull,
    /// Euler's number.
    E,
    /// `random()`: uniform in [0, 1). Spark's seeded `rand(seed)` cannot be reproduced (its
    /// values depend on Spark's generator and partitioning), so a seed is refused.
    Rand,
    /// `array_sort(arr, 'ASC', 'NULLS FIRST')`, or `('DESC', 'NULLS LAST')` for
    /// `sort_array(arr, false)` — Spark puts NULLs first ascending, last descending.
    SortArray,
    /// `array_sort(arr)` without a comparator: ascending, NULLs last.
    ArraySort,
    /// `array_element(arr, i)` (1-based, negative from the end, NULL out of range) for an
    /// array; `array_element(map_extract(m, k), 1)` (NULL when the key is missing) for a map.
    /// Spark refuses index 0: a literal 0 is refused when planning.
    ElementAt,
    /// Spark's `a / b`: a double, NULL when `b` is 0 — `CAST(a AS DOUBLE) / NULLIF(CAST(b AS
    /// DOUBLE), 0)`; a decimal when neither side is floating point and one is a decimal
    /// ([`super::decimal_divide`]).
    Divide,
    /// Spark's `a div b`: a `bigint`, the quotient truncated toward zero, NULL when `b` is 0 —
    /// integers divided as `bigint`s, other numbers as [`Kind::Divide`] does, then truncated.
    IntDivide,
}

/// Are both operands integers (or NULL), divided as `bigint`s by `div`?
fn integral(l: &DataType, r: &DataType) -> bool {
    [l, r].iter().all(|t| t.is_integer() || t.is_null())
}

/// The types `spark_divide` casts its arguments to, and its result type.
fn division_types(l: &DataType, r: &DataType) -> Result<(DataType, DataType, DataType)> {
    use super::decimal_divide;
    let exact =
        |t: &DataType| t.is_integer() || matches!(t, DataType::Decimal128(..) | DataType::Null);
    let decimal = matches!(l, DataType::Decimal128(..)) || matches!(r, DataType::Decimal128(..));
    if decimal && exact(l) && exact(r) {
        if let (Some(lt), Some(rt)) = (decimal_divide::as_decimal(l), decimal_divide::as_decimal(r))
        {
            let to = decimal_divide::quotient_type(lt, rt);
            return Ok((
                DataType::Decimal128(lt.0, lt.1),
                DataType::Decimal128(rt.0, rt.1),
                to,
            ));
        }
    }
    for t in [l, r] {
        if !(t.is_numeric() || t.is_null() || is_string(t)) {
            return plan_err!("/: cannot divide {l} by {r}");
        }
    }
    Ok((DataType::Float64, DataType::Float64, DataType::Float64))
}

/// The element type of a list, or the value type of a map.
fn element_type(t: &DataType) -> Option<DataType> {
    match t {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            Some(f.data_type().clone())
        }
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(fields) => fields.get(1).map(|f| f.data_type().clone()),
            _ => None,
        },
        _ => None,
    }
}

/// A Spark function that planning rewrites into DataFusion expressions.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Rewrite {
    name: &'static str,
    kind: Kind,
    args: (usize, usize),
    signature: Signature,
}

impl Rewrite {
    fn udf(name: &'static str, kind: Kind, min: usize, max: usize) -> ScalarUDF {
        let volatility = match kind {
            Kind::Rand => Volatility::Volatile,
            _ => Volatility::Immutable,
        };
        ScalarUDF::new_from_impl(Self {
            name,
            kind,
            args: (min, max),
            signature: Signature::user_defined(volatility),
        })
    }
}

impl ScalarUDFImpl for Rewrite {
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
        let (min, max) = self.args;
        if !(min..=max).contains(&args.len()) {
            return match min == max {
                true => plan_err!("{} takes {min} argument(s), got {}", self.name, args.len()),
                false => plan_err!(
                    "{} takes {min} to {max} arguments, got {}",
                    self.name,
                    args.len()
                ),
            };
        }
        match (&self.kind, args) {
            (Kind::SortArray | Kind::ArraySort, [t, ..]) if !matches!(t, DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) | DataType::Null) => {
                plan_err!("sort_array: the argument must be an array, got {t}")
            }
            (Kind::SortArray, [_, asc]) if !matches!(asc, DataType::Boolean) => {
                plan_err!("sort_array: the sort order must be a boolean, got {asc}")
            }
            (Kind::ElementAt, [t, i]) => match (t, element_type(t)) {
                (DataType::Map(..), Some(_)) => Ok(args.to_vec()),
                (_, Some(_)) if i.is_integer() || i.is_null() => Ok(vec![t.clone(), DataType::Int64]),
                (_, Some(_)) => plan_err!("element_at: the index must be an integer, got {i}"),
                (other, None) => plan_err!("element_at: the first argument must be an array or a map, got {other}"),
            },
            (Kind::Divide, [l, r]) => division_types(l, r).map(|(l, r, _)| vec![l, r]),
            (Kind::IntDivide, [l, r]) if integral(l, r) => Ok(vec![DataType::Int64, DataType::Int64]),
            (Kind::IntDivide, [l, r]) => division_types(l, r)
                .map(|(l, r, _)| vec![l, r])
                .or_else(|_| plan_err!("div: cannot divide {l} by {r}")),
            (Kind::Rand, [_]) => plan_err!(
                "{}: a seed is not supported (Spark's seeded values cannot be reproduced); call {}() without one",
                self.name,
                self.name
            ),
            _ => Ok(args.to_vec()),
        }
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            Kind::DatePart(_) => DataType::Int32,
            Kind::IsNull | Kind::IsNotNull => DataType::Boolean,
            Kind::E | Kind::Rand => DataType::Float64,
            Kind::SortArray | Kind::ArraySort => match args.first() {
                Some(t) => t.clone(),
                None => return plan_err!("sort_array needs an argument"),
            },
            Kind::ElementAt => match args.first().and_then(element_type) {
                Some(t) => t,
                None => return plan_err!("element_at needs an array or a map"),
            },
            Kind::Divide => match args {
                [l, r] => division_types(l, r)?.2,
                _ => return plan_err!("/ takes two arguments"),
            },
            Kind::IntDivide => DataType::Int64,
        })
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let types = super::udf::arg_types(&args);
        let nullable = !matches!(self.kind, Kind::IsNull | Kind::IsNotNull | Kind::E);
        Ok(Arc::new(Field::new(
            self.name,
            self.return_type(&types)?,
            nullable,
        )))
    }

    fn invoke_with_args(&self, _args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        exec_err!(
            "{} is rewritten when the query is planned and cannot be evaluated directly",
            self.name
        )
    }

    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        use datafusion::functions::datetime::expr_fn as dt;
        let mut rest = args.into_iter();
        let (first, second) = (rest.next(), rest.next());
        Ok(ExprSimplifyResult::Simplified(match (&self.kind, first) {
            (Kind::E, _) => lit(std::f64::consts::E),
            (Kind::Rand, _) => datafusion::functions::math::expr_fn::random(),
            (_, None) => return plan_err!("{} needs an argument", self.name),
            (Kind::DatePart(part), Some(value)) => {
                // Spark reads text as a date.
                let value = match info.get_data_type(&value)? {
                    t if is_string(&t) || t.is_null() => {
                        super::datetime::to_date_udf().call(vec![value])
                    }
                    _ => value,
                };
                cast(dt::date_part(lit(*part), value), DataType::Int32)
            }
            (Kind::Divide | Kind::IntDivide, Some(dividend)) => {
                let Some(divisor) = second else {
                    return plan_err!("{} takes two arguments", self.name);
                };
                let (l, r) = (
                    info.get_data_type(&dividend)?,
                    info.get_data_type(&divisor)?,
                );
                let (lt, rt, to) = match self.kind {
                    Kind::IntDivide if integral(&l, &r) => {
                        (DataType::Int64, DataType::Int64, DataType::Int64)
                    }
                    _ => division_types(&l, &r)?,
                };
                if matches!(to, DataType::Decimal128(..)) {
                    let udf = Arc::new(match self.kind {
                        Kind::IntDivide => super::decimal_divide::integral_function(),
                        _ => super::decimal_divide::function(),
                    });
                    return Ok(ExprSimplifyResult::Simplified(Expr::ScalarFunction(
                        datafusion::logical_expr::expr::ScalarFunction::new_udf(
                            udf,
                            vec![cast(dividend, lt), cast(divisor, rt)],
                        ),
                    )));
                }
                let zero = lit(ScalarValue::new_zero(&rt)?);
                let mut divisor = cast(divisor, rt.clone());
                if rt.is_floating() {
                    // -0.0 is a zero too (Arrow's comparison tells it from 0.0).
                    let normalize = Arc::new(super::float_keys::udf());
                    divisor = Expr::ScalarFunction(
                        datafusion::logical_expr::expr::ScalarFunction::new_udf(
                            normalize,
                            vec![divisor],
                        ),
                    );
                }
                let divisor = datafusion::functions::core::expr_fn::nullif(divisor, zero);
                let quotient = cast(dividend, lt) / divisor;
                match self.kind {
                    Kind::IntDivide => cast(quotient, DataType::Int64),
                    _ => quotient,
                }
            }
            (Kind::IsNull, Some(value)) => value.is_null(),
            (Kind::IsNotNull, Some(value)) => value.is_not_null(),
            (Kind::ArraySort, Some(value)) => datafusion::functions_nested::expr_fn::array_sort(
                value,
                lit("ASC"),
                lit("NULLS LAST"),
            ),
            (Kind::SortArray, Some(value)) => {
                let ascending = match second {
                    None => true,
                    Some(Expr::Literal(ScalarValue::Boolean(Some(asc)), _)) => asc,
                    Some(_) => {
                        return plan_err!("sort_array: the sort order must be a boolean literal")
                    }
                };
                let (order, nulls) = match ascending {
                    true => ("ASC", "NULLS FIRST"),
                    false => ("DESC", "NULLS LAST"),
                };
                datafusion::functions_nested::expr_fn::array_sort(value, lit(order), lit(nulls))
            }
            (Kind::ElementAt, Some(value)) => {
                use datafusion::functions_nested::expr_fn::{array_element, map_extract};
                let Some(index) = second else {
                    return plan_err!("element_at needs an index");
                };
                if matches!(info.get_data_type(&value)?, DataType::Map(..)) {
                    array_element(map_extract(value, index), lit(1i64))
                } else {
                    if let Expr::Literal(v, _) = &index {
                        if !v.is_null()
                            && v.cast_to(&DataType::Int64)? == ScalarValue::Int64(Some(0))
                        {
                            return plan_err!("element_at: SQL array indices start at 1");
                        }
                    }
                    array_element(value, index)
                }
            }
        }))
    }
}
