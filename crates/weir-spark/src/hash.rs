//! Spark's `hash` (Murmur3 x86 32-bit, an `int`) and `xxhash64` (XXH64, a `bigint`), both
//! seeded with 42 and folded over the arguments: each non-null value is hashed with the hash
//! so far as its seed, so the results equal Spark's for the same values and types (bucketing
//! and sampling that depend on them agree). Values hash as Spark's types do: booleans, bytes,
//! shorts, ints and dates as an `int`; longs and timestamps (microseconds) as a `long`;
//! floating point by its bits (`-0.0` as `0.0`); decimals of up to 18 digits by their
//! unscaled `long`, wider ones by the unscaled value's minimal two's-complement bytes; text
//! and binary by their bytes; arrays and structs element by element.
//!
//! Integer literals written in the call (also inside `array(…)` and `struct(…)` there) that fit
//! an `int` hash as an `int`, as Spark types them ([`super::sql_rewrite`]; DataFusion's SQL makes
//! every integer literal a `bigint`). Maps are refused, as Spark refuses them.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int32Array, Int64Array};
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::ScalarUDF;

use super::udf::SparkFn;

/// Spark's seed for both functions.
const SEED: u32 = 42;

/// The functions of this module.
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        SparkFn::new("hash", coerce, |_| Ok(DataType::Int32), murmur3).udf(),
        SparkFn::new("xxhash64", coerce, |_| Ok(DataType::Int64), xxhash64).udf(),
    ]
}

/// One or more values of types Spark can hash (dictionaries read as their values).
fn coerce(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    if args.is_empty() {
        return Err("takes at least one argument".into());
    }
    args.iter()
        .map(|t| {
            let t = match t {
                DataType::Dictionary(_, value) => value.as_ref().clone(),
                t => t.clone(),
            };
            hashable(&t).map(|_| t)
        })
        .collect()
}

/// Can values of `t` be hashed as Spark hashes its types?
fn hashable(t: &DataType) -> std::result::Result<(), String> {
    use DataType::*;
    match t {
        Null | Boolean | Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64
        | Float32 | Float64 | Date32 | Date64 | Timestamp(..) | Decimal128(..) | Utf8
        | LargeUtf8 | Utf8View | Binary | LargeBinary | BinaryView | FixedSizeBinary(_) => Ok(()),
        List(f) | LargeList(f) | FixedSizeList(f, _) => hashable(f.data_type()),
        Struct(fields) => fields.iter().try_for_each(|f| hashable(f.data_type())),
        Map(..) => Err("cannot hash a map (Spark refuses maps)".into()),
        other => Err(format!("cannot hash a value of type {other}")),
    }
}

/// A 32- or 64-bit hash function as Spark applies it to its types.
trait SparkHasher {
    type Hash: Copy;
    fn int(v: i32, seed: Self::Hash) -> Self::Hash;
    fn long(v: i64, seed: Self::Hash) -> Self::Hash;
    fn bytes(b: &[u8], seed: Self::Hash) -> Self::Hash;
}

/// Spark's `Murmur3_x86_32` (its `hashUnsafeBytes` mixes the bytes after the last whole word
/// one by one, sign-extended, where the reference Murmur3 packs them into one word).
struct Murmur3;

impl Murmur3 {
    fn mix_k1(k1: u32) -> u32 {
        k1.wrapping_mul(0xcc9e_2d51)
            .rotate_left(15)
            .wrapping_mul(0x1b87_3593)
    }

    fn mix_h1(h1: u32, k1: u32) -> u32 {
        (h1 ^ k1)
            .rotate_left(13)
            .wrapping_mul(5)
            .wrapping_add(0xe654_6b64)
    }

    fn fmix(h1: u32, length: u32) -> u32 {
        let mut h = h1 ^ length;
        h ^= h >> 16;
        h = h.wrapping_mul(0x85eb_ca6b);
        h ^= h >> 13;
        h = h.wrapping_mul(0xc2b2_ae35);
        h ^ (h >> 16)
    }
}

impl SparkHasher for Murmur3 {
    type Hash = u32;

    fn int(v: i32, seed: u32) -> u32 {
        Self::fmix(Self::mix_h1(seed, Self::mix_k1(v as u32)), 4)
    }

