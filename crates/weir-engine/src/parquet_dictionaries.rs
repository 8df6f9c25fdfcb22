//! Parquet writes that choose, column by column, whether to dictionary-encode from the data.
//!
//! The Parquet writer dictionary-encodes every column and gives up on a column chunk once its
//! dictionary outgrows `dictionary_page_size_limit` (1 MiB), then starts over in the next row
//! group. A column of mostly distinct values (keys, prices, free text) pays for interning its
//! first 100,000 or so values in every row group and gains nothing (writing them plain made a
//! 60M-row CSV-to-Parquet job take 0.93x the time, and its file 3 % smaller). Before the first row is written, [`DictionaryChoosingSink`]
//! reads the first rows of the output (up to [`SAMPLE_ROWS`]), estimates each column's
//! distinct values in a row group, and writes plain those whose dictionary would not fit.
//! Columns of few values, or of values in runs (dates in order), keep their dictionaries. The
//! Iceberg and Delta writers, which take Parquet-rs `WriterProperties`, choose the same way
//! through [`with_dictionaries_chosen`].

use std::any::Any;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use ahash::RandomState;
use async_trait::async_trait;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::config::TableParquetOptions;
use datafusion::common::hash_utils::create_hashes;
use datafusion::datasource::file_format::parquet::ParquetSink;
use datafusion::error::Result;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::parquet::schema::types::ColumnPath;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan};
use datafusion_datasource::file_sink_config::{FileSink, FileSinkConfig};
use datafusion_datasource::sink::{DataSink, DataSinkExec};
use futures::StreamExt;

/// Rows of the output read before deciding.
const SAMPLE_ROWS: usize = 65_536;
/// At most this much of the output is held before deciding (wide rows).
const SAMPLE_BYTES: usize = 16 * 1024 * 1024;
/// Below this many rows a sample says too little; such an output keeps the writer's defaults.
const MIN_SAMPLE_ROWS: usize = 1024;

/// `plan` with a Parquet sink replaced by one that chooses dictionaries from the data; any other
/// plan as it is.
pub(crate) fn choosing_dictionaries(plan: Arc<dyn ExecutionPlan>) -> Arc<dyn ExecutionPlan> {
    let Some(exec) = plan.as_any().downcast_ref::<DataSinkExec>() else {
        return plan;
    };
    let Some(sink) = exec.sink().as_any().downcast_ref::<ParquetSink>() else {
        return plan;
    };
    // A sink with an order writes it into the file's metadata, which a new sink would lose.
    if exec.sort_order().is_some()
        || sink.parquet_options().global.dictionary_enabled == Some(false)
    {
        return plan;
    }
    let choosing = DictionaryChoosingSink {
        config: sink.config().clone(),
        options: sink.parquet_options().clone(),
    };
    Arc::new(DataSinkExec::new(
        Arc::clone(exec.input()),
        Arc::new(choosing),
        None,
    ))
}

/// A Parquet sink that reads the first rows, settles each column's dictionary, then writes all.
#[derive(Debug)]
struct DictionaryChoosingSink {
    config: FileSinkConfig,
    options: TableParquetOptions,
}

impl DisplayAs for DictionaryChoosingSink {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Parquet with dictionaries chosen from the data: ")?;
        ParquetSink::new(self.config.clone(), self.options.clone()).fmt_as(t, f)
    }
}

#[async_trait]
impl DataSink for DictionaryChoosingSink {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> &SchemaRef {
        self.config.output_schema()
    }

    async fn write_all(
        &self,
        mut data: SendableRecordBatchStream,
        context: &Arc<TaskContext>,
    ) -> Result<u64> {
        let global = &self.options.global;
        let (sample, plain) = sample_plain_columns(
            &mut data,
            global.max_row_group_size,
            global.dictionary_page_size_limit,
        )
        .await?;
        let mut options = self.options.clone();
        for name in plain {
            let column = options.column_specific_options.entry(name).or_default();
            // A column the writer's options name keeps what they say.
            column.dictionary_enabled.get_or_insert(false);
        }
        let sink = ParquetSink::new(self.config.clone(), options);
        DataSink::write_all(&sink, replayed(sample, data), context).await
    }
}

