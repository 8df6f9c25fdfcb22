//! Spark SQL functions for SparkSQL nodes. The `datafusion-spark` crate supplies most with
//! Spark's semantics (`datediff`, `date_add`, `concat`, …); the rest are rewritten at planning
//! time onto DataFusion's own functions: `year(d)` → `date_part('year', d)`, and
//! `date_format(d, 'yyyy-MM-dd')` → `to_char(d, '%Y-%m-%d')` with Spark's pattern letters
//! translated (the pattern must be a literal, as it nearly always is). Aggregates whose Spark
//! semantics DataFusion lacks (`avg` of decimals, `skewness`, `kurtosis`) are in
//! [`crate::aggregates`].

use std::any::Any;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::{cast, lit, Expr};

/// Registers Spark's functions on a session (overriding same-named DataFusion functions).
pub fn register(ctx: &SessionContext) -> Result<()> {
    for udf in datafusion_spark::all_default_scalar_functions() {
        ctx.register_udf(udf.as_ref().clone());
    }
    for udaf in datafusion_spark::all_default_aggregate_functions() {
        ctx.register_udaf(udaf.as_ref().clone());
    }
    // Spark's avg (decimal results for decimals), skewness and kurtosis.
    for udaf in [
        crate::aggregates::avg(),
        crate::aggregates::skewness(),
        crate::aggregates::kurtosis(),
    ] {
        ctx.register_udaf(udaf.as_ref().clone());
    }
    let parts = [
        ("year", "year"),
        ("month", "month"),
        ("day", "day"),
        ("dayofmonth", "day"),
        ("quarter", "quarter"),
        ("weekofyear", "week"),
        ("dayofyear", "doy"),
    ];
    for (name, part) in parts {
        ctx.register_udf(ScalarUDF::from(Rewrite::new(name, Kind::DatePart(part), 1)));
    }
    ctx.register_udf(ScalarUDF::from(Rewrite::new(
        "date_format",
        Kind::DateFormat,
        2,
    )));
    Ok(())
}

#[derive(Debug, PartialEq, Eq, Hash)]
enum Kind {
    /// `date_part(<part>, arg)` as an int.
    DatePart(&'static str),
    /// `to_char(arg, <translated pattern>)`.
    DateFormat,
}

/// A Spark function that planning rewrites into DataFusion expressions.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Rewrite {
    name: &'static str,
    kind: Kind,
    signature: Signature,
}

impl Rewrite {
    fn new(name: &'static str, kind: Kind, args: usize) -> Self {
        Self {
            name,
            kind,
            signature: Signature::any(args, Volatility::Immutable),
        }
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

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            Kind::DatePart(_) => DataType::Int32,
            Kind::DateFormat => DataType::Utf8,
        })
    }

    fn invoke_with_args(&self, _args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        exec_err!(
            "{} is rewritten when the query is planned and cannot be evaluated directly",
            self.name
        )
    }

    fn simplify(&self, args: Vec<Expr>, _info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        let mut args = args.into_iter();
        let (Some(value), rest) = (args.next(), args.next()) else {
            return plan_err!("{} needs an argument", self.name);
        };
        Ok(ExprSimplifyResult::Simplified(match &self.kind {
            Kind::DatePart(part) => cast(
                datafusion::functions::datetime::expr_fn::date_part(lit(*part), value),
                DataType::Int32,
            ),
            Kind::DateFormat => {
                let pattern = match rest {
                    Some(Expr::Literal(
                        ScalarValue::Utf8(Some(p))
                        | ScalarValue::LargeUtf8(Some(p))
                        | ScalarValue::Utf8View(Some(p)),
                        _,
                    )) => p,
                    _ => return plan_err!("date_format: the pattern must be a string literal"),
                };
                datafusion::functions::datetime::expr_fn::to_char(
                    value,
                    lit(chrono_pattern(&pattern)),
                )
            }
        }))
    }
}

/// Translates a Spark datetime pattern (`yyyy-MM-dd HH:mm:ss`) into a chrono format string.
pub fn chrono_pattern(spark: &str) -> String {
    let chars: Vec<char> = spark.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // Quoted literal text; '' is a quote.
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '\'' {
                out.push(chars[j]);
                j += 1;
            }
            if j == i + 1 && j < chars.len() {
                out.push('\'');
            }
            i = j + 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&d| d == c).count();
        let spec = match (c, run) {
            ('y', 2) => "%y",
            ('y', _) => "%Y",
            ('M', 1) => "%-m",
            ('M', 2) => "%m",
            ('M', 3) => "%b",
            ('M', _) => "%B",
            ('d', 1) => "%-d",
            ('d', _) => "%d",
            ('D', _) => "%j",
            ('H', 1) => "%-H",
            ('H', _) => "%H",
            ('h', 1) => "%-I",
            ('h', _) => "%I",
            ('m', 1) => "%-M",
            ('m', _) => "%M",
            ('s', 1) => "%-S",
            ('s', _) => "%S",
            ('S', 3) => "%3f",
            ('S', 6) => "%6f",
            ('S', _) => "%f",
            ('a', _) => "%p",
            ('E', 1..=3) => "%a",
            ('E', _) => "%A",
            ('%', _) => "%%",
            _ => {
                out.extend(std::iter::repeat_n(c, run));
                i += run;
                continue;
            }
        };
        out.push_str(spec);
        i += run;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::chrono_pattern;

    #[test]
    fn spark_patterns_become_chrono_formats() {
        assert_eq!(chrono_pattern("yyyy-MM-dd"), "%Y-%m-%d");
        assert_eq!(
            chrono_pattern("yyyy-MM-dd HH:mm:ss.SSS"),
            "%Y-%m-%d %H:%M:%S.%3f"
        );
        assert_eq!(chrono_pattern("dd MMM yy"), "%d %b %y");
        assert_eq!(chrono_pattern("yyyyMMdd'T'HH"), "%Y%m%dT%H");
        assert_eq!(chrono_pattern("EEEE, d MMMM"), "%A, %-d %B");
    }
}
