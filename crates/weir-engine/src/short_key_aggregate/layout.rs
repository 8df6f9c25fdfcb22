//! How a row's group values fit in one `u128`: each column has a fixed slot of bits, fixed
//! when the plan is made, and a NULL bit of its own. A key packs only when every value fits its
//! slot; a string of up to `slot - 1` bytes fits (one byte holds its length).

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, ArrowPrimitiveType, AsArray, BooleanArray, GenericStringArray,
    OffsetSizeTrait, PrimitiveArray, StringViewArray,
};
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Date64Type, Int16Type, Int32Type, Int64Type, Int8Type, Schema,
    Time32MillisecondType, Time32SecondType, Time64MicrosecondType, Time64NanosecondType, TimeUnit,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use datafusion::common::{internal_err, Result};

const KEY_BITS: u32 = 128;

/// The values a slot holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Boolean,
    /// An integer-like value of this many bytes (dates, times and timestamps included).
    Fixed(u32),
    /// A string of at most `bytes - 1` bytes.
    String,
}

#[derive(Debug, Clone)]
struct Slot {
    data_type: DataType,
    kind: Kind,
    /// The slot's bits start here; its NULL bit is `null_bit`.
    shift: u32,
    bytes: u32,
    null_bit: Option<u32>,
}

/// The slots of a grouping's columns, in their order.
#[derive(Debug, Clone)]
pub struct KeyLayout {
    slots: Vec<Slot>,
}

/// Strings are packed only when the other columns leave each of them at least this many bytes.
const MIN_STRING_SLOT: u32 = 2;
/// A string slot holds at most 12 bytes of string: the most a string view holds inline (a
/// longer string's view holds a prefix and where the rest is, which says nothing of the bytes).
const MAX_STRING_SLOT: u32 = 13;

impl KeyLayout {
    /// The layout for grouping by `schema`'s columns, or `None` when they cannot share one
    /// `u128` (a type without a slot, or too many or too wide columns).
    pub fn for_schema(schema: &Schema) -> Option<Self> {
        let kinds: Vec<Kind> = schema
            .fields()
            .iter()
            .map(|f| kind_of(f.data_type()))
            .collect::<Option<_>>()?;
        let null_bits = schema.fields().iter().filter(|f| f.is_nullable()).count() as u32;
        let fixed_bits: u32 = kinds
            .iter()
            .map(|k| match k {
                Kind::Boolean => 8,
                Kind::Fixed(bytes) => bytes * 8,
                Kind::String => 0,
            })
            .sum();
        let strings = kinds.iter().filter(|k| **k == Kind::String).count() as u32;
        let free_bytes = KEY_BITS.checked_sub(null_bits + fixed_bits)? / 8;
        let string_bytes = match strings {
            0 => 0,
            n => (free_bytes / n).min(MAX_STRING_SLOT),
        };
        if strings > 0 && string_bytes < MIN_STRING_SLOT {
            return None;
        }
        let mut shift = 0;
        let mut null_bit = KEY_BITS;
        let mut slots = Vec::with_capacity(kinds.len());
        for (field, kind) in schema.fields().iter().zip(kinds) {
            let bytes = match kind {
                Kind::Boolean => 1,
                Kind::Fixed(bytes) => bytes,
                Kind::String => string_bytes,
            };
            let null = field.is_nullable().then(|| {
                null_bit -= 1;
                null_bit
            });
            slots.push(Slot {
                data_type: field.data_type().clone(),
                kind,
                shift,
                bytes,
                null_bit: null,
            });
            shift += bytes * 8;
        }
        (shift <= null_bit).then_some(Self { slots })
    }

