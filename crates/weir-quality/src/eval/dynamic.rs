//! Numeric operands reduced to numbers: literals, arithmetic, and the dynamic functions over a
//! metric's history — `last(k)` (the k newest earlier values, newest first), `avg`, `min`,
//! `max`, `sum`, `median`, `std` (population standard deviation), `index(list, i)` and `abs`.

use crate::dqdl::condition::{ArithOp, NumExpr};

/// An expression's value: one number, or a list (`last(k)`) an aggregate reduces.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Num(f64),
    List(Vec<f64>),
}

/// Why an operand has no value.
#[derive(Debug, Clone, PartialEq)]
pub enum Unresolved {
    /// The metric has no history yet (a dynamic rule's first run passes).
    NoHistory,
    Error(String),
}

/// Reduces `expr` to one number; `history` gives the newest earlier values of the rule's metric
/// (newest first).
pub fn resolve(expr: &NumExpr, history: &dyn Fn(usize) -> Vec<f64>) -> Result<f64, Unresolved> {
    match eval(expr, history)? {
        Val::Num(n) => Ok(n),
        Val::List(_) => Err(Unresolved::Error(format!(
            "{expr} results in a list, a single value is expected"
        ))),
    }
}

fn eval(expr: &NumExpr, history: &dyn Fn(usize) -> Vec<f64>) -> Result<Val, Unresolved> {
    match expr {
        NumExpr::Number(n) => Ok(Val::Num(n.value())),
        NumExpr::Parens(inner) => eval(inner, history),
        NumExpr::Binary { left, op, right } => {
            let l = number(eval(left, history)?, left)?;
            let r = number(eval(right, history)?, right)?;
            Ok(Val::Num(match op {
                ArithOp::Add => l + r,
                ArithOp::Subtract => l - r,
                ArithOp::Multiply => l * r,
                ArithOp::Divide => l / r,
            }))
        }
        NumExpr::Call { name, args } => call(expr, name, args, history),
    }
}

fn number(v: Val, expr: &NumExpr) -> Result<f64, Unresolved> {
    match v {
        Val::Num(n) => Ok(n),
        Val::List(_) => Err(Unresolved::Error(format!(
            "{expr} results in a list, a single value is expected"
        ))),
    }
}

fn call(
    expr: &NumExpr,
    name: &str,
    args: &[NumExpr],
    history: &dyn Fn(usize) -> Vec<f64>,
) -> Result<Val, Unresolved> {
    let error = |m: String| Unresolved::Error(m);
    if name == "last" {
        let [k] = args else {
            return Err(error(format!("{expr}: last takes one argument")));
        };
        let k = number(eval(k, history)?, k)?;
        if !(k >= 1.0 && k.fract() == 0.0) {
            return Err(error(format!(
                "{expr}: last takes a whole number of 1 or more"
            )));
        }
        let values = history(k as usize);
        if values.is_empty() {
            return Err(Unresolved::NoHistory);
        }
        return Ok(Val::List(values));
    }
    let mut values = Vec::new();
    let mut first_list = None;
    for (i, arg) in args.iter().enumerate() {
        match eval(arg, history)? {
            Val::Num(n) => values.push(n),
            Val::List(list) => {
                if i == 0 {
                    first_list = Some(list.clone());
                }
                values.extend(list);
            }
        }
    }
    if name == "index" {
        let (Some(list), [_, i]) = (first_list, args) else {
            return Err(error(format!("{expr}: index takes a list and a position")));
        };
        let i = number(eval(i, history)?, i)?;
        return match list.get(i as usize) {
            Some(v) if i >= 0.0 && i.fract() == 0.0 => Ok(Val::Num(*v)),
            _ => Err(Unresolved::NoHistory),
        };
    }
    if values.is_empty() {
        return Err(error(format!("{expr}: {name} of no values")));
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    Ok(Val::Num(match name {
        "avg" => mean,
        "sum" => values.iter().sum(),
        "min" => values.iter().copied().fold(f64::INFINITY, f64::min),
        "max" => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        "std" => (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt(),
        "median" => {
            values.sort_by(f64::total_cmp);
            let mid = values.len() / 2;
            if values.len() % 2 == 1 {
                values[mid]
            } else {
                (values[mid - 1] + values[mid]) / 2.0
            }
        }
        "abs" if values.len() == 1 => values[0].abs(),
        _ => return Err(error(format!("{name} is not a function DQDL knows"))),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(text: &str) -> NumExpr {
        let ruleset = crate::parse(&format!("Rules = [ RowCount > {text} ]")).expect("parses");
        match ruleset.rules.as_deref() {
            Some([crate::RuleExpr::Rule(r)]) => match &r.condition {
                Some(crate::Condition::Number(crate::Comparison::Compare(
                    _,
                    crate::NumOperand::Expr(e),
                ))) => e.clone(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn history_functions() {
        let history = |k: usize| [10.0, 20.0, 30.0, 40.0].into_iter().take(k).collect();
        let r = |t: &str| resolve(&expr(t), &history);
        assert_eq!(r("avg(last(3))"), Ok(20.0));
        assert_eq!(r("max(last(10)) * 2"), Ok(80.0));
        assert_eq!(r("1 + 2 * 3"), Ok(9.0));
        assert_eq!(r("index(last(3), 1)"), Ok(20.0));
        assert_eq!(r("std(last(2))"), Ok(5.0));
        assert_eq!(r("median(last(4))"), Ok(25.0));
        assert_eq!(r("abs(0 - 3)"), Ok(3.0));
        assert!(matches!(r("last(2)"), Err(Unresolved::Error(m)) if m.contains("a list")));
        assert!(matches!(r("foo(1)"), Err(Unresolved::Error(_))));
        let none = |_: usize| Vec::new();
        assert_eq!(
            resolve(&expr("avg(last(3))"), &none),
            Err(Unresolved::NoHistory)
        );
    }
}
