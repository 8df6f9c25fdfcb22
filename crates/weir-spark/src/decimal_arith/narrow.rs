//! Decimal `+`, `-` and `*` of operands whose values all fit in 32 bits, in 64-bit arithmetic.
//!
//! Most decimal columns hold values far below 2^31 (a price of 21,474,836.47 in cents), and
//! their products and rescaled sums then fit in 64 bits. A 128-bit value is two 64-bit words
//! in memory, low word first; reading the low words, checking that the high ones only extend
//! their sign, and writing each result as its two words is a loop the compiler turns into
//! vector instructions (on a CPU with AVX2, four rows at a time), where arithmetic on `i128`s
//! stays one row at a time.

use datafusion::arrow::buffer::{MutableBuffer, ScalarBuffer};

/// One operand: a column's values as pairs of 64-bit words, or a constant that fits in 32 bits.
#[derive(Clone, Copy)]
pub(super) enum Narrow<'a> {
    Words(&'a [[i64; 2]]),
    Constant(i32),
}

impl<'a> Narrow<'a> {
    /// A column's values as `(low, high)` words.
    pub(super) fn words(values: &'a ScalarBuffer<i128>) -> Self {
        Narrow::Words(values.inner().typed_data::<i64>().as_chunks::<2>().0)
    }
}

/// A value's low word, sign-extended from its low 32 bits.
#[inline(always)]
fn low_32(value: &[i64; 2]) -> i64 {
    i64::from(value[0] as i32)
}

/// Non-zero when a value does not fit in 32 bits.
#[inline(always)]
fn outside_32(value: &[i64; 2]) -> i64 {
    (low_32(value) ^ value[0]) | (value[1] ^ (value[0] >> 63))
}

/// A 64-bit result as the two words of a 128-bit one.
#[inline(always)]
fn put(result: &mut [i64; 2], value: i64) {
    *result = [value, value >> 63];
}

/// `f` over `len` pairs of values, as 128-bit results; `None` when some value of a column does
/// not fit in 32 bits (null slots included). `f` takes values of 32 bits and must not overflow
/// 64 bits: a product of two of them, or a sum of two such products.
#[inline(always)]
pub(super) fn map2(
    l: Narrow,
    r: Narrow,
    len: usize,
    f: impl Fn(i64, i64) -> i64,
) -> Option<ScalarBuffer<i128>> {
    // Zeroed by hand: a zeroed allocation of this size is fresh pages from the system, one page
    // fault per 4 KiB in every batch.
    let mut out = MutableBuffer::with_capacity(len * 16);
    out.resize(len * 16, 0);
    let results = &mut out.typed_data_mut::<i64>().as_chunks_mut::<2>().0[..len];
    let outside = match (l, r) {
        (Narrow::Words(a), Narrow::Words(b)) => columns(results, &a[..len], &b[..len], f),
        (Narrow::Words(a), Narrow::Constant(y)) => {
            column(results, &a[..len], move |x| f(x, i64::from(y)))
        }
        (Narrow::Constant(x), Narrow::Words(b)) => {
            column(results, &b[..len], move |y| f(i64::from(x), y))
        }
        (Narrow::Constant(x), Narrow::Constant(y)) => {
            let value = f(i64::from(x), i64::from(y));
            results.iter_mut().for_each(|result| put(result, value));
            0
        }
    };
    (outside == 0).then(|| ScalarBuffer::new(out.into(), 0, len))
}

// The loops are functions of their own, not inlined: the compiler knows then that the results
// do not overlap the operands, and vectorises the loops without checking.

/// `f` of two columns into `results`; non-zero when some value does not fit in 32 bits.
#[inline(never)]
fn columns(
    results: &mut [[i64; 2]],
    a: &[[i64; 2]],
    b: &[[i64; 2]],
    f: impl Fn(i64, i64) -> i64,
) -> i64 {
    let mut outside = 0;
    for ((result, x), y) in results.iter_mut().zip(a).zip(b) {
        outside |= outside_32(x) | outside_32(y);
        put(result, f(low_32(x), low_32(y)));
    }
    outside
}

/// `f` of one column into `results`; non-zero when some value does not fit in 32 bits.
#[inline(never)]
fn column(results: &mut [[i64; 2]], a: &[[i64; 2]], f: impl Fn(i64) -> i64) -> i64 {
    let mut outside = 0;
    for (result, x) in results.iter_mut().zip(a) {
        outside |= outside_32(x);
        put(result, f(low_32(x)));
    }
    outside
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: &[i128]) -> ScalarBuffer<i128> {
        ScalarBuffer::from(v.to_vec())
    }

    #[test]
    fn values_of_32_bits_give_exact_64_bit_results_sign_extended() {
        let a = values(&[i32::MAX.into(), i32::MIN.into(), -7, 0]);
        let b = values(&[i32::MAX.into(), i32::MIN.into(), 6, 5]);
        let times = |x: i64, y: i64| x * y;
        let products = map2(Narrow::words(&a), Narrow::words(&b), 4, times);
        assert_eq!(
            products.as_deref(),
            Some(&[(i32::MAX as i128).pow(2), (i32::MIN as i128).pow(2), -42, 0][..])
        );
        let shifted = map2(Narrow::Constant(100), Narrow::words(&b), 4, |x, y| x - y);
        assert_eq!(
            shifted.as_deref(),
            Some(&[100 - i32::MAX as i128, 100 - i32::MIN as i128, 94, 95][..])
        );
        let constant = map2(Narrow::Constant(-3), Narrow::Constant(4), 2, times);
        assert_eq!(constant.as_deref(), Some(&[-12, -12][..]));
    }

    #[test]
    fn any_value_wider_than_32_bits_gives_up() {
        let narrow = values(&[1, 2, 3]);
        for wide in [
            1i128 << 31,
            -(1i128 << 31) - 1,
            1 << 64,
            -(1 << 64),
            1 << 100,
        ] {
            let wider = values(&[1, wide, 3]);
            let times = |x: i64, y: i64| x * y;
            assert_eq!(
                map2(Narrow::words(&narrow), Narrow::words(&wider), 3, times),
                None
            );
            assert_eq!(
                map2(Narrow::words(&wider), Narrow::Constant(2), 3, times),
                None
            );
            assert_eq!(
                map2(Narrow::Constant(2), Narrow::words(&wider), 3, times),
                None
            );
        }
    }
}