    /// Packs each row of `columns` into `keys`; `false` when some value does not fit its slot
    /// (a longer string), and then `keys` is not meaningful.
    pub fn pack(&self, columns: &[ArrayRef], keys: &mut Vec<u128>) -> Result<bool> {
        let rows = columns.first().map_or(0, |c| c.len());
        keys.clear();
        keys.resize(rows, 0);
        for (slot, column) in self.slots.iter().zip(columns) {
            if !slot.pack(column, keys)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The group values of `keys`, one array per column.
    pub fn unpack(&self, keys: &[u128]) -> Result<Vec<ArrayRef>> {
        self.slots.iter().map(|slot| slot.unpack(keys)).collect()
    }
}

fn kind_of(data_type: &DataType) -> Option<Kind> {
    Some(match data_type {
        DataType::Boolean => Kind::Boolean,
        DataType::Int8 | DataType::UInt8 => Kind::Fixed(1),
        DataType::Int16 | DataType::UInt16 => Kind::Fixed(2),
        DataType::Int32 | DataType::UInt32 | DataType::Date32 | DataType::Time32(_) => {
            Kind::Fixed(4)
        }
        DataType::Int64
        | DataType::UInt64
        | DataType::Date64
        | DataType::Time64(_)
        | DataType::Timestamp(_, _) => Kind::Fixed(8),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Kind::String,
        _ => return None,
    })
}

fn low_bits(bytes: u32) -> u128 {
    if bytes >= 16 {
        u128::MAX
    } else {
        (1u128 << (bytes * 8)) - 1
    }
}

impl Slot {
    fn pack(&self, column: &ArrayRef, keys: &mut [u128]) -> Result<bool> {
        let fits = match self.kind {
            Kind::Boolean => {
                let values = column.as_boolean();
                for (i, key) in keys.iter_mut().enumerate() {
                    *key |= (values.value(i) as u128) << self.shift;
                }
                true
            }
            Kind::Fixed(bytes) => {
                let mask = low_bits(bytes);
                let bits = fixed_bits(column)?;
                for (key, value) in keys.iter_mut().zip(bits) {
                    *key |= (value as u128 & mask) << self.shift;
                }
                true
            }
            Kind::String => match column.data_type() {
                DataType::Utf8View => self.pack_views(column.as_string_view(), keys),
                DataType::Utf8 => self.pack_strings(column.as_string::<i32>(), keys),
                DataType::LargeUtf8 => self.pack_strings(column.as_string::<i64>(), keys),
                other => return internal_err!("a string group key of type {other}"),
            },
        };
        if self.null_bit.is_none() && column.null_count() > 0 {
            return Ok(false);
        }
        if let (Some(bit), Some(nulls)) = (self.null_bit, column.logical_nulls()) {
            let value_bits = !(low_bits(self.bytes) << self.shift);
            for (i, key) in keys.iter_mut().enumerate() {
                if nulls.is_null(i) {
                    *key = (*key & value_bits) | (1u128 << bit);
                }
            }
        }
        Ok(fits)
    }

    /// Strings of at most `bytes - 1` bytes sit inside their views: a view's low 32 bits are
    /// the length, the next 96 the bytes, zero-padded (Arrow's layout; were the padding not
    /// zero, equal strings would only split a group in two, which the final aggregation merges,
    /// while different strings still never share a key).
    fn pack_views(&self, column: &StringViewArray, keys: &mut [u128]) -> bool {
        let max_len = self.bytes - 1;
        let views = column.views();
        let longest = if self.bytes <= 8 {
            // The slot fits in 64 bits: its length byte, then up to 7 bytes of the string (the
            // view's bytes 4 to 10), computed on the view's halves.
            let mask = low_bits(self.bytes) as u64;
            let pack = |view: u128| {
                let (low, high) = (view as u64, (view >> 64) as u64);
                ((low & 0xff) | ((low >> 32) << 8) | (high << 40)) & mask
            };
            if self.shift >= 64 {
                let shift = self.shift - 64;
                fold_views(views, keys, |view| ((pack(view) << shift) as u128) << 64)
            } else if self.shift + self.bytes * 8 <= 64 {
                fold_views(views, keys, |view| (pack(view) << self.shift) as u128)
            } else {
                fold_views(views, keys, |view| (pack(view) as u128) << self.shift)
            }
        } else {
            let slot = low_bits(self.bytes);
            fold_views(views, keys, |view| {
                (((view & 0xff) | ((view >> 32) << 8)) & slot) << self.shift
            })
        };
        // A NULL's view may hold anything, so only valid rows count against the limit.
        longest <= max_len || self.nulls_hold_the_long_ones(column, max_len)
    }

    fn pack_strings<O: OffsetSizeTrait>(
        &self,
        column: &GenericStringArray<O>,
        keys: &mut [u128],
    ) -> bool {
        let max_len = (self.bytes - 1) as usize;
        let offsets = column.value_offsets();
        let data = column.value_data();
        let mut fits = true;
        for (i, key) in keys.iter_mut().enumerate() {
            let (start, end) = (offsets[i].as_usize(), offsets[i + 1].as_usize());
            let len = end - start;
            if len > max_len {
                fits &= column.is_null(i);
                continue;
            }
            let mut packed = len as u128;
            for (j, byte) in data[start..end].iter().enumerate() {
                packed |= (*byte as u128) << (8 * (j + 1));
            }
            *key |= packed << self.shift;
        }
        fits
    }

    fn nulls_hold_the_long_ones(&self, column: &StringViewArray, max_len: u32) -> bool {
        column
            .views()
            .iter()
            .enumerate()
            .all(|(i, view)| *view as u32 <= max_len || column.is_null(i))
    }

    fn unpack(&self, keys: &[u128]) -> Result<ArrayRef> {
        let value = |key: &u128| (*key >> self.shift) & low_bits(self.bytes);
        let is_null = |key: &u128| self.null_bit.is_some_and(|bit| (key >> bit) & 1 == 1);
        Ok(match self.kind {
            Kind::Boolean => Arc::new(
                keys.iter()
                    .map(|k| (!is_null(k)).then(|| value(k) != 0))
                    .collect::<BooleanArray>(),
            ),
            Kind::Fixed(_) => {
                let values = keys.iter().map(|k| (!is_null(k)).then(|| value(k) as u64));
                fixed_array(&self.data_type, values)?
            }
            Kind::String => {
                let strings: Vec<Option<String>> = keys
                    .iter()
                    .map(|k| {
                        (!is_null(k)).then(|| {
                            let packed = value(k);
                            let len = (packed & 0xff) as usize;
                            let bytes = (packed >> 8).to_le_bytes();
                            String::from_utf8_lossy(&bytes[..len]).into_owned()
                        })
                    })
                    .collect();
                match self.data_type {
                    DataType::Utf8View => Arc::new(StringViewArray::from_iter(strings)),
                    DataType::Utf8 => Arc::new(GenericStringArray::<i32>::from_iter(strings)),
                    DataType::LargeUtf8 => Arc::new(GenericStringArray::<i64>::from_iter(strings)),
                    ref other => return internal_err!("a string group key of type {other}"),
                }
            }
        })
    }
}

/// ORs each view's packed bits into its row's key; the longest length seen.
#[inline(always)]
fn fold_views(views: &[u128], keys: &mut [u128], packed: impl Fn(u128) -> u128) -> u32 {
    let mut longest = 0u32;
    for (key, view) in keys.iter_mut().zip(views) {
        longest = longest.max(*view as u32);
        *key |= packed(*view);
    }
    longest
}

/// The values of an integer-like column as their bits (sign-extended; the slot masks them).
fn fixed_bits(column: &ArrayRef) -> Result<Vec<u64>> {
    fn bits<T: ArrowPrimitiveType>(column: &ArrayRef, f: impl Fn(T::Native) -> u64) -> Vec<u64> {
        column
            .as_primitive::<T>()
            .values()
            .iter()
            .map(|v| f(*v))
            .collect()
    }
    Ok(match column.data_type() {
        DataType::Int8 => bits::<Int8Type>(column, |v| v as u64),
        DataType::UInt8 => bits::<UInt8Type>(column, |v| v as u64),
        DataType::Int16 => bits::<Int16Type>(column, |v| v as u64),
        DataType::UInt16 => bits::<UInt16Type>(column, |v| v as u64),
        DataType::Int32 => bits::<Int32Type>(column, |v| v as u64),
        DataType::UInt32 => bits::<UInt32Type>(column, |v| v as u64),
        DataType::Date32 => bits::<Date32Type>(column, |v| v as u64),
        DataType::Time32(TimeUnit::Second) => bits::<Time32SecondType>(column, |v| v as u64),
        DataType::Time32(_) => bits::<Time32MillisecondType>(column, |v| v as u64),
        DataType::Int64 => bits::<Int64Type>(column, |v| v as u64),
        DataType::UInt64 => bits::<UInt64Type>(column, |v| v),
        DataType::Date64 => bits::<Date64Type>(column, |v| v as u64),
        DataType::Time64(TimeUnit::Microsecond) => {
            bits::<Time64MicrosecondType>(column, |v| v as u64)
        }
        DataType::Time64(_) => bits::<Time64NanosecondType>(column, |v| v as u64),
        DataType::Timestamp(unit, _) => match unit {
            TimeUnit::Second => bits::<TimestampSecondType>(column, |v| v as u64),
            TimeUnit::Millisecond => bits::<TimestampMillisecondType>(column, |v| v as u64),
            TimeUnit::Microsecond => bits::<TimestampMicrosecondType>(column, |v| v as u64),
            TimeUnit::Nanosecond => bits::<TimestampNanosecondType>(column, |v| v as u64),
        },
        other => return internal_err!("a fixed-width group key of type {other}"),
    })
}

/// An array of `data_type` from values given as their (masked) bits.
fn fixed_array(
    data_type: &DataType,
    values: impl Iterator<Item = Option<u64>>,
) -> Result<ArrayRef> {
    fn array<T: ArrowPrimitiveType>(
        data_type: &DataType,
        values: impl Iterator<Item = Option<u64>>,
        f: impl Fn(u64) -> T::Native,
    ) -> ArrayRef {
        let array: PrimitiveArray<T> = values.map(|v| v.map(&f)).collect();
        Arc::new(array.with_data_type(data_type.clone()))
    }
    Ok(match data_type {
        DataType::Int8 => array::<Int8Type>(data_type, values, |v| v as u8 as i8),
        DataType::UInt8 => array::<UInt8Type>(data_type, values, |v| v as u8),
        DataType::Int16 => array::<Int16Type>(data_type, values, |v| v as u16 as i16),
        DataType::UInt16 => array::<UInt16Type>(data_type, values, |v| v as u16),
        DataType::Int32 => array::<Int32Type>(data_type, values, |v| v as u32 as i32),
        DataType::UInt32 => array::<UInt32Type>(data_type, values, |v| v as u32),
        DataType::Date32 => array::<Date32Type>(data_type, values, |v| v as u32 as i32),
        DataType::Time32(TimeUnit::Second) => {
            array::<Time32SecondType>(data_type, values, |v| v as u32 as i32)
        }
        DataType::Time32(_) => {
            array::<Time32MillisecondType>(data_type, values, |v| v as u32 as i32)
        }
        DataType::Int64 => array::<Int64Type>(data_type, values, |v| v as i64),
        DataType::UInt64 => array::<UInt64Type>(data_type, values, |v| v),
        DataType::Date64 => array::<Date64Type>(data_type, values, |v| v as i64),
        DataType::Time64(TimeUnit::Microsecond) => {
            array::<Time64MicrosecondType>(data_type, values, |v| v as i64)
        }
        DataType::Time64(_) => array::<Time64NanosecondType>(data_type, values, |v| v as i64),
        DataType::Timestamp(unit, _) => match unit {
            TimeUnit::Second => array::<TimestampSecondType>(data_type, values, |v| v as i64),
            TimeUnit::Millisecond => {
                array::<TimestampMillisecondType>(data_type, values, |v| v as i64)
            }
            TimeUnit::Microsecond => {
                array::<TimestampMicrosecondType>(data_type, values, |v| v as i64)
            }
            TimeUnit::Nanosecond => {
                array::<TimestampNanosecondType>(data_type, values, |v| v as i64)
            }
        },
        other => return internal_err!("a fixed-width group key of type {other}"),
    })
}