/// Reads the first rows of `data` (up to [`SAMPLE_ROWS`]) and names its top-level columns whose
/// dictionary would outgrow `limit` bytes in a row group of `max_row_group_size` rows: those are
/// better written plain. The rows read are returned, to be written first ([`replayed`]).
pub async fn sample_plain_columns(
    data: &mut SendableRecordBatchStream,
    max_row_group_size: usize,
    limit: usize,
) -> Result<(Vec<RecordBatch>, Vec<String>)> {
    let mut sample = Vec::new();
    let (mut rows, mut bytes, mut ended) = (0, 0, false);
    while rows < SAMPLE_ROWS && bytes < SAMPLE_BYTES {
        match data.next().await {
            Some(batch) => {
                let batch = batch?;
                rows += batch.num_rows();
                bytes += batch.get_array_memory_size();
                sample.push(batch);
            }
            None => {
                ended = true;
                break;
            }
        }
    }
    let rows_per_group = if ended {
        rows.min(max_row_group_size)
    } else {
        max_row_group_size
    };
    let plain = plain_columns(&sample, rows_per_group, limit)?;
    Ok((sample, plain))
}

/// `props` with the dictionary turned off for the columns of `data` that are better written
/// plain ([`sample_plain_columns`]), for writers that take Parquet-rs `WriterProperties` (Iceberg
/// and Delta tables); with the rows read, to be written first ([`replayed`]).
pub async fn with_dictionaries_chosen(
    props: WriterProperties,
    data: &mut SendableRecordBatchStream,
) -> Result<(WriterProperties, Vec<RecordBatch>)> {
    let (sample, plain) = sample_plain_columns(
        data,
        props.max_row_group_row_count().unwrap_or(usize::MAX),
        props.dictionary_page_size_limit(),
    )
    .await?;
    let mut builder = props.clone().into_builder();
    for name in plain {
        let path = ColumnPath::from(name);
        if props.dictionary_enabled(&path) {
            builder = builder.set_column_dictionary_enabled(path, false);
        }
    }
    Ok((builder.build(), sample))
}

/// The rows `sample` took from `rest`, then the rest.
pub fn replayed(
    sample: Vec<RecordBatch>,
    rest: SendableRecordBatchStream,
) -> SendableRecordBatchStream {
    let schema = rest.schema();
    let stream = futures::stream::iter(sample.into_iter().map(Ok)).chain(rest);
    Box::pin(RecordBatchStreamAdapter::new(schema, stream))
}

/// The top-level columns of `sample` whose dictionary would outgrow `limit` bytes within a row
/// group of `rows_per_group` rows: those are better written plain.
fn plain_columns(
    sample: &[RecordBatch],
    rows_per_group: usize,
    limit: usize,
) -> Result<Vec<String>> {
    let Some(first) = sample.first() else {
        return Ok(Vec::new());
    };
    let rows: usize = sample.iter().map(RecordBatch::num_rows).sum();
    if rows < MIN_SAMPLE_ROWS.min(rows_per_group) {
        return Ok(Vec::new());
    }
    let schema = first.schema();
    let random_state = RandomState::with_seeds(0, 0, 0, 0);
    let mut plain = Vec::new();
    for (i, field) in schema.fields().iter().enumerate() {
        let Some(width) = dictionary_entry_width(field.data_type()) else {
            continue;
        };
        // Names with a dot would be read as nested paths by the writer's column options.
        if field.name().contains('.') {
            continue;
        }
        let mut distinct = Distinct::new(rows, width);
        for batch in sample {
            distinct.add(batch.column(i), &random_state)?;
        }
        let values = distinct.estimate(rows_per_group);
        if values * distinct.entry_bytes() > limit as f64 {
            plain.push(field.name().clone());
        }
    }
    Ok(plain)
}

/// The bytes a value takes in a dictionary page: `Some(0)` for variable-length values (measured
/// from the data), `None` for columns left as the writer decides (booleans, nested values,
/// dictionary arrays).
fn dictionary_entry_width(data_type: &DataType) -> Option<usize> {
    match data_type {
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView => Some(0),
        // Parquet stores decimals of up to 9 digits as INT32 and up to 18 as INT64.
        DataType::Decimal128(p, _) | DataType::Decimal256(p, _) if *p <= 9 => Some(4),
        DataType::Decimal128(p, _) | DataType::Decimal256(p, _) if *p <= 18 => Some(8),
        t if t.is_primitive() => t.primitive_width(),
        DataType::FixedSizeBinary(n) => usize::try_from(*n).ok(),
        _ => None,
    }
}

