//! Data files written with each column's dictionary chosen from the data: distinct ids and
//! payloads plain, the category in a dictionary, every row read back.

use std::fs::File;

use datafusion::parquet::basic::Encoding;
use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
use iceberg::spec::FormatVersion;

use crate::support::{data_files, local_path, read, rows, shown, Env, Layout};

#[tokio::test]
async fn distinct_values_are_written_plain_and_repeated_ones_in_a_dictionary() {
    let env = Env::new().await;
    let layout = Layout {
        partitioned: false,
        format: FormatVersion::V2,
    };
    let ident = env.create("events", layout).await;
    let all = rows(0, 100_000, "x");
    let table = env.append(&ident, &all).await;

    let files = data_files(&table).await;
    assert_eq!(files.iter().map(|f| f.records).sum::<u64>(), 100_000);
    for file in &files {
        let reader =
            SerializedFileReader::new(File::open(local_path(&file.path)).unwrap()).unwrap();
        let group = reader.metadata().row_group(0);
        let in_dictionary: Vec<String> = group
            .columns()
            .iter()
            .filter(|c| c.encodings().any(|e| e == Encoding::RLE_DICTIONARY))
            .map(|c| c.column_path().string())
            .collect();
        assert_eq!(in_dictionary, ["category"], "{}", file.path);
    }
    assert_eq!(read(&env.ctx, &table, None).await, shown(&all));
}
