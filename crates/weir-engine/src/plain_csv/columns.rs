//! Arrow columns read from split lines, as Arrow's CSV reader reads them (and only of the types
//! it reads, so that it can take over any scan): an empty field is
//! null, numbers and dates in their common spellings are read by [`super::values`] and the
//! rest by Arrow's parsers.

use std::ops::Range;
use std::sync::Arc;

use datafusion::arrow::array::builder::NullBufferBuilder;
use datafusion::arrow::array::{
    ArrayRef, BooleanArray, NullArray, PrimitiveArray, StringArray, StringViewBuilder,
};
use datafusion::arrow::buffer::{OffsetBuffer, ScalarBuffer};
use datafusion::arrow::compute::kernels::cast_utils::{parse_decimal, Parser};
use datafusion::arrow::datatypes::{
    ArrowPrimitiveType, DataType, Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};

use super::split::Lines;
use super::values;

/// Whether [`column`] reads this type.
pub(super) fn readable(data_type: &DataType) -> bool {
    use DataType::*;
    matches!(
        data_type,
        Null | Boolean
            | Int8
            | Int16
            | Int32
            | Int64
            | UInt8
            | UInt16
            | UInt32
            | UInt64
            | Float32
            | Float64
            | Decimal128(..)
            | Date32
            | Utf8
            | Utf8View
    )
}

/// A field that does not read as its column's type: its row of the lines.
#[derive(Debug)]
pub(super) struct Unreadable {
    pub row: usize,
}

/// Column `column` of `rows` of `lines`, read as `data_type` (one that is [`readable`]).
pub(super) fn column(
    lines: &Lines<'_>,
    rows: Range<usize>,
    column: usize,
    data_type: &DataType,
) -> Result<ArrayRef, Unreadable> {
    let at = Fields {
        lines,
        rows,
        column,
    };
    Ok(match data_type {
        DataType::Null => Arc::new(NullArray::new(at.rows.len())),
        DataType::Boolean => Arc::new(at.booleans()?),
        DataType::Int8 => Arc::new(at.primitive::<Int8Type>(small_int::<Int8Type>)?),
        DataType::Int16 => Arc::new(at.primitive::<Int16Type>(small_int::<Int16Type>)?),
        DataType::Int32 => Arc::new(at.primitive::<Int32Type>(small_int::<Int32Type>)?),
        DataType::Int64 => {
            Arc::new(at.primitive::<Int64Type>(|f| {
                values::int(f).or_else(|| Int64Type::parse(text(f)?))
            })?)
        }
        DataType::UInt8 => Arc::new(at.primitive::<UInt8Type>(parsed::<UInt8Type>)?),
        DataType::UInt16 => Arc::new(at.primitive::<UInt16Type>(parsed::<UInt16Type>)?),
        DataType::UInt32 => Arc::new(at.primitive::<UInt32Type>(parsed::<UInt32Type>)?),
        DataType::UInt64 => Arc::new(at.primitive::<UInt64Type>(parsed::<UInt64Type>)?),
        DataType::Float32 => Arc::new(at.primitive::<Float32Type>(parsed::<Float32Type>)?),
        DataType::Float64 => Arc::new(at.primitive::<Float64Type>(parsed::<Float64Type>)?),
        DataType::Decimal128(precision, scale) => {
            let (precision, scale) = (*precision, *scale);
            let digits = (precision as usize).saturating_sub(scale.max(0) as usize);
            let decimals = at.primitive::<Decimal128Type>(|f| {
                let fast = u8::try_from(scale)
                    .ok()
                    .and_then(|s| values::decimal(f, s, digits));
                match fast {
                    Some(v) => Some(v as i128),
                    None => parse_decimal::<Decimal128Type>(text(f)?, precision, scale).ok(),
                }
            })?;
            // The column's own type (the same variant: no check can fail).
            Arc::new(decimals.with_data_type(data_type.clone()))
        }
        DataType::Date32 => Arc::new(at.primitive::<Date32Type>(|f| {
            values::date(f).or_else(|| Date32Type::parse(text(f)?))
        })?),
        DataType::Utf8 => Arc::new(at.strings()?),
        DataType::Utf8View => Arc::new(at.string_views()?),
        other => unreachable!("{other} is not readable (checked before reading)"),
    })
}

fn text(field: &[u8]) -> Option<&str> {
    std::str::from_utf8(field).ok()
}

fn parsed<T: Parser>(field: &[u8]) -> Option<T::Native> {
    T::parse(text(field)?)
}

fn small_int<T: Parser>(field: &[u8]) -> Option<T::Native>
where
    T::Native: TryFrom<i64>,
{
    match values::int(field) {
        Some(v) => v.try_into().ok(),
        None => parsed::<T>(field),
    }
}

struct Fields<'a> {
    lines: &'a Lines<'a>,
    rows: Range<usize>,
    column: usize,
}

impl Fields<'_> {
    fn primitive<T: ArrowPrimitiveType>(
        &self,
        read: impl Fn(&[u8]) -> Option<T::Native>,
    ) -> Result<PrimitiveArray<T>, Unreadable> {
        let mut values = Vec::with_capacity(self.rows.len());
        let mut nulls = NullBufferBuilder::new(self.rows.len());
        for row in self.rows.clone() {
            let field = self.lines.field(row, self.column);
            if field.is_empty() {
                nulls.append_null();
                values.push(T::Native::default());
            } else {
                nulls.append_non_null();
                values.push(read(field).ok_or(Unreadable { row })?);
            }
        }
        Ok(PrimitiveArray::new(
            ScalarBuffer::from(values),
            nulls.finish(),
        ))
    }

    fn booleans(&self) -> Result<BooleanArray, Unreadable> {
        self.rows
            .clone()
            .map(|row| match self.lines.field(row, self.column) {
                [] => Ok(None),
                f if f.eq_ignore_ascii_case(b"true") => Ok(Some(true)),
                f if f.eq_ignore_ascii_case(b"false") => Ok(Some(false)),
                _ => Err(Unreadable { row }),
            })
            .collect()
    }

    fn strings(&self) -> Result<StringArray, Unreadable> {
        let rows = self.rows.clone();
        let length: usize = rows
            .clone()
            .map(|r| self.lines.field(r, self.column).len())
            .sum();
        let mut bytes = Vec::with_capacity(length);
        let mut offsets = Vec::with_capacity(rows.len() + 1);
        offsets.push(0i32);
        let mut nulls = NullBufferBuilder::new(rows.len());
        for row in rows.clone() {
            let field = self.lines.field(row, self.column);
            nulls.append(!field.is_empty());
            bytes.extend_from_slice(field);
            offsets.push(bytes.len() as i32);
        }
        let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
        StringArray::try_new(offsets, bytes.into(), nulls.finish()).map_err(|_| {
            let row = rows
                .clone()
                .find(|&r| text(self.lines.field(r, self.column)).is_none())
                .unwrap_or(rows.start);
            Unreadable { row }
        })
    }

    fn string_views(&self) -> Result<datafusion::arrow::array::StringViewArray, Unreadable> {
        let mut views = StringViewBuilder::with_capacity(self.rows.len());
        for row in self.rows.clone() {
            match self.lines.field(row, self.column) {
                [] => views.append_null(),
                f => views.append_value(text(f).ok_or(Unreadable { row })?),
            }
        }
        Ok(views.finish())
    }
}
