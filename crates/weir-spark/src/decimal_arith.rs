//! Decimal `+`, `-` and `*` without a checked 128-bit multiplication per value.
//!
//! Arrow computes `decimal128 op decimal128` with `i128::checked_mul` on every value (also to
//! rescale an operand by 10^k before adding), which compiles to a call into the compiler's
//! runtime (`__muloti4`) instead of one instruction — in TPC-H Q1 the products
//! `price * (1 - discount) * (1 + tax)` cost more than reading the columns. Decimal values
//! rarely need more than 64 bits, and products and sums of values that fit in an `i64` always
//! fit in an `i128`: [`rule`] plans those operators as [`DecimalArith`], which checks once per
//! batch that every value fits in 64 bits and then computes the column with plain widening
//! multiplications (no check per value), falling back to checked arithmetic per value when
//! some value is wider. Results and result types (DataFusion's own coercion rules) are Arrow's;
//! a result that does not fit its type (128 bits, or the result's precision) is NULL, as in
//! Spark's non-ANSI mode (Glue's), where Arrow fails the query. Operands whose values all fit
//! in 32 bits take vectorised 64-bit arithmetic ([`narrow`]).

mod narrow;

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{new_null_array, Array, AsArray, Decimal128Array};
use datafusion::arrow::buffer::{NullBuffer, ScalarBuffer};
use datafusion::arrow::datatypes::{DataType, Decimal128Type};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::type_coercion::binary::BinaryTypeCoercer;
use datafusion::logical_expr::{
    BinaryExpr, ColumnarValue, ExprSchemable, LogicalPlan, Operator, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Volatility,
};
use datafusion::optimizer::{ApplyOrder, OptimizerConfig, OptimizerRule};
use datafusion::prelude::Expr;

/// The optimizer rule that plans decimal `+`, `-` and `*` as [`DecimalArith`].
pub fn rule() -> Arc<dyn OptimizerRule + Send + Sync> {
    Arc::new(DecimalArithRule)
}

#[derive(Debug)]
struct DecimalArithRule;

impl OptimizerRule for DecimalArithRule {
    fn name(&self) -> &str {
        "weir_decimal_arithmetic"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::BottomUp)
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        let input_schema = match &plan {
            LogicalPlan::Projection(_) | LogicalPlan::Filter(_) | LogicalPlan::Aggregate(_) => {
                match plan.inputs().as_slice() {
                    [input] => Arc::clone(input.schema()),
                    _ => return Ok(Transformed::no(plan)),
                }
            }
            _ => return Ok(Transformed::no(plan)),
        };
        let names = NamePreserver::new(&plan);
        plan.map_expressions(|expr| {
            let name = names.save(&expr);
            let rewritten = expr.transform_up(|e| rewrite_expr(e, &input_schema))?;
            Ok(Transformed::new_transformed(
                name.restore(rewritten.data),
                rewritten.transformed,
            ))
        })
    }
}

/// `a op b` on two `decimal128`s as a call of [`DecimalArith`]; anything else unchanged (also
/// when its types cannot be told, e.g. outer references of a subquery).
fn rewrite_expr(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = &expr else {
        return Ok(Transformed::no(expr));
    };
    let Some(kind) = Kind::of(*op) else {
        return Ok(Transformed::no(expr));
    };
    let (Ok(l), Ok(r)) = (left.get_type(schema), right.get_type(schema)) else {
        return Ok(Transformed::no(expr));
    };
    let (DataType::Decimal128(_, s1), DataType::Decimal128(_, s2)) = (&l, &r) else {
        return Ok(Transformed::no(expr));
    };
    let Ok(DataType::Decimal128(precision, scale)) =
        BinaryTypeCoercer::new(&l, op, &r).get_result_type()
    else {
        return Ok(Transformed::no(expr));
    };
    // Add and subtract rescale both operands to the result's scale first.
    let (l_mul, r_mul) = match kind {
        Kind::Mul => (1, 1),
        Kind::Add | Kind::Sub => match (pow10(scale - s1), pow10(scale - s2)) {
            (Some(l), Some(r)) => (l, r),
            _ => return Ok(Transformed::no(expr)),
        },
    };
    let udf = ScalarUDF::new_from_impl(DecimalArith {
        kind,
        l_mul,
        r_mul,
        precision,
        scale,
        limit: 10u128.pow(u32::from(precision)),
        signature: Signature::any(2, Volatility::Immutable),
    });
    let Expr::BinaryExpr(BinaryExpr { left, right, .. }) = expr else {
        unreachable!("matched above");
    };
    Ok(Transformed::yes(Expr::ScalarFunction(
        ScalarFunction::new_udf(Arc::new(udf), vec![*left, *right]),
    )))
}