    fn long(v: i64, seed: u32) -> u32 {
        let h1 = Self::mix_h1(seed, Self::mix_k1(v as u32));
        let h1 = Self::mix_h1(h1, Self::mix_k1((v >> 32) as u32));
        Self::fmix(h1, 8)
    }

    fn bytes(b: &[u8], seed: u32) -> u32 {
        let words = b.chunks_exact(4);
        let tail = words.remainder();
        let mut h1 = seed;
        for w in words {
            let k1 = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
            h1 = Self::mix_h1(h1, Self::mix_k1(k1));
        }
        for &byte in tail {
            h1 = Self::mix_h1(h1, Self::mix_k1(i32::from(byte as i8) as u32));
        }
        Self::fmix(h1, b.len() as u32)
    }
}

/// XXH64: Spark's `hashInt`/`hashLong` equal the reference hash of the little-endian bytes.
struct XxHash64;

impl SparkHasher for XxHash64 {
    type Hash = u64;

    fn int(v: i32, seed: u64) -> u64 {
        twox_hash::XxHash64::oneshot(seed, &v.to_le_bytes())
    }

    fn long(v: i64, seed: u64) -> u64 {
        twox_hash::XxHash64::oneshot(seed, &v.to_le_bytes())
    }

    fn bytes(b: &[u8], seed: u64) -> u64 {
        twox_hash::XxHash64::oneshot(seed, b)
    }
}

fn murmur3(args: &[ArrayRef], rows: usize, _: &DataType) -> Result<ArrayRef> {
    let hashes = fold::<Murmur3>(args, rows, SEED)?;
    Ok(Arc::new(Int32Array::from_iter_values(
        hashes.into_iter().map(|h| h as i32),
    )))
}

fn xxhash64(args: &[ArrayRef], rows: usize, _: &DataType) -> Result<ArrayRef> {
    let hashes = fold::<XxHash64>(args, rows, u64::from(SEED))?;
    Ok(Arc::new(Int64Array::from_iter_values(
        hashes.into_iter().map(|h| h as i64),
    )))
}

/// Each row's hash of the arguments, left to right.
fn fold<H: SparkHasher>(args: &[ArrayRef], rows: usize, seed: H::Hash) -> Result<Vec<H::Hash>> {
    let mut hashes = vec![seed; rows];
    for array in args {
        let array = match array.data_type() {
            DataType::Dictionary(_, value) => {
                datafusion::arrow::compute::cast(array, value.as_ref())?
            }
            _ => array.clone(),
        };
        for (row, h) in hashes.iter_mut().enumerate() {
            *h = value::<H>(array.as_ref(), row, *h)?;
        }
    }
    Ok(hashes)
}

