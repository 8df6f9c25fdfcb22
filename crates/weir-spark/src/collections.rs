//! Spark's array and map functions DataFusion lacks or gives other answers for (non-ANSI mode):
//!
//! - `array_size(arr)`: the number of elements, NULL for NULL (unlike `size`, which is -1).
//! - `array_contains(arr, x)`: true when an element equals `x`; else NULL when `x` or an element
//!   is NULL; else false. `arrays_overlap(a, b)`: true when they share a non-NULL element; else
//!   NULL when both are non-empty and one has a NULL; else false.
//! - `array_position(arr, x)`: the 1-based `bigint` position of the first element equal to `x`,
//!   0 when there is none (NULL when `arr` or `x` is NULL).
//! - `try_element_at` is `element_at` ([`super::rewrite`]), as in non-ANSI mode.
//! - `get(arr, i)`: the element at the 0-based `i`, NULL out of range (negative included).
//! - `array_compact(arr)`: the elements that are not NULL.
//! - `array_distinct`, `array_union`, `array_intersect`, `array_except`: distinct elements in
//!   the order they first appear (a NULL is one value).
//! - `array_append(arr, x)`, `array_prepend(arr, x)`: `x` (NULL or not) added at the end or the
//!   front, the element and `x` of a common type.
//! - `array_insert(arr, pos, x)`: `x` inserted at the 1-based `pos` (negative: counted from the
//!   end, -1 after the last element), with NULLs padding a position beyond either end; `pos` 0 is
//!   an error.
//! - `slice(arr, start, length)`: `length` elements from the 1-based `start` (negative: counted
//!   from the end); a start before the first element gives an empty array; `start` 0 or a
//!   negative length is an error.
//! - `flatten(arr)`: the elements of the inner arrays, NULL when one of them is NULL.
//! - `map_contains_key(m, k)`: whether the map has the key.
//! - `reverse(arr)` of an array's elements (of text as DataFusion's).
//! - `concat(a, b, …)` of arrays: NULL when one is NULL (text goes to `datafusion-spark`'s).
//! - `array_repeat(x, n)`: `n` times `x`, NULL or not (NULL when `n` is).
//! - `sequence(start, stop[, step])` of integers, dates or timestamps ([`sequence`]).
//! - `array(…)` with Spark's common element type (structs field by field: `struct(NULL, NULL)`
//!   fits `struct(1, 'a')`); `arrays_zip(…)` with fields named after the columns given (else the
//!   0-based position) — [`spelled`].
//!
//! Elements compare as Spark compares them (NaN equals NaN); the element and the value are
//! coerced to a common type first.

use std::cmp::Ordering;
use std::sync::Arc;

use datafusion::arrow::array::{
    make_comparator, Array, ArrayRef, AsArray, BooleanArray, Int32Array, Int64Array, ListArray,
    StructArray, UInt32Array,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::{concat, take, SortOptions};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_err, Result};
use datafusion::common::{plan_err, ScalarValue};
use datafusion::logical_expr::type_coercion::binary::type_union_resolution;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use super::convert::longs;
use super::udf::{arity, SparkFn};

