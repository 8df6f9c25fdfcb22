//! The order compaction writes a group's rows in (Glue's compaction `strategy`): as read
//! (`binpack`), sorted by the table's sort order (`sort`), or along a Z-order curve over the
//! sort order's columns (`z-order`: rows close in every one of those columns end up in the same
//! files, so filters on any of them skip more files than a sort by the first one alone).
//!
//! Sorting runs in a DataFusion session of its own with [`SORT_MEMORY`] bytes: a group larger
//! than that is sorted in runs spilled to disk and merged, so memory stays bounded.
//!
//! The Z-order key of a row interleaves the bits of each column's position within the group's
//! range of that column (from the files' statistics): a number's place between the least and
//! greatest value, a string's or binary's by its first bytes after the prefix all values share.
//! Scaled to the same 32 bits, every column splits the rows at its middle first, so comparing
//! keys refines all columns alike.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BinaryArray, BinaryBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::streaming::StreamingTable;
use datafusion::error::DataFusionError;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{
    col, ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use datafusion::prelude::{SessionConfig, SessionContext};
use iceberg::spec::{Datum, NullOrder, PrimitiveLiteral, SortDirection, TableMetadata, Transform};

use crate::error::{Error, Result};

/// Memory a sort holds before it spills.
pub const SORT_MEMORY: usize = 256 * 1024 * 1024;
/// Bits of each column's position a Z-order key interleaves.
const POSITION_BITS: usize = 32;

/// How compaction orders a group's rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strategy {
    /// As read.
    #[default]
    BinPack,
    /// By the table's sort order.
    Sort,
    /// Along a Z-order curve over the sort order's columns.
    ZOrder,
}

impl Strategy {
    /// Glue's name (`binpack`, `sort`, `z-order`).
    pub fn name(self) -> &'static str {
        match self {
            Strategy::BinPack => "binpack",
            Strategy::Sort => "sort",
            Strategy::ZOrder => "z-order",
        }
    }

    pub fn parse(name: &str) -> Option<Strategy> {
        match name {
            "binpack" => Some(Strategy::BinPack),
            "sort" => Some(Strategy::Sort),
            "z-order" => Some(Strategy::ZOrder),
            _ => None,
        }
    }
}

/// One column of the table's sort order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortKey {
    pub field_id: i32,
    pub column: String,
    pub ascending: bool,
    pub nulls_first: bool,
}

/// The columns of the table's default sort order; an error when it has none or sorts by a
/// transform of a column (only identity is supported).
pub fn sort_keys(metadata: &TableMetadata, strategy: Strategy) -> Result<Vec<SortKey>> {
    let order = metadata.default_sort_order();
    if order.is_unsorted() {
        return Err(Error::bad_request(format!(
            "the {} strategy orders rows by the table's sort order, and the table has none (set one, e.g. with PyIceberg's replace_sort_order or Spark's WRITE ORDERED BY)",
            strategy.name()
        )));
    }
    let schema = metadata.current_schema();
    order
        .fields
        .iter()
        .map(|field| {
            let column = schema
                .name_by_field_id(field.source_id)
                .ok_or_else(|| {
                    Error::bad_request(format!(
                        "the sort order names field {}, which the table's schema does not have",
                        field.source_id
                    ))
                })?
                .to_string();
            if field.transform != Transform::Identity {
                return Err(Error::Unsupported(format!(
                    "the sort order sorts by {}({column}): compaction sorts by columns themselves (identity) only",
                    field.transform
                )));
            }
            Ok(SortKey {
                field_id: field.source_id,
                column,
                ascending: field.direction == SortDirection::Ascending,
                nulls_first: field.null_order == NullOrder::First,
            })
        })
        .collect()
}

/// The rows in the strategy's order (bin-packing leaves them as they are); `ranges` are the
/// least and greatest values of the columns (by field id) among the rows, for Z-order.
pub async fn ordered(
    rows: SendableRecordBatchStream,
    strategy: Strategy,
    keys: &[SortKey],
    ranges: &HashMap<i32, (Datum, Datum)>,
    batch_rows: usize,
) -> Result<SendableRecordBatchStream> {
    if strategy == Strategy::BinPack {
        return Ok(rows);
    }
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_limit(SORT_MEMORY, 1.0)
        .build_arc()?;
    let config = SessionConfig::new().with_batch_size(batch_rows);
    let ctx = SessionContext::new_with_config_rt(config, runtime);
    let schema = rows.schema();
    let source = StreamingTable::try_new(schema.clone(), vec![Arc::new(Once::new(rows))])?;
    let frame = ctx.read_table(Arc::new(source))?;
    let column = |k: &SortKey| col(datafusion::common::Column::from_name(&k.column));
    let order = match strategy {
        Strategy::ZOrder => {
            let scales = keys
                .iter()
                .map(|k| Scale::of(ranges.get(&k.field_id)))
                .collect();
            let key =
                ScalarUDF::from(ZOrderKey::new(scales)).call(keys.iter().map(column).collect());
            vec![key.sort(true, true)]
        }
        _ => keys
            .iter()
            .map(|k| column(k).sort(k.ascending, k.nulls_first))
            .collect(),
    };
    Ok(frame.sort(order)?.execute_stream().await?)
}