/// The names of the operators in plans: `+`, `-`, `*`. Computing one never fails (a result
/// that overflows is NULL).
pub const NAMES: [&str; 3] = ["decimal_add", "decimal_sub", "decimal_mul"];

/// 10^k for a scale difference `k` in 0..=38.
fn pow10(k: i8) -> Option<i128> {
    u32::try_from(k).ok().and_then(|k| 10i128.checked_pow(k))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Add,
    Sub,
    Mul,
}

impl Kind {
    fn of(op: Operator) -> Option<Self> {
        match op {
            Operator::Plus => Some(Kind::Add),
            Operator::Minus => Some(Kind::Sub),
            Operator::Multiply => Some(Kind::Mul),
            _ => None,
        }
    }
}

/// `a * b` in one widening multiplication when both fit in 64 bits; `None` on overflow.
#[inline(always)]
fn mul(a: i128, b: i128) -> Option<i128> {
    match (i64::try_from(a), i64::try_from(b)) {
        (Ok(a), Ok(b)) => Some(i128::from(a) * i128::from(b)),
        _ => a.checked_mul(b),
    }
}

/// A value known to fit in 64 bits, as an `i128` the compiler multiplies in one instruction.
#[inline(always)]
fn wide(a: i128) -> i128 {
    i128::from(a as i64)
}

/// One operand of an operator: a column's values or a constant.
#[derive(Clone, Copy)]
enum Operand<'a> {
    Values(&'a ScalarBuffer<i128>),
    Scalar(i128),
}

impl Operand<'_> {
    #[inline(always)]
    fn at(&self, i: usize) -> i128 {
        match self {
            Operand::Values(v) => v[i],
            Operand::Scalar(s) => *s,
        }
    }
}

/// Whether a value fits in 64 bits.
#[inline(always)]
fn fits_64(a: i128) -> bool {
    wide(a) == a
}

/// Whether every value fits in 64 bits: a fold without an early exit, which keeps the flag in a
/// register (checked inside the computing loop, the flag was stored and reloaded every row).
fn all_64_bit(operand: Operand) -> bool {
    match operand {
        Operand::Values(values) => values.iter().fold(true, |fit, &v| fit & fits_64(v)),
        Operand::Scalar(v) => fits_64(v),
    }
}

/// `f` over `len` pairs of values, one loop per shape of operands, when every value (null
/// slots included) fits in 64 bits; `None` when one does not.
#[inline(always)]
fn map2_of_64_bit(
    l: Operand,
    r: Operand,
    len: usize,
    f: impl Fn(i128, i128) -> i128,
) -> Option<Vec<i128>> {
    if !(all_64_bit(l) && all_64_bit(r)) {
        return None;
    }
    Some(match (l, r) {
        (Operand::Values(a), Operand::Values(b)) => {
            a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect()
        }
        (Operand::Values(a), Operand::Scalar(y)) => a.iter().map(|&x| f(x, y)).collect(),
        (Operand::Scalar(x), Operand::Values(b)) => b.iter().map(|&y| f(x, y)).collect(),
        (Operand::Scalar(x), Operand::Scalar(y)) => vec![f(x, y); len],
    })
}

/// One decimal operator, planned by [`rule`]: `+` and `-` rescale their operands by `l_mul`
/// and `r_mul` to the result's scale; `*` multiplies the values as they are.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DecimalArith {
    kind: Kind,
    l_mul: i128,
    r_mul: i128,
    /// The result type, `decimal(precision, scale)`.
    precision: u8,
    scale: i8,
    /// 10^precision: the magnitude results stay below.
    limit: u128,
    signature: Signature,
}

impl DecimalArith {
    #[inline(always)]
    fn apply(&self, a: i128, b: i128) -> Option<i128> {
        match self.kind {
            Kind::Mul => mul(a, b),
            Kind::Add => mul(a, self.l_mul)?.checked_add(mul(b, self.r_mul)?),
            Kind::Sub => mul(a, self.l_mul)?.checked_sub(mul(b, self.r_mul)?),
        }
    }

    /// The result of one pair of values, or `None` when it does not fit the result type.
    #[inline(always)]
    fn checked(&self, a: i128, b: i128) -> Option<i128> {
        self.apply(a, b).filter(|v| v.unsigned_abs() < self.limit)
    }