/// The functions of this module.
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        SparkFn::new(
            "array_size",
            |args| {
                arity(args, 1, 1)?;
                Ok(vec![array(&args[0])?])
            },
            |_| Ok(DataType::Int32),
            |args, _, _| {
                let list = args[0].as_list::<i32>();
                let sizes: Int32Array = (0..list.len())
                    .map(|i| list.is_valid(i).then(|| list.value_length(i)))
                    .collect();
                Ok(Arc::new(sizes))
            },
        )
        .udf(),
        SparkFn::new(
            "array_contains",
            array_and_value,
            |_| Ok(DataType::Boolean),
            |args, _, _| {
                let out: BooleanArray = find(&args[0], &args[1])?
                    .into_iter()
                    .map(|found| match found {
                        Found::At(_) => Some(true),
                        Found::Nowhere => Some(false),
                        Found::Unknown | Found::Null => None,
                    })
                    .collect();
                Ok(Arc::new(out))
            },
        )
        .udf(),
        SparkFn::new(
            "array_position",
            array_and_value,
            |_| Ok(DataType::Int64),
            |args, _, _| {
                let out: Int64Array = find(&args[0], &args[1])?
                    .into_iter()
                    .map(|found| match found {
                        Found::At(i) => Some(i as i64 + 1),
                        Found::Nowhere | Found::Unknown => Some(0),
                        Found::Null => None,
                    })
                    .collect();
                Ok(Arc::new(out))
            },
        )
        .udf(),
        SparkFn::new(
            "arrays_overlap",
            |args| {
                arity(args, 2, 2)?;
                let t = common(&[element(&array(&args[0])?), element(&array(&args[1])?)])?;
                Ok(vec![list_of(t.clone()), list_of(t)])
            },
            |_| Ok(DataType::Boolean),
            overlap,
        )
        .udf(),
        SparkFn::new(
            "get",
            |args| {
                arity(args, 2, 2)?;
                Ok(vec![array(&args[0])?, index(&args[1])?])
            },
            |args| Ok(element(&args[0])),
            |args, rows, _| {
                let list = args[0].as_list::<i32>();
                let at = longs(&args[1], "get")?;
                let picks = (0..rows).map(|r| {
                    let i = at.is_valid(r).then(|| at.value(r))?;
                    (list.is_valid(r) && i >= 0 && i < i64::from(list.value_length(r)))
                        .then(|| list.value_offsets()[r] as u32 + i as u32)
                });
                Ok(take(list.values(), &UInt32Array::from_iter(picks), None)?)
            },
        )
        .udf(),
        SparkFn::new(
            "array_compact",
            |args| {
                arity(args, 1, 1)?;
                Ok(vec![array(&args[0])?])
            },
            |args| Ok(args[0].clone()),
            |args, _, to| {
                let list = args[0].as_list::<i32>();
                let values = list.values();
                let rows = per_row(list, |_, range| {
                    Some(range.filter(|&i| values.is_valid(i)).map(Some).collect())
                });
                build(to, values, rows)
            },
        )
        .udf(),
        SparkFn::new(
            "array_insert",
            |args| {
                arity(args, 3, 3)?;
                let t = common(&[element(&array(&args[0])?), args[2].clone()])?;
                Ok(vec![list_of(t.clone()), index(&args[1])?, t])
            },
            |args| Ok(args[0].clone()),
            insert,
        )
        .udf(),
        SparkFn::new(
            "slice",
            |args| {
                arity(args, 3, 3)?;
                Ok(vec![array(&args[0])?, index(&args[1])?, index(&args[2])?])
            },
            |args| Ok(args[0].clone()),
            slice,
        )
        .udf(),
        SparkFn::new(
            "flatten",
            |args| {
                arity(args, 1, 1)?;
                match array(&args[0])? {
                    t @ DataType::List(_) if matches!(element(&t), DataType::List(_)) => {
                        Ok(vec![t])
                    }
                    DataType::List(f) if f.data_type().is_null() => {
                        Ok(vec![list_of(list_of(DataType::Null))])
                    }
                    other => Err(format!(
                        "the argument must be an array of arrays, got {other}"
                    )),
                }
            },
            |args| Ok(element(&args[0])),
            flatten,
        )
        .udf(),
        SparkFn::new(
            "array_distinct",
            |args| {
                arity(args, 1, 1)?;
                Ok(vec![array(&args[0])?])
            },
            |args| Ok(args[0].clone()),
            |args, _, to| {
                let empty = args[0].slice(0, 0);
                set_operation(&args[0], &empty, to, SetOp::Distinct)
            },
        )
        .udf(),
        set_function("array_union", SetOp::Union),
        set_function("array_intersect", SetOp::Intersect),
        set_function("array_except", SetOp::Except),
        SparkFn::new(
            "array_append",
            array_and_value,
            |args| Ok(args[0].clone()),
            |args, _, to| add_element(args, to, false),
        )
        .udf(),
        SparkFn::new(
            "array_prepend",
            array_and_value,
            |args| Ok(args[0].clone()),
            |args, _, to| add_element(args, to, true),
        )
        .udf(),
        SparkFn::new(
            "array_repeat",
            |args| {
                arity(args, 2, 2)?;
                Ok(vec![args[0].clone(), index(&args[1])?])
            },
            |args| Ok(list_of(args[0].clone())),
            |args, rows, to| {
                let count = longs(&args[1], "array_repeat")?;
                let mut total = 0usize;
                let mut out = Vec::with_capacity(rows);
                for r in 0..rows {
                    if count.is_null(r) {
                        out.push(None);
                        continue;
                    }
                    let n = usize::try_from(count.value(r).max(0)).unwrap_or(0);
                    total = total.saturating_add(n);
                    if total > MAX_ELEMENTS {
                        return exec_err!("array_repeat: more than {MAX_ELEMENTS} elements");
                    }
                    out.push(Some(vec![Some(r); n]));
                }
                build(to, &args[0], out)
            },
        )
        .udf(),
        SparkFn::new(
            "sequence",
            |args| {
                arity(args, 2, 3)?;
                let ends = common(&[args[0].clone(), args[1].clone()])?;
                let ends = match ends {
                    t if t.is_integer() => match t {
                        DataType::Int8 | DataType::Int16 | DataType::Int32 => DataType::Int32,
                        _ => DataType::Int64,
                    },
                    DataType::Null => DataType::Int32,
                    DataType::Date32 => DataType::Date32,
                    DataType::Timestamp(_, _) => DataType::Timestamp(
                        datafusion::arrow::datatypes::TimeUnit::Microsecond,
                        None,
                    ),
                    other => {
                        return Err(format!(
                            "the bounds must be integers, dates or timestamps, got {other}"
                        ))
                    }
                };
                let step = match (&ends, args.get(2)) {
                    (_, None) => None,
                    (t, Some(s)) if t.is_integer() && (s.is_integer() || s.is_null()) => {
                        Some(t.clone())
                    }
                    (DataType::Date32 | DataType::Timestamp(..), Some(_)) => {
                        Some(DataType::Interval(
                            datafusion::arrow::datatypes::IntervalUnit::MonthDayNano,
                        ))
                    }
                    (_, Some(s)) => return Err(format!("the step must be an integer, got {s}")),
                };
                Ok([ends.clone(), ends].into_iter().chain(step).collect())
            },
            |args| Ok(list_of(args[0].clone())),
            sequence,
        )
        .udf(),
        SparkFn::new(
            "map_contains_key",
            |args| {
                arity(args, 2, 2)?;
                match &args[0] {
                    DataType::Map(entries, _) => {
                        let DataType::Struct(kv) = entries.data_type() else {
                            return Err("the map has no entries".into());
                        };
                        let t = common(&[kv[0].data_type().clone(), args[1].clone()])?;
                        if &t != kv[0].data_type() {
                            return Err(format!(
                                "the key must be a {}, got {}",
                                kv[0].data_type(),
                                args[1]
                            ));
                        }
                        Ok(vec![args[0].clone(), t])
                    }
                    other => Err(format!("the first argument must be a map, got {other}")),
                }
            },
            |_| Ok(DataType::Boolean),
            |args, _, _| {
                let map = args[0].as_map();
                let keys = ListArray::new(
                    Arc::new(Field::new_list_field(map.key_type().clone(), true)),
                    map.offsets().clone(),
                    Arc::clone(map.keys()),
                    map.nulls().cloned(),
                );
                let out: BooleanArray = find(&(Arc::new(keys) as ArrayRef), &args[1])?
                    .into_iter()
                    .map(|found| match found {
                        Found::At(_) => Some(true),
                        Found::Nowhere | Found::Unknown => Some(false),
                        Found::Null => None,
                    })
                    .collect();
                Ok(Arc::new(out))
            },
        )
        .udf(),
    ]
}