/// Counts of distinct non-null values over a sample: in its first half and in the whole.
struct Distinct {
    rows: usize,
    seen_rows: usize,
    hashes: HashSet<u64>,
    in_first_half: usize,
    /// The width of a value ([`dictionary_entry_width`]); 0: measured, from the bytes of the
    /// non-null values and their number.
    width: usize,
    value_bytes: usize,
    values: usize,
}

impl Distinct {
    fn new(rows: usize, width: usize) -> Self {
        Self {
            rows,
            seen_rows: 0,
            hashes: HashSet::new(),
            in_first_half: 0,
            width,
            value_bytes: 0,
            values: 0,
        }
    }

    fn add(&mut self, array: &dyn Array, random_state: &RandomState) -> Result<()> {
        let mut hashes = vec![0; array.len()];
        create_hashes([array], random_state, &mut hashes)?;
        let half = self.rows / 2;
        for (row, hash) in hashes.iter().enumerate() {
            if self.seen_rows + row == half {
                self.in_first_half = self.hashes.len();
            }
            if array.is_valid(row) {
                self.hashes.insert(*hash);
            }
        }
        self.seen_rows += array.len();
        if self.width == 0 {
            self.values += array.len() - array.null_count();
            self.value_bytes += value_bytes(array);
        }
        Ok(())
    }

    /// Bytes of one dictionary entry: the fixed width, or the mean length plus its 4-byte prefix.
    fn entry_bytes(&self) -> f64 {
        if self.width > 0 {
            self.width as f64
        } else {
            4.0 + self.value_bytes as f64 / self.values.max(1) as f64
        }
    }

    /// The distinct values expected in `rows_per_group` rows. Two readings of the sample, the
    /// smaller taken: values in runs or clusters (keys in order) keep appearing at the rate of
    /// the sample; values drawn at random from K (a code, a foreign key) saturate at K, where
    /// K follows from how many new values the second half of the sample brought.
    fn estimate(&self, rows_per_group: usize) -> f64 {
        let distinct = self.hashes.len() as f64;
        let (n, r) = (self.rows as f64, rows_per_group as f64);
        if distinct == 0.0 || r <= n {
            return distinct.min(r);
        }
        let at_sample_rate = distinct * r / n;
        let first_half = self.in_first_half as f64;
        // The second half brings `1 - first/distinct` of the values; drawn at random from K,
        // distinct(n) / distinct(n/2) = 1 + e^(-n/2K).
        let growth = distinct / first_half.max(1.0);
        let drawn_from_k = if growth <= 1.0 + 1e-9 {
            distinct
        } else if growth >= 2.0 - 1e-9 {
            f64::INFINITY
        } else {
            let k = (-n / (2.0 * (growth - 1.0).ln())).max(distinct);
            k * (1.0 - (-r / k).exp())
        };
        at_sample_rate.min(drawn_from_k).max(distinct)
    }
}