/// `seed` updated with the value at `row` (unchanged for a null).
fn value<H: SparkHasher>(array: &dyn Array, row: usize, seed: H::Hash) -> Result<H::Hash> {
    if array.is_null(row) {
        return Ok(seed);
    }
    let int = |v: i32| Ok(H::int(v, seed));
    let long = |v: i64| Ok(H::long(v, seed));
    match array.data_type() {
        DataType::Null => Ok(seed),
        DataType::Boolean => int(i32::from(array.as_boolean().value(row))),
        DataType::Int8 => int(i32::from(array.as_primitive::<Int8Type>().value(row))),
        DataType::Int16 => int(i32::from(array.as_primitive::<Int16Type>().value(row))),
        DataType::Int32 => int(array.as_primitive::<Int32Type>().value(row)),
        DataType::UInt8 => int(i32::from(array.as_primitive::<UInt8Type>().value(row))),
        DataType::UInt16 => int(i32::from(array.as_primitive::<UInt16Type>().value(row))),
        DataType::Date32 => int(array.as_primitive::<Date32Type>().value(row)),
        DataType::Int64 => long(array.as_primitive::<Int64Type>().value(row)),
        DataType::UInt32 => long(i64::from(array.as_primitive::<UInt32Type>().value(row))),
        DataType::UInt64 => long(array.as_primitive::<UInt64Type>().value(row) as i64),
        DataType::Date64 => {
            let millis = array.as_primitive::<Date64Type>().value(row);
            int(millis.div_euclid(86_400_000) as i32)
        }
        DataType::Timestamp(unit, _) => long(micros(array, row, unit)),
        DataType::Float32 => {
            let v = array.as_primitive::<Float32Type>().value(row);
            // -0.0 hashes as 0.0, every NaN as Java's canonical one.
            let bits = if v == 0.0 {
                0
            } else if v.is_nan() {
                0x7fc0_0000
            } else {
                v.to_bits()
            };
            int(bits as i32)
        }
        DataType::Float64 => {
            let v = array.as_primitive::<Float64Type>().value(row);
            let bits = if v == 0.0 {
                0
            } else if v.is_nan() {
                0x7ff8_0000_0000_0000
            } else {
                v.to_bits()
            };
            long(bits as i64)
        }
        DataType::Decimal128(precision, _) => {
            let unscaled = array.as_primitive::<Decimal128Type>().value(row);
            match i64::try_from(unscaled) {
                Ok(v) if *precision <= 18 => long(v),
                _ => Ok(H::bytes(&big_integer_bytes(unscaled), seed)),
            }
        }
        DataType::Utf8 => Ok(H::bytes(
            array.as_string::<i32>().value(row).as_bytes(),
            seed,
        )),
        DataType::LargeUtf8 => Ok(H::bytes(
            array.as_string::<i64>().value(row).as_bytes(),
            seed,
        )),
        DataType::Utf8View => Ok(H::bytes(array.as_string_view().value(row).as_bytes(), seed)),
        DataType::Binary => Ok(H::bytes(array.as_binary::<i32>().value(row), seed)),
        DataType::LargeBinary => Ok(H::bytes(array.as_binary::<i64>().value(row), seed)),
        DataType::BinaryView => Ok(H::bytes(array.as_binary_view().value(row), seed)),
        DataType::FixedSizeBinary(_) => Ok(H::bytes(array.as_fixed_size_binary().value(row), seed)),
        DataType::List(_) => elements::<H>(&array.as_list::<i32>().value(row), seed),
        DataType::LargeList(_) => elements::<H>(&array.as_list::<i64>().value(row), seed),
        DataType::FixedSizeList(..) => elements::<H>(&array.as_fixed_size_list().value(row), seed),
        DataType::Struct(_) => {
            let mut h = seed;
            for column in array.as_struct().columns() {
                h = value::<H>(column.as_ref(), row, h)?;
            }
            Ok(h)
        }
        other => exec_err!("cannot hash a value of type {other}"),
    }
}

/// `seed` updated with each element of an array value in turn.
fn elements<H: SparkHasher>(values: &ArrayRef, seed: H::Hash) -> Result<H::Hash> {
    let mut h = seed;
    for i in 0..values.len() {
        h = value::<H>(values.as_ref(), i, h)?;
    }
    Ok(h)
}

/// A timestamp as microseconds since the epoch (Spark's `TimestampType`).
fn micros(array: &dyn Array, row: usize, unit: &TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => array
            .as_primitive::<TimestampSecondType>()
            .value(row)
            .saturating_mul(1_000_000),
        TimeUnit::Millisecond => array
            .as_primitive::<TimestampMillisecondType>()
            .value(row)
            .saturating_mul(1_000),
        TimeUnit::Microsecond => array.as_primitive::<TimestampMicrosecondType>().value(row),
        TimeUnit::Nanosecond => array
            .as_primitive::<TimestampNanosecondType>()
            .value(row)
            .div_euclid(1_000),
    }
}

/// Java's `BigInteger.toByteArray`: the shortest big-endian two's complement of `v`.
fn big_integer_bytes(v: i128) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while start + 1 < bytes.len() {
        let (b, next) = (bytes[start], bytes[start + 1]);
        let redundant = (b == 0x00 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    bytes[start..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_integer_bytes_are_minimal_twos_complement() {
        assert_eq!(big_integer_bytes(0), vec![0x00]);
        assert_eq!(big_integer_bytes(127), vec![0x7f]);
        assert_eq!(big_integer_bytes(128), vec![0x00, 0x80]);
        assert_eq!(big_integer_bytes(-1), vec![0xff]);
        assert_eq!(big_integer_bytes(-128), vec![0x80]);
        assert_eq!(big_integer_bytes(-129), vec![0xff, 0x7f]);
    }
}