/// A stream a plan reads once.
struct Once {
    schema: SchemaRef,
    rows: Mutex<Option<SendableRecordBatchStream>>,
}

impl Once {
    fn new(rows: SendableRecordBatchStream) -> Once {
        Once {
            schema: rows.schema(),
            rows: Mutex::new(Some(rows)),
        }
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Once")
    }
}

impl PartitionStream for Once {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _: Arc<TaskContext>) -> SendableRecordBatchStream {
        let taken = self.rows.lock().unwrap_or_else(|p| p.into_inner()).take();
        taken.unwrap_or_else(|| {
            let failed = futures::stream::once(async {
                Err(DataFusionError::Internal(
                    "the rows being compacted were read twice".into(),
                ))
            });
            Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), failed))
        })
    }
}

/// How a column's values map to positions in `0..=u32::MAX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Scale {
    /// Numbers (and dates, timestamps) between `low` and `high` (as `f64` bits).
    Numeric { low: u64, high: u64 },
    /// Strings and binaries: the 8 bytes after a shared prefix of `skip` bytes, read as a
    /// number, between `low` and `high`.
    Bytes { skip: usize, low: u64, high: u64 },
    /// No statistics: numbers between their type's extremes, bytes from the first.
    Unknown,
}

impl Scale {
    fn of(range: Option<&(Datum, Datum)>) -> Scale {
        let number = |l: &PrimitiveLiteral| match l {
            PrimitiveLiteral::Int(v) => Some(f64::from(*v)),
            PrimitiveLiteral::Long(v) => Some(*v as f64),
            PrimitiveLiteral::Float(v) => Some(f64::from(v.0)),
            PrimitiveLiteral::Double(v) => Some(v.0),
            _ => None,
        };
        let bytes = |l: &PrimitiveLiteral| match l {
            PrimitiveLiteral::String(s) => Some(s.as_bytes().to_vec()),
            PrimitiveLiteral::Binary(b) => Some(b.clone()),
            _ => None,
        };
        let Some((low, high)) = range else {
            return Scale::Unknown;
        };
        let (low, high) = (low.literal(), high.literal());
        if let (Some(l), Some(h)) = (number(low), number(high)) {
            return Scale::Numeric {
                low: l.to_bits(),
                high: h.to_bits(),
            };
        }
        if let (Some(l), Some(h)) = (bytes(low), bytes(high)) {
            let skip = l.iter().zip(&h).take_while(|(a, b)| a == b).count();
            return Scale::Bytes {
                skip,
                low: eight_bytes(&l, skip),
                high: eight_bytes(&h, skip),
            };
        }
        Scale::Unknown
    }

    /// Each row's position (nulls first, at 0).
    fn positions(self, column: &ArrayRef) -> datafusion::error::Result<Vec<u32>> {
        let rows = column.len();
        let scaled = |v: f64, low: f64, high: f64| -> u32 {
            if high <= low {
                return 0;
            }
            (((v - low) / (high - low)).clamp(0.0, 1.0) * f64::from(u32::MAX)) as u32
        };
        if let Some(values) = as_bytes(column)? {
            let (skip, low, high) = match self {
                Scale::Bytes { skip, low, high } => (skip, low as f64, high as f64),
                _ => (0, 0.0, u64::MAX as f64),
            };
            return Ok((0..rows)
                .map(|i| {
                    if values.is_null(i) {
                        0
                    } else {
                        scaled(eight_bytes(values.value(i), skip) as f64, low, high)
                    }
                })
                .collect());
        }
        let numbers = as_numbers(column)?;
        let (low, high) = match self {
            Scale::Numeric { low, high } => (f64::from_bits(low), f64::from_bits(high)),
            _ => {
                let present = numbers.iter().flatten().copied();
                let low = present.clone().fold(f64::INFINITY, f64::min);
                (low, present.fold(f64::NEG_INFINITY, f64::max))
            }
        };
        Ok(numbers
            .iter()
            .map(|v| v.map_or(0, |v| scaled(v, low, high)))
            .collect())
    }
}

/// The 8 bytes of `bytes` after `skip`, as a big-endian number (missing bytes are 0).
fn eight_bytes(bytes: &[u8], skip: usize) -> u64 {
    let mut out = [0u8; 8];
    for (o, b) in out.iter_mut().zip(bytes.iter().skip(skip)) {
        *o = *b;
    }
    u64::from_be_bytes(out)
}

/// A string or binary column as binary values; `None` for other types.
fn as_bytes(column: &ArrayRef) -> datafusion::error::Result<Option<BinaryArray>> {
    Ok(match column.data_type() {
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => {
            let binary = match column.data_type() {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                    cast(&cast(column, &DataType::Utf8)?, &DataType::Binary)?
                }
                _ => cast(column, &DataType::Binary)?,
            };
            Some(binary.as_binary::<i32>().clone())
        }
        _ => None,
    })
}