/// An array type (NULL as an array of NULLs; fixed-size and large lists as lists).
fn array(t: &DataType) -> std::result::Result<DataType, String> {
    match t {
        DataType::List(_) => Ok(t.clone()),
        DataType::LargeList(f) | DataType::FixedSizeList(f, _) => Ok(DataType::List(Arc::clone(f))),
        DataType::Null => Ok(list_of(DataType::Null)),
        other => Err(format!("the first argument must be an array, got {other}")),
    }
}

fn element(t: &DataType) -> DataType {
    match t {
        DataType::List(f) => f.data_type().clone(),
        _ => DataType::Null,
    }
}

fn list_of(t: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(t, true)))
}

/// An index: an integer (or NULL) as a `bigint`.
fn index(t: &DataType) -> std::result::Result<DataType, String> {
    match t {
        t if t.is_integer() || t.is_null() => Ok(DataType::Int64),
        other => Err(format!("the index must be an integer, got {other}")),
    }
}

fn common(types: &[DataType]) -> std::result::Result<DataType, String> {
    type_union_resolution(types).ok_or_else(|| {
        format!(
            "the types {} have no common type",
            types
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// An array and a value of its elements' type (both coerced to a common one).
fn array_and_value(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 2)?;
    let t = common(&[element(&array(&args[0])?), args[1].clone()])?;
    Ok(vec![list_of(t.clone()), t])
}

/// Where a value is in a row's array.
#[derive(Debug, PartialEq)]
enum Found {
    /// At this 0-based position.
    At(usize),
    /// Nowhere, and no element is NULL.
    Nowhere,
    /// Nowhere, but the value or an element is NULL.
    Unknown,
    /// The array is NULL (or the value is, for a position).
    Null,
}

/// Spark's ordering of two arrays' values (NaN equal to NaN, as Spark compares).
fn comparator(
    left: &dyn Array,
    right: &dyn Array,
) -> Result<Box<dyn Fn(usize, usize) -> Ordering + Send + Sync>> {
    Ok(make_comparator(left, right, SortOptions::default())?)
}

/// For each row, where `value` is in `list`.
fn find(list: &ArrayRef, value: &ArrayRef) -> Result<Vec<Found>> {
    let list = list.as_list::<i32>();
    let values = list.values();
    let compare = comparator(values.as_ref(), value.as_ref())?;
    Ok((0..list.len())
        .map(|r| {
            if list.is_null(r) {
                return Found::Null;
            }
            if value.is_null(r) {
                return Found::Null;
            }
            let (from, to) = range(list, r);
            let mut unknown = false;
            for i in from..to {
                if values.is_null(i) {
                    unknown = true;
                } else if compare(i, r) == Ordering::Equal {
                    return Found::At(i - from);
                }
            }
            match unknown {
                true => Found::Unknown,
                false => Found::Nowhere,
            }
        })
        .collect())
}

fn range(list: &ListArray, r: usize) -> (usize, usize) {
    let offsets = list.value_offsets();
    (offsets[r] as usize, offsets[r + 1] as usize)
}

fn overlap(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let (a, b) = (args[0].as_list::<i32>(), args[1].as_list::<i32>());
    let compare = comparator(a.values().as_ref(), b.values().as_ref())?;
    let out: BooleanArray = (0..a.len())
        .map(|r| {
            if a.is_null(r) || b.is_null(r) {
                return None;
            }
            let ((a0, a1), (b0, b1)) = (range(a, r), range(b, r));
            let mut nulls = false;
            for i in a0..a1 {
                if a.values().is_null(i) {
                    nulls = true;
                    continue;
                }
                for j in b0..b1 {
                    if b.values().is_null(j) {
                        nulls = true;
                    } else if compare(i, j) == Ordering::Equal {
                        return Some(true);
                    }
                }
            }
            if b.values()
                .nulls()
                .is_some_and(|n| (b0..b1).any(|j| n.is_null(j)))
            {
                nulls = true;
            }
            match nulls && a1 > a0 && b1 > b0 {
                true => None,
                false => Some(false),
            }
        })
        .collect();
    Ok(Arc::new(out))
}

/// For each row of `list`: `None` for a NULL row, else what `f` makes of its value range.
fn per_row(
    list: &ListArray,
    mut f: impl FnMut(usize, std::ops::Range<usize>) -> Option<Vec<Option<usize>>>,
) -> Vec<Option<Vec<Option<usize>>>> {
    (0..list.len())
        .map(|r| {
            let (from, to) = range(list, r);
            match list.is_null(r) {
                true => None,
                false => f(r, from..to),
            }
        })
        .collect()
}

/// A list array of type `to` whose rows are NULL or lists of positions in `source` (`None`:
/// a NULL element).
fn build(
    to: &DataType,
    source: &ArrayRef,
    rows: Vec<Option<Vec<Option<usize>>>>,
) -> Result<ArrayRef> {
    let field: FieldRef = match to {
        DataType::List(f) => Arc::clone(f),
        other => return exec_err!("expected an array type, got {other}"),
    };
    let mut offsets = Vec::with_capacity(rows.len() + 1);
    offsets.push(0i32);
    let mut picks = Vec::new();
    let mut valid = Vec::with_capacity(rows.len());
    for row in &rows {
        valid.push(row.is_some());
        if let Some(items) = row {
            picks.extend(items.iter().map(|i| i.map(|i| i as u32)));
        }
        offsets.push(i32::try_from(picks.len()).or_else(|_| exec_err!("array too large"))?);
    }
    let values = take(source, &UInt32Array::from(picks), None)?;
    let values = datafusion::arrow::compute::cast(&values, field.data_type())?;
    let nulls = NullBuffer::from(valid);
    Ok(Arc::new(ListArray::try_new(
        field,
        OffsetBuffer::new(offsets.into()),
        values,
        (nulls.null_count() > 0).then_some(nulls),
    )?))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum SetOp {
    Distinct,
    Union,
    Intersect,
    Except,
}

/// `array_union`, `array_intersect`, `array_except` of two arrays of a common element type.
fn set_function(name: &'static str, op: SetOp) -> ScalarUDF {
    let eval: super::udf::Eval = match op {
        SetOp::Union => |args, _, to| set_operation(&args[0], &args[1], to, SetOp::Union),
        SetOp::Intersect => |args, _, to| set_operation(&args[0], &args[1], to, SetOp::Intersect),
        _ => |args, _, to| set_operation(&args[0], &args[1], to, SetOp::Except),
    };
    SparkFn::new(
        name,
        |args| {
            arity(args, 2, 2)?;
            let t = common(&[element(&array(&args[0])?), element(&array(&args[1])?)])?;
            Ok(vec![list_of(t.clone()), list_of(t)])
        },
        |args| Ok(args[0].clone()),
        eval,
    )
    .udf()
}

/// Spark's set operations on arrays: distinct elements in the order they first appear (in
/// `a`, then `b` for a union), NULL counting as a value; NULL when an array is NULL.
fn set_operation(a: &ArrayRef, b: &ArrayRef, to: &DataType, op: SetOp) -> Result<ArrayRef> {
    let (la, lb) = (a.as_list::<i32>(), b.as_list::<i32>());
    let offset = la.values().len();
    let source = concat(&[la.values().as_ref(), lb.values().as_ref()])?;
    let compare = comparator(source.as_ref(), source.as_ref())?;
    let same = |i: usize, j: usize| match (source.is_null(i), source.is_null(j)) {
        (true, true) => true,
        (false, false) => compare(i, j) == Ordering::Equal,
        _ => false,
    };
    let out = (0..la.len())
        .map(|r| {
            if la.is_null(r) || (op != SetOp::Distinct && lb.is_null(r)) {
                return None;
            }
            let (a0, a1) = range(la, r);
            let in_b: Vec<usize> = match op {
                SetOp::Distinct => Vec::new(),
                _ => {
                    let (b0, b1) = range(lb, r);
                    (b0 + offset..b1 + offset).collect()
                }
            };
            let candidates: Vec<usize> = match op {
                SetOp::Union => (a0..a1).chain(in_b.iter().copied()).collect(),
                _ => (a0..a1).collect(),
            };
            let mut kept: Vec<usize> = Vec::new();
            for i in candidates {
                if kept.iter().any(|&k| same(k, i)) {
                    continue;
                }
                let keep = match op {
                    SetOp::Distinct | SetOp::Union => true,
                    SetOp::Intersect => in_b.iter().any(|&j| same(i, j)),
                    SetOp::Except => !in_b.iter().any(|&j| same(i, j)),
                };
                if keep {
                    kept.push(i);
                }
            }
            Some(kept.into_iter().map(Some).collect())
        })
        .collect();
    build(to, &source, out)
}

/// `array_append` / `array_prepend`: the value (NULL or not) added at the end or the front;
/// NULL when the array is.
fn add_element(args: &[ArrayRef], to: &DataType, front: bool) -> Result<ArrayRef> {
    let list = args[0].as_list::<i32>();
    let values_len = list.values().len();
    let source = concat(&[list.values().as_ref(), args[1].as_ref()])?;
    let out = per_row(list, |r, range| {
        let item = std::iter::once(Some(values_len + r));
        Some(match front {
            true => item.chain(range.map(Some)).collect(),
            false => range.map(Some).chain(item).collect(),
        })
    });
    build(to, &source, out)
}

fn insert(args: &[ArrayRef], rows: usize, to: &DataType) -> Result<ArrayRef> {
    let list = args[0].as_list::<i32>();
    let at = longs(&args[1], "array_insert")?;
    let values_len = list.values().len();
    // Positions past the list's values stand for the inserted items (one per row).
    let source = concat(&[list.values().as_ref(), args[2].as_ref()])?;
    let mut error = None;
    let out = per_row(list, |r, range| {
        if at.is_null(r) {
            return None;
        }
        let pos = at.value(r);
        let len = range.len() as i64;
        let item = Some(values_len + r);
        let elements = range.map(Some);
        let (nulls_before, at_index) = match pos {
            0 => {
                error = Some("array_insert: the index 0 is invalid (indices start at 1)");
                return None;
            }
            p if p > 0 => (0, p - 1),
            p => match len + p + 1 {
                i if i >= 0 => (0, i),
                i => (-i, 0),
            },
        };
        let mut row: Vec<Option<usize>> = Vec::new();
        if nulls_before > 0 {
            row.push(item);
            row.extend(std::iter::repeat_n(None, nulls_before as usize));
            row.extend(elements);
            return Some(row);
        }
        let elements: Vec<Option<usize>> = elements.collect();
        let split = (at_index as usize).min(elements.len());
        row.extend(&elements[..split]);
        row.extend(std::iter::repeat_n(
            None,
            (at_index - split as i64) as usize,
        ));
        row.push(item);
        row.extend(&elements[split..]);
        Some(row)
    });
    if let Some(e) = error {
        return exec_err!("{e}");
    }
    debug_assert_eq!(out.len(), rows);
    build(to, &source, out)
}

fn slice(args: &[ArrayRef], _: usize, to: &DataType) -> Result<ArrayRef> {
    let list = args[0].as_list::<i32>();
    let (start, length) = (longs(&args[1], "slice")?, longs(&args[2], "slice")?);
    let mut error = None;
    let out = per_row(list, |r, range| {
        if start.is_null(r) || length.is_null(r) {
            return None;
        }
        let (s, n, len) = (start.value(r), length.value(r), range.len() as i64);
        if s == 0 {
            error = Some("slice: the start index 0 is invalid (indices start at 1)".to_string());
            return None;
        }
        if n < 0 {
            error = Some(format!("slice: the length must not be negative, got {n}"));
            return None;
        }
        let from = if s < 0 { len + s } else { s - 1 };
        if from < 0 || from >= len {
            return Some(Vec::new());
        }
        let to = (from.saturating_add(n)).min(len);
        Some(
            (range.start + from as usize..range.start + to as usize)
                .map(Some)
                .collect(),
        )
    });
    if let Some(e) = error {
        return exec_err!("{e}");
    }
    build(to, list.values(), out)
}

fn flatten(args: &[ArrayRef], _: usize, to: &DataType) -> Result<ArrayRef> {
    let outer = args[0].as_list::<i32>();
    let inner = outer.values().as_list::<i32>();
    let out = per_row(outer, |_, range| {
        let mut row = Vec::new();
        for i in range {
            if inner.is_null(i) {
                return None;
            }
            let (from, to) = self::range(inner, i);
            row.extend((from..to).map(Some));
        }
        Some(row)
    });
    build(to, inner.values(), out)
}

/// Spark's longest array.
const MAX_ELEMENTS: usize = i32::MAX as usize - 15;

/// `sequence(start, stop[, step])`: from `start` to `stop` (included) by `step` — 1 or -1 for
/// integers, a day or minus a day for dates and timestamps when not given; element `i` of a
/// date or timestamp sequence is `start + i * step`. A step that never reaches `stop` is an
/// error; NULL when an argument is.
fn sequence(args: &[ArrayRef], rows: usize, to: &DataType) -> Result<ArrayRef> {
    use datafusion::arrow::array::{Date32Array, TimestampMicrosecondArray};
    use datafusion::arrow::datatypes::IntervalMonthDayNano;
    let element = element(to);
    let too_long = || exec_err!("sequence: the sequence has more than {MAX_ELEMENTS} elements");
    let wrong_step = || exec_err!("sequence: the step does not go from the start to the stop");
    let mut values: Vec<i64> = Vec::new();
    let mut offsets = vec![0i32];
    let mut valid = Vec::with_capacity(rows);
    let (start, stop) = (
        datafusion::arrow::compute::cast(&args[0], &DataType::Int64)?,
        datafusion::arrow::compute::cast(&args[1], &DataType::Int64)?,
    );
    let (start, stop) = (
        start.as_primitive::<datafusion::arrow::datatypes::Int64Type>(),
        stop.as_primitive::<datafusion::arrow::datatypes::Int64Type>(),
    );
    let temporal = matches!(element, DataType::Date32 | DataType::Timestamp(..));
    for r in 0..rows {
        let step_null = args.get(2).is_some_and(|s| s.is_null(r));
        if start.is_null(r) || stop.is_null(r) || step_null {
            valid.push(false);
            offsets.push(values.len() as i32);
            continue;
        }
        let (a, b) = (start.value(r), stop.value(r));
        if !temporal {
            let step = match args.get(2) {
                Some(s) => datafusion::arrow::compute::cast(s, &DataType::Int64)?
                    .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                    .value(r),
                None if a <= b => 1,
                None => -1,
            };
            if (step == 0 && a != b) || (step > 0 && a > b) || (step < 0 && a < b) {
                return wrong_step();
            }
            let n = if a == b {
                1
            } else {
                ((b as i128 - a as i128) / step as i128) as usize + 1
            };
            if n > MAX_ELEMENTS {
                return too_long();
            }
            values.extend((0..n as i64).map(|i| a + i * step));
        } else {
            let (months, days, nanos) = match args.get(2) {
                Some(s) => {
                    let v: IntervalMonthDayNano = s
                        .as_primitive::<datafusion::arrow::datatypes::IntervalMonthDayNanoType>()
                        .value(r);
                    (v.months, v.days, v.nanoseconds)
                }
                None if a <= b => (0, 1, 0),
                None => (0, -1, 0),
            };
            // Dates step in whole days (a part of a day is ignored, as in Spark).
            let at = |i: i64| -> Option<i64> {
                match element {
                    DataType::Date32 => {
                        let date = super::convert::date_of(i32::try_from(a).ok()?)?;
                        let date = add_months(date, i.checked_mul(i64::from(months))?)?;
                        let date = date.checked_add_signed(chrono::Duration::days(
                            i.checked_mul(i64::from(days))?,
                        ))?;
                        Some(i64::from(super::convert::epoch_days(date)))
                    }
                    _ => {
                        let t = super::convert::datetime_of(a)?;
                        let date = add_months(t.date(), i.checked_mul(i64::from(months))?)?;
                        let time = t.time();
                        let base = date.and_time(time).and_utc().timestamp_micros();
                        base.checked_add(
                            i.checked_mul(i64::from(days))?
                                .checked_mul(86_400_000_000)?,
                        )?
                        .checked_add(i.checked_mul(nanos / 1000)?)
                    }
                }
            };
            let forward = months > 0 || (months == 0 && (days > 0 || (days == 0 && nanos > 0)));
            let backward = months < 0 || (months == 0 && (days < 0 || (days == 0 && nanos < 0)));
            if (forward && a > b) || (backward && a < b) || (!forward && !backward && a != b) {
                return wrong_step();
            }
            let mut i = 0i64;
            loop {
                let Some(v) = at(i) else {
                    return exec_err!("sequence: a value is out of range");
                };
                if (forward && v > b) || (backward && v < b) || (!forward && !backward && i > 0) {
                    break;
                }
                values.push(v);
                i += 1;
                if i as usize > MAX_ELEMENTS {
                    return too_long();
                }
            }
        }
        valid.push(true);
        let Ok(end) = i32::try_from(values.len()) else {
            return too_long();
        };
        offsets.push(end);
    }
    let values: ArrayRef = match element {
        DataType::Date32 => Arc::new(Date32Array::from_iter_values(
            values.iter().map(|v| *v as i32),
        )),
        DataType::Timestamp(..) => Arc::new(TimestampMicrosecondArray::from(values)),
        _ => datafusion::arrow::compute::cast(
            &(Arc::new(Int64Array::from(values)) as ArrayRef),
            &element,
        )?,
    };
    let DataType::List(field) = to else {
        return exec_err!("sequence: expected an array type");
    };
    let nulls = NullBuffer::from(valid);
    Ok(Arc::new(ListArray::try_new(
        Arc::clone(field),
        OffsetBuffer::new(offsets.into()),
        values,
        (nulls.null_count() > 0).then_some(nulls),
    )?))
}

/// A date plus months, the day clamped to the month's last (as Spark adds months).
fn add_months(date: chrono::NaiveDate, months: i64) -> Option<chrono::NaiveDate> {
    let m = chrono::Months::new(u32::try_from(months.unsigned_abs()).ok()?);
    match months >= 0 {
        true => date.checked_add_months(m),
        false => date.checked_sub_months(m),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, Int32Array, Int64Array, ListArray};
    use datafusion::arrow::datatypes::{DataType, Int32Type};
    use datafusion::arrow::util::display::array_value_to_string;

    use super::{insert, list_of, slice};

    fn lists(rows: Vec<Option<Vec<Option<i32>>>>) -> ArrayRef {
        Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(rows))
    }

    fn shown(a: &ArrayRef) -> Vec<String> {
        (0..a.len())
            .map(|i| array_value_to_string(a, i).expect("display"))
            .collect()
    }

    #[test]
    fn insert_pads_and_counts_from_the_end() {
        let arr = lists(vec![Some(vec![Some(1), Some(2)]); 4]);
        let at: ArrayRef = Arc::new(Int64Array::from(vec![2, 5, -1, -4]));
        let item: ArrayRef = Arc::new(Int32Array::from(vec![9; 4]));
        let out = insert(&[arr, at, item], 4, &list_of(DataType::Int32)).expect("insert");
        assert_eq!(
            shown(&out),
            ["[1, 9, 2]", "[1, 2, , , 9]", "[1, 2, 9]", "[9, , 1, 2]"]
        );
    }

    #[test]
    fn sequences_count_down_and_add_months_from_the_start() {
        use datafusion::arrow::array::Date32Array;
        use datafusion::arrow::array::PrimitiveArray;
        use datafusion::arrow::datatypes::{IntervalMonthDayNano, IntervalMonthDayNanoType};
        let ints = |v: Vec<i32>| -> ArrayRef { Arc::new(Int32Array::from(v)) };
        let out = super::sequence(
            &[ints(vec![5]), ints(vec![1])],
            1,
            &list_of(DataType::Int32),
        )
        .expect("sequence");
        assert_eq!(shown(&out), ["[5, 4, 3, 2, 1]"]);
        // 2024-01-31 to 2024-05-01 by a month: month ends clamp, each from the start.
        let start: ArrayRef = Arc::new(Date32Array::from(vec![19753]));
        let stop: ArrayRef = Arc::new(Date32Array::from(vec![19844]));
        let step: ArrayRef = Arc::new(PrimitiveArray::<IntervalMonthDayNanoType>::from(vec![
            IntervalMonthDayNano::new(1, 0, 0),
        ]));
        let out =
            super::sequence(&[start, stop, step], 1, &list_of(DataType::Date32)).expect("sequence");
        assert_eq!(
            shown(&out),
            ["[2024-01-31, 2024-02-29, 2024-03-31, 2024-04-30]"]
        );
    }

    #[test]
    fn set_operations_keep_the_first_arrays_order() {
        let a = lists(vec![Some(vec![Some(2), Some(1), None, Some(2)])]);
        let b = lists(vec![Some(vec![Some(1), Some(2), Some(7), None])]);
        let to = list_of(DataType::Int32);
        let run = |op| shown(&super::set_operation(&a, &b, &to, op).expect("set"));
        assert_eq!(run(super::SetOp::Intersect), ["[2, 1, ]"]);
        assert_eq!(run(super::SetOp::Union), ["[2, 1, , 7]"]);
        assert_eq!(run(super::SetOp::Except), ["[]"]);
    }

    #[test]
    fn slice_before_the_start_is_empty() {
        let arr = lists(vec![
            Some(vec![Some(9)]),
            Some(vec![Some(1), Some(2), Some(3)]),
        ]);
        let start: ArrayRef = Arc::new(Int64Array::from(vec![-2, -2]));
        let len: ArrayRef = Arc::new(Int64Array::from(vec![2, 5]));
        let out = slice(&[arr, start, len], 2, &list_of(DataType::Int32)).expect("slice");
        assert_eq!(shown(&out), ["[]", "[2, 3]"]);
    }
}

/// The name `arrays_zip(a, b)` is planned under, as `arrays_zip(a, b, 'name of a', 'name of
/// b')` ([`super::sql_rewrite`] gives the names: Spark's depend on the SQL).
pub const ARRAYS_ZIP: &str = "spark_arrays_zip";

/// How a function's argument types are coerced (an error says why they cannot be).
type Coerce = fn(&[DataType]) -> std::result::Result<Vec<DataType>, String>;

/// A function of DataFusion's (or `datafusion-spark`'s) with Spark's coercion of its arguments,
/// or with Spark's names for the fields of the struct it returns (at the top or as the elements
/// of an array), given as text literals after its arguments.
#[derive(Debug)]
struct Spelled {
    /// The name, when not the inner function's.
    name: Option<&'static str>,
    inner: ScalarUDF,
    coerce: Option<Coerce>,
    /// The second half of the arguments names the struct's fields.
    names: bool,
}

impl PartialEq for Spelled {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

impl Eq for Spelled {}

impl std::hash::Hash for Spelled {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.inner.name().hash(state);
    }
}

impl ScalarUDFImpl for Spelled {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn name(&self) -> &str {
        self.name.unwrap_or(self.inner.name())
    }

    fn signature(&self) -> &Signature {
        match self.coerce {
            Some(_) => &USER_DEFINED,
            None => self.inner.signature(),
        }
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match (self.coerce, self.names) {
            (Some(coerce), _) => coerce(args).or_else(|e| plan_err!("{}: {e}", self.name())),
            (None, true) => {
                let n = args.len() / 2;
                let mut out = self.inner.coerce_types(&args[..n])?;
                out.extend(args[n..].iter().cloned());
                Ok(out)
            }
            (None, false) => self.inner.coerce_types(args),
        }
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        self.inner.return_type(args)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        if !self.names {
            return self.inner.return_field_from_args(args);
        }
        let n = args.arg_fields.len() / 2;
        let field = self.inner.return_field_from_args(ReturnFieldArgs {
            arg_fields: &args.arg_fields[..n],
            scalar_arguments: &args.scalar_arguments[..n],
        })?;
        let names = args.scalar_arguments[n..]
            .iter()
            .map(|v| super::udf::literal_text(*v).map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                datafusion::common::plan_datafusion_err!(
                    "{}: the names must be text literals",
                    self.name()
                )
            })?;
        let t = renamed(field.data_type(), &names);
        Ok(Arc::new(field.as_ref().clone().with_data_type(t)))
    }

    fn invoke_with_args(&self, mut args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if !self.names {
            return self.inner.invoke_with_args(args);
        }
        // The inner function takes the first half and returns its own names.
        let to = args.return_field.data_type().clone();
        let n = args.args.len() / 2;
        args.args.truncate(n);
        args.arg_fields.truncate(n);
        let scalars = vec![None; n];
        args.return_field = self.inner.return_field_from_args(ReturnFieldArgs {
            arg_fields: &args.arg_fields,
            scalar_arguments: &scalars,
        })?;
        let out = self.inner.invoke_with_args(args)?;
        Ok(match out {
            ColumnarValue::Array(a) => ColumnarValue::Array(retyped(a, &to)?),
            ColumnarValue::Scalar(s) => {
                let a = retyped(s.to_array()?, &to)?;
                ColumnarValue::Scalar(ScalarValue::try_from_array(&a, 0)?)
            }
        })
    }
}

static USER_DEFINED: std::sync::LazyLock<Signature> =
    std::sync::LazyLock::new(|| Signature::user_defined(Volatility::Immutable));

/// `t` with the fields of its struct (at the top, or its elements') named `names`.
fn renamed(t: &DataType, names: &[String]) -> DataType {
    match t {
        DataType::Struct(fields) if fields.len() == names.len() => DataType::Struct(
            fields
                .iter()
                .zip(names)
                .map(|(f, n)| f.as_ref().clone().with_name(n))
                .collect(),
        ),
        DataType::List(f) => DataType::List(Arc::new(
            f.as_ref()
                .clone()
                .with_data_type(renamed(f.data_type(), names)),
        )),
        other => other.clone(),
    }
}

/// An array given type `to`, which differs from its own by field names only.
fn retyped(a: ArrayRef, to: &DataType) -> Result<ArrayRef> {
    Ok(match (to, a.data_type()) {
        (DataType::Struct(fields), DataType::Struct(_)) => {
            let s = a.as_struct();
            Arc::new(StructArray::try_new(
                fields.clone(),
                s.columns().to_vec(),
                s.nulls().cloned(),
            )?)
        }
        (DataType::List(f), DataType::List(_)) => {
            let list = a.as_list::<i32>();
            Arc::new(ListArray::try_new(
                Arc::clone(f),
                list.offsets().clone(),
                retyped(Arc::clone(list.values()), f.data_type())?,
                list.nulls().cloned(),
            )?)
        }
        _ => a,
    })
}

/// Spark's `concat`: of arrays when every argument is an array (NULL when one is NULL, else the
/// elements of all in order), else `datafusion-spark`'s `concat` of text.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Concat {
    text: ScalarUDF,
}

impl ScalarUDFImpl for Concat {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn name(&self) -> &str {
        "concat"
    }

    fn signature(&self) -> &Signature {
        &USER_DEFINED
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        let arrays = !args.is_empty()
            && args.iter().any(|t| {
                matches!(
                    t,
                    DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..)
                )
            })
            && args.iter().all(|t| array(t).is_ok());
        if !arrays {
            return self.text.coerce_types(args);
        }
        let element = args
            .iter()
            .map(|t| array(t).map(|t| element(&t)))
            .collect::<std::result::Result<Vec<_>, _>>()
            .and_then(|types| common(&types))
            .or_else(|e| plan_err!("concat: {e}"))?;
        Ok(vec![list_of(element); args.len()])
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        match args.first() {
            Some(t @ DataType::List(_)) => Ok(t.clone()),
            _ => self.text.return_type(args),
        }
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        match args.arg_fields.first().map(|f| f.data_type()) {
            Some(t @ DataType::List(_)) => Ok(Arc::new(Field::new("concat", t.clone(), true))),
            _ => self.text.return_field_from_args(args),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let to = args.return_field.data_type().clone();
        if !matches!(to, DataType::List(_)) {
            return self.text.invoke_with_args(args);
        }
        let rows = args.number_rows;
        let lists = args
            .args
            .iter()
            .map(|a| a.to_array(rows))
            .collect::<Result<Vec<_>>>()?;
        let sources: Vec<&dyn Array> = lists
            .iter()
            .map(|l| l.as_list::<i32>().values().as_ref())
            .collect();
        let source = concat(&sources)?;
        let mut bases = vec![0usize];
        for s in &sources {
            bases.push(bases[bases.len() - 1] + s.len());
        }
        let out = (0..rows)
            .map(|r| {
                let mut row = Vec::new();
                for (k, l) in lists.iter().enumerate() {
                    let list = l.as_list::<i32>();
                    if list.is_null(r) {
                        return None;
                    }
                    let (from, to) = range(list, r);
                    row.extend((from..to).map(|i| Some(bases[k] + i)));
                }
                Some(row)
            })
            .collect();
        Ok(ColumnarValue::Array(build(&to, &source, out)?))
    }
}

/// Spark's `reverse`: of an array's elements (DataFusion's `array_reverse`) or of text.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Reverse {
    text: ScalarUDF,
    array: ScalarUDF,
}