/// Bytes of the non-null values of a string or binary array.
fn value_bytes(array: &dyn Array) -> usize {
    let total = |lengths: &mut dyn Iterator<Item = usize>| lengths.sum::<usize>();
    match array.data_type() {
        DataType::Utf8 => total(&mut array.as_string::<i32>().iter().flatten().map(str::len)),
        DataType::LargeUtf8 => total(&mut array.as_string::<i64>().iter().flatten().map(str::len)),
        DataType::Utf8View => total(&mut array.as_string_view().iter().flatten().map(str::len)),
        DataType::Binary => total(&mut array.as_binary::<i32>().iter().flatten().map(<[u8]>::len)),
        DataType::LargeBinary => {
            total(&mut array.as_binary::<i64>().iter().flatten().map(<[u8]>::len))
        }
        DataType::BinaryView => {
            total(&mut array.as_binary_view().iter().flatten().map(<[u8]>::len))
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{ArrayRef, Int32Array, Int64Array, StringArray};
    use datafusion::arrow::datatypes::{Field, Schema};

    const ROW_GROUP: usize = 1024 * 1024;
    const LIMIT: usize = 1024 * 1024;

    /// A sample of `rows` rows in batches of 8192, column `c` given by `value(row)`.
    fn sample(rows: usize, value: impl Fn(usize) -> i64) -> Vec<RecordBatch> {
        let schema = Arc::new(Schema::new(vec![Field::new("c", DataType::Int64, true)]));
        (0..rows)
            .step_by(8192)
            .map(|start| {
                let end = (start + 8192).min(rows);
                let column: ArrayRef =
                    Arc::new(Int64Array::from_iter_values((start..end).map(&value)));
                RecordBatch::try_new(Arc::clone(&schema), vec![column]).unwrap()
            })
            .collect()
    }

    /// A fixed pseudo-random sequence (no dependency on a random number generator).
    fn scrambled(row: usize) -> u64 {
        let mut x = row as u64 ^ 0x9E37_79B9_7F4A_7C15;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }

    fn plain(sample: &[RecordBatch]) -> bool {
        !plain_columns(sample, ROW_GROUP, LIMIT).unwrap().is_empty()
    }

    #[test]
    fn distinct_values_are_written_plain() {
        assert!(plain(&sample(SAMPLE_ROWS, |row| row as i64 * 7)));
        assert!(plain(&sample(SAMPLE_ROWS, |row| scrambled(row) as i64)));
    }

    #[test]
    fn keys_in_order_repeated_a_few_times_are_written_plain() {
        // An order key of a line-item table: 4 lines per order, orders in sequence.
        assert!(plain(&sample(SAMPLE_ROWS, |row| (row / 4) as i64)));
    }

    #[test]
    fn few_values_keep_the_dictionary() {
        assert!(!plain(
            &sample(SAMPLE_ROWS, |row| (scrambled(row) % 50) as i64)
        ));
        assert!(!plain(&sample(
            SAMPLE_ROWS,
            |row| (scrambled(row) % 10_000) as i64
        )));
    }

    #[test]
    fn values_drawn_from_a_set_that_fits_keep_the_dictionary() {
        // 100,000 values of 8 bytes fill 800 KB: the sample sees fewer than half of them.
        assert!(!plain(&sample(
            SAMPLE_ROWS,
            |row| (scrambled(row) % 100_000) as i64
        )));
        // 300,000 do not fit.
        assert!(plain(&sample(
            SAMPLE_ROWS,
            |row| (scrambled(row) % 300_000) as i64
        )));
    }

    #[test]
    fn values_in_long_runs_keep_the_dictionary() {
        // Dates in order, 400 rows each: 2,600 values in a row group.
        assert!(!plain(&sample(SAMPLE_ROWS, |row| (row / 400) as i64)));
    }

    #[test]
    fn a_whole_small_output_is_judged_on_itself() {
        // All 20,000 rows distinct: 160 KB of dictionary for the one row group there is.
        let all = sample(20_000, |row| row as i64);
        assert!(plain_columns(&all, 20_000, LIMIT).unwrap().is_empty());
        assert!(!plain_columns(&all, 20_000, 100_000).unwrap().is_empty());
        // Too few rows to say anything about a larger output.
        assert!(
            plain_columns(&sample(500, |row| row as i64), ROW_GROUP, LIMIT)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn strings_are_measured_by_their_length_and_only_listed_columns_change() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("comment", DataType::Utf8, true),
            Field::new("flag", DataType::Utf8, true),
            Field::new("day", DataType::Int32, true),
            Field::new("ok", DataType::Boolean, true),
        ]));
        let batches: Vec<_> = (0..SAMPLE_ROWS)
            .step_by(8192)
            .map(|start| {
                let rows = start..start + 8192;
                let comment = StringArray::from_iter_values(
                    rows.clone().map(|r| format!("a remark of some length {r}")),
                );
                let flag = StringArray::from_iter(
                    rows.clone()
                        .map(|r| (r % 3 != 0).then(|| ["A", "N"][r % 2])),
                );
                let day = Int32Array::from_iter_values(
                    rows.clone().map(|r| (scrambled(r) % 2500) as i32),
                );
                let ok = datafusion::arrow::array::BooleanArray::from_iter(
                    rows.map(|r| Some(r % 2 == 0)),
                );
                let columns: Vec<ArrayRef> = vec![
                    Arc::new(comment),
                    Arc::new(flag),
                    Arc::new(day),
                    Arc::new(ok),
                ];
                RecordBatch::try_new(Arc::clone(&schema), columns).unwrap()
            })
            .collect();
        assert_eq!(
            plain_columns(&batches, ROW_GROUP, LIMIT).unwrap(),
            vec!["comment".to_string()]
        );
    }
}