    /// The results over `len` rows, and which rows overflowed (NULL). When every operand value
    /// and rescaling factor fits in 64 bits no result can overflow (a product of two such
    /// values is below 2^126 < 10^38, and narrower result types are wide enough for their
    /// operands), and plain widening arithmetic gives the results; otherwise each value is
    /// checked.
    fn compute(
        &self,
        l: Operand,
        r: Operand,
        len: usize,
    ) -> (ScalarBuffer<i128>, Option<NullBuffer>) {
        if let Some(values) = self.narrow(l, r, len) {
            return (values, None);
        }
        if fits_64(self.l_mul) && fits_64(self.r_mul) {
            // The factors go into the loops as 64-bit values (they fit) and are widened there,
            // so that each rescaling is one 64 × 64-bit multiplication: captured as 128-bit
            // values they were multiplied in full 128 bits.
            let (lm, rm) = (self.l_mul as i64, self.r_mul as i64);
            let values = match self.kind {
                Kind::Mul => map2_of_64_bit(l, r, len, |a, b| wide(a) * wide(b)),
                Kind::Add => map2_of_64_bit(l, r, len, move |a, b| {
                    wide(a) * i128::from(lm) + wide(b) * i128::from(rm)
                }),
                Kind::Sub => map2_of_64_bit(l, r, len, move |a, b| {
                    wide(a) * i128::from(lm) - wide(b) * i128::from(rm)
                }),
            };
            if let Some(values) = values {
                return (values.into(), None);
            }
        }
        let mut valid = Vec::with_capacity(len);
        let values: Vec<i128> = (0..len)
            .map(|i| {
                let v = self.checked(l.at(i), r.at(i));
                valid.push(v.is_some());
                v.unwrap_or_default()
            })
            .collect();
        let overflowed = valid.iter().any(|ok| !ok);
        (values.into(), overflowed.then(|| NullBuffer::from(valid)))
    }

    /// The results in 64-bit arithmetic, when every operand value and rescaling factor fits in
    /// 32 bits (a product of two such values, or a sum of two such products, fits in 64).
    fn narrow(&self, l: Operand, r: Operand, len: usize) -> Option<ScalarBuffer<i128>> {
        let narrow = |operand| match operand {
            Operand::Values(values) => Some(narrow::Narrow::words(values)),
            Operand::Scalar(value) => i32::try_from(value).ok().map(narrow::Narrow::Constant),
        };
        let (l, r) = (narrow(l)?, narrow(r)?);
        // The factors stay `i32`s widened in the loop, so that the compiler multiplies 32-bit
        // values into 64-bit ones.
        let (lm, rm) = (
            i32::try_from(self.l_mul).ok()?,
            i32::try_from(self.r_mul).ok()?,
        );
        match self.kind {
            Kind::Mul => narrow::map2(l, r, len, |a, b| a * b),
            Kind::Add => narrow::map2(l, r, len, move |a, b| a * i64::from(lm) + b * i64::from(rm)),
            Kind::Sub => narrow::map2(l, r, len, move |a, b| a * i64::from(lm) - b * i64::from(rm)),
        }
    }

    fn result_type(&self) -> DataType {
        DataType::Decimal128(self.precision, self.scale)
    }
}