impl Reverse {
    fn of(&self, first: Option<&DataType>) -> &ScalarUDF {
        match first {
            Some(DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..)) => {
                &self.array
            }
            _ => &self.text,
        }
    }
}

impl ScalarUDFImpl for Reverse {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn name(&self) -> &str {
        "reverse"
    }

    fn signature(&self) -> &Signature {
        &USER_DEFINED
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        arity(args, 1, 1).or_else(|e| plan_err!("reverse: {e}"))?;
        Ok(match &args[0] {
            DataType::List(_) | DataType::LargeList(_) => args.to_vec(),
            DataType::FixedSizeList(f, _) => vec![DataType::List(Arc::clone(f))],
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => args.to_vec(),
            _ => vec![DataType::Utf8],
        })
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        self.of(args.first()).return_type(args)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        self.of(args.arg_fields.first().map(|f| f.data_type()))
            .return_field_from_args(args)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let first = args.arg_fields.first().map(|f| f.data_type().clone());
        self.of(first.as_ref()).invoke_with_args(args)
    }
}

/// Spark's recursive common type of array elements: structs field by field (NULL fields take
/// the other's type), arrays element by element, else DataFusion's union.
fn unify(a: &DataType, b: &DataType) -> Option<DataType> {
    match (a, b) {
        (DataType::Null, t) | (t, DataType::Null) => Some(t.clone()),
        (DataType::Struct(fa), DataType::Struct(fb)) if fa.len() == fb.len() => {
            Some(DataType::Struct(
                fa.iter()
                    .zip(fb.iter())
                    .map(|(x, y)| {
                        unify(x.data_type(), y.data_type()).map(|t| Field::new(x.name(), t, true))
                    })
                    .collect::<Option<Vec<_>>>()?
                    .into(),
            ))
        }
        (DataType::List(x), DataType::List(y)) => unify(x.data_type(), y.data_type()).map(list_of),
        _ => type_union_resolution(&[a.clone(), b.clone()]),
    }
}