/// A column of numbers, dates or timestamps as `f64` (dates as days, timestamps in their unit,
/// as Iceberg's statistics hold them).
fn as_numbers(column: &ArrayRef) -> datafusion::error::Result<Vec<Option<f64>>> {
    let numeric = match column.data_type() {
        DataType::Date32 => cast(column, &DataType::Int32)?,
        DataType::Timestamp(_, _) | DataType::Date64 | DataType::Time64(_) => {
            cast(column, &DataType::Int64)?
        }
        DataType::Boolean => cast(column, &DataType::UInt8)?,
        _ => column.clone(),
    };
    let doubles = cast(&numeric, &DataType::Float64)?;
    let doubles = doubles.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
    Ok(doubles.iter().collect())
}

/// `weir_zorder_key(c1, c2, …)`: a row's Z-order key (binary; ordering by it orders the rows
/// along the curve).
#[derive(Debug, PartialEq, Eq, Hash)]
struct ZOrderKey {
    signature: Signature,
    scales: Vec<Scale>,
}

impl ZOrderKey {
    fn new(scales: Vec<Scale>) -> ZOrderKey {
        ZOrderKey {
            signature: Signature::variadic_any(Volatility::Immutable),
            scales,
        }
    }
}

impl ScalarUDFImpl for ZOrderKey {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "weir_zorder_key"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> datafusion::error::Result<DataType> {
        Ok(DataType::Binary)
    }

    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::error::Result<ColumnarValue> {
        let rows = args.number_rows;
        let positions = args
            .args
            .into_iter()
            .zip(&self.scales)
            .map(|(a, scale)| scale.positions(&a.into_array(rows)?))
            .collect::<datafusion::error::Result<Vec<_>>>()?;
        Ok(ColumnarValue::Array(interleave(&positions, rows)))
    }
}

/// The keys of `rows` rows whose columns are at `positions`: their bits interleaved, highest
/// first.
fn interleave(positions: &[Vec<u32>], rows: usize) -> ArrayRef {
    let width = (POSITION_BITS * positions.len()).div_ceil(8);
    let mut keys = BinaryBuilder::with_capacity(rows, rows * width);
    let mut key = vec![0u8; width];
    for row in 0..rows {
        key.fill(0);
        let mut out = 0;
        for bit in (0..POSITION_BITS).rev() {
            for column in positions {
                if column[row] & (1 << bit) != 0 {
                    key[out / 8] |= 0x80 >> (out % 8);
                }
                out += 1;
            }
        }
        keys.append_value(&key);
    }
    Arc::new(keys.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, StringArray};

    fn keys(columns: &[ArrayRef], scales: &[Scale]) -> Vec<Vec<u8>> {
        let positions: Vec<Vec<u32>> = columns
            .iter()
            .zip(scales)
            .map(|(c, s)| s.positions(c).unwrap())
            .collect();
        let keys = interleave(&positions, columns[0].len());
        let keys = keys.as_binary::<i32>();
        (0..keys.len()).map(|i| keys.value(i).to_vec()).collect()
    }

    #[test]
    fn zorder_keys_visit_quadrants_in_turn() {
        // A 16 x 16 grid of a number and a letter: along the curve, each quarter of the points
        // is one quadrant.
        let (xs, ys): (Vec<i64>, Vec<String>) = (0..16)
            .flat_map(|x| (0..16u8).map(move |y| (x, ((b'a' + y) as char).to_string())))
            .unzip();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(xs.clone())),
            Arc::new(StringArray::from(ys.clone())),
        ];
        let scales = [
            Scale::of(Some(&(Datum::long(0), Datum::long(15)))),
            Scale::of(Some(&(Datum::string("a"), Datum::string("p")))),
        ];
        let keys = keys(&columns, &scales);
        let mut order: Vec<usize> = (0..xs.len()).collect();
        order.sort_by_key(|&i| keys[i].clone());
        for (quarter, points) in order.chunks(64).enumerate() {
            let quadrants: std::collections::BTreeSet<(bool, bool)> = points
                .iter()
                .map(|&i| (xs[i] >= 8, ys[i].as_str() >= "i"))
                .collect();
            assert_eq!(quadrants.len(), 1, "quarter {quarter} spans {quadrants:?}");
        }
    }

    #[test]
    fn positions_follow_the_values_order() {
        let numbers: ArrayRef = Arc::new(Int64Array::from(vec![Some(-5), None, Some(5), Some(0)]));
        let at = Scale::of(Some(&(Datum::long(-5), Datum::long(5))))
            .positions(&numbers)
            .unwrap();
        assert_eq!(at[0], 0);
        assert_eq!(at[1], 0);
        assert_eq!(at[2], u32::MAX);
        assert!(at[3] > 0 && at[3] < u32::MAX);
        // Without statistics, the values' own extremes.
        assert_eq!(Scale::Unknown.positions(&numbers).unwrap(), at);
        let words: ArrayRef = Arc::new(StringArray::from(vec!["key-b", "key-a", "key-c"]));
        let at = Scale::of(Some(&(Datum::string("key-a"), Datum::string("key-c"))))
            .positions(&words)
            .unwrap();
        assert!(at[1] < at[0] && at[0] < at[2]);
    }
}