impl ScalarUDFImpl for DecimalArith {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        match self.kind {
            Kind::Add => NAMES[0],
            Kind::Sub => NAMES[1],
            Kind::Mul => NAMES[2],
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(self.result_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [l, r] = args.args.as_slice() else {
            unreachable!("the rule plans two arguments");
        };
        if let (ColumnarValue::Scalar(a), ColumnarValue::Scalar(b)) = (l, r) {
            let v = match (constant(a), constant(b)) {
                (Some(a), Some(b)) => self.checked(a, b),
                _ => None,
            };
            return Ok(ColumnarValue::Scalar(ScalarValue::Decimal128(
                v,
                self.precision,
                self.scale,
            )));
        }
        let rows = args.number_rows;
        let (Some((l, l_nulls)), Some((r, r_nulls))) = (operand(l), operand(r)) else {
            return Ok(ColumnarValue::Array(new_null_array(
                &self.result_type(),
                rows,
            )));
        };
        let (values, overflowed) = self.compute(l, r, rows);
        let nulls = NullBuffer::union(
            NullBuffer::union(l_nulls, r_nulls).as_ref(),
            overflowed.as_ref(),
        );
        let array = Decimal128Array::try_new(values, nulls)?
            .with_precision_and_scale(self.precision, self.scale)?;
        Ok(ColumnarValue::Array(Arc::new(array)))
    }
}

/// The value of a decimal constant (`None` for NULL).
fn constant(v: &ScalarValue) -> Option<i128> {
    match v {
        ScalarValue::Decimal128(v, _, _) => *v,
        _ => None,
    }
}

/// An argument as an operand with its nulls; `None` for a NULL constant.
fn operand(v: &ColumnarValue) -> Option<(Operand<'_>, Option<&NullBuffer>)> {
    match v {
        ColumnarValue::Scalar(s) => constant(s).map(|c| (Operand::Scalar(c), None)),
        ColumnarValue::Array(a) => {
            let a = a.as_primitive::<Decimal128Type>();
            Some((Operand::Values(a.values()), a.nulls()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_of_64_bit_values_are_exact_and_wide_ones_are_checked() {
        assert_eq!(
            mul(i64::MAX as i128, i64::MAX as i128),
            Some((i64::MAX as i128).pow(2))
        );
        assert_eq!(
            mul(i64::MIN as i128, i64::MIN as i128),
            Some((i64::MIN as i128).pow(2))
        );
        assert_eq!(mul(-7, 6), Some(-42));
        assert_eq!(mul(1 << 80, 1 << 40), Some(1 << 120));
        assert_eq!(mul(1 << 80, 1 << 50), None);
        assert_eq!(mul(12, 1), Some(12));
        assert_eq!(mul(12, 100), Some(1200));
    }

    fn operator(kind: Kind, l_mul: i128, r_mul: i128) -> DecimalArith {
        DecimalArith {
            kind,
            l_mul,
            r_mul,
            precision: 38,
            scale: 0,
            limit: 10u128.pow(38),
            signature: Signature::any(2, Volatility::Immutable),
        }
    }

    #[test]
    fn operands_and_factors_within_32_bits_take_the_64_bit_arithmetic() {
        let narrow = ScalarBuffer::from(vec![5i128, -7]);
        let wide = ScalarBuffer::from(vec![5i128, 1 << 40]);
        // `1 - x` rescales the constant by 100: 100 - 5, 100 + 7.
        let sub = operator(Kind::Sub, 100, 1);
        let (one, n, w) = (
            Operand::Scalar(1),
            Operand::Values(&narrow),
            Operand::Values(&wide),
        );
        assert_eq!(sub.narrow(one, n, 2).as_deref(), Some(&[95, 107][..]));
        assert_eq!(sub.narrow(one, w, 2), None);
        assert_eq!(&*sub.compute(one, w, 2).0, &[95, 100 - (1 << 40)]);
        // A factor past 32 bits takes the 64-bit operands' path, to the same exact sums.
        let add = operator(Kind::Add, 10_000_000_000, 1);
        assert_eq!(add.narrow(n, n, 2), None);
        assert_eq!(&*add.compute(n, n, 2).0, &[50_000_000_005, -70_000_000_007]);
        let mul = operator(Kind::Mul, 1, 1);
        assert_eq!(mul.narrow(n, n, 2).as_deref(), Some(&[25, 49][..]));
        assert_eq!(mul.narrow(Operand::Scalar(1 << 31), n, 2), None);
    }

    #[test]
    fn the_64_bit_arithmetic_gives_up_on_any_operand_wider_than_64_bits() {
        let (narrow, wider) = (
            ScalarBuffer::from(vec![1i128, -2, 3]),
            ScalarBuffer::from(vec![1i128, 1 << 70, 3]),
        );
        let times = |a: i128, b: i128| a * b;
        let (n, w) = (Operand::Values(&narrow), Operand::Values(&wider));
        assert_eq!(
            map2_of_64_bit(n, Operand::Scalar(10), 3, times),
            Some(vec![10, -20, 30])
        );
        assert_eq!(map2_of_64_bit(n, n, 3, times), Some(vec![1, 4, 9]));
        assert_eq!(map2_of_64_bit(w, Operand::Scalar(10), 3, times), None);
        assert_eq!(map2_of_64_bit(Operand::Scalar(1 << 70), n, 3, times), None);
        assert_eq!(map2_of_64_bit(n, w, 3, times), None);
        assert_eq!(
            map2_of_64_bit(Operand::Scalar(2), Operand::Scalar(3), 2, times),
            Some(vec![6, 6])
        );
    }
}