/// `array` and `arrays_zip` as Spark coerces and names them: `array`'s elements of a common type
/// ([`unify`]); `arrays_zip`'s struct fields named as [`super::sql_rewrite`] says ([`ARRAYS_ZIP`]).
pub fn spelled() -> Vec<ScalarUDF> {
    let array = Spelled {
        name: None,
        inner: datafusion_spark::function::array::array().as_ref().clone(),
        coerce: Some(|args| {
            let Some(common) = args
                .iter()
                .try_fold(DataType::Null, |acc, t| unify(&acc, t))
            else {
                return Err(format!("the elements {args:?} have no common type"));
            };
            Ok(vec![common; args.len()])
        }),
        names: false,
    };
    let zip = Spelled {
        name: Some(ARRAYS_ZIP),
        inner: datafusion::functions_nested::arrays_zip::arrays_zip_udf()
            .as_ref()
            .clone(),
        coerce: None,
        names: true,
    };
    let mut out: Vec<ScalarUDF> = [array, zip]
        .into_iter()
        .map(ScalarUDF::new_from_impl)
        .collect();
    out.push(ScalarUDF::new_from_impl(Reverse {
        text: datafusion::functions::unicode::reverse().as_ref().clone(),
        array: datafusion::functions_nested::reverse::array_reverse_udf()
            .as_ref()
            .clone(),
    }));
    out.push(ScalarUDF::new_from_impl(Concat {
        text: datafusion_spark::function::string::concat()
            .as_ref()
            .clone(),
    }));
    out
}
