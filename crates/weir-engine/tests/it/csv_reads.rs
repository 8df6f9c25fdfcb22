//! CSV read by Weir's plain-text reader gives what Arrow's reader gives: the same rows written
//! plain (read in byte ranges), with every text field quoted (Arrow's reader throughout), and
//! plain for most rows and quoted from row 340,000 on (handed over within the second range).

use serde_json::json;

use crate::support::{csv_lines, run, s, write};

/// About 30 MB: two byte ranges on two cores, each of several 8 MiB blocks.
const ROWS: usize = 400_000;

/// `lineitem`-like rows: an id, a price (empty every 97th row), a date, a text (empty every
/// 50th), a flag; text fields quoted from row `quoted_from` on.
fn rows(quoted_from: usize) -> String {
    let mut text = String::from("id|price|day|note|flag\r\n");
    for i in 0..ROWS {
        let price = match i % 97 {
            0 => String::new(),
            _ => format!("{}.{:02}", i % 90_000, i % 100),
        };
        let day = 1992 + i % 7;
        let month = i % 12 + 1;
        let note = match i % 50 {
            0 => String::new(),
            _ => format!("furiously regular note {i}, of the batch"),
        };
        let note = match i >= quoted_from && !note.is_empty() {
            true => format!("\"{note}\""),
            false => note,
        };
        let flag = ["true", "false", "TRUE"][i % 3];
        text.push_str(&format!(
            "{i}|{price}|{day}-{month:02}-{:02}|{note}|{flag}\n",
            i % 28 + 1
        ));
    }
    text
}

/// A job's totals of the file: one CSV line.
async fn totals(dir: &std::path::Path, name: &str, text: &str) -> String {
    let input = write(dir, &format!("{name}/rows.csv"), text);
    let out = dir.join(format!("{name}-out"));
    run(json!({ "CodeGenConfigurationNodes": {
        "src": { "S3CsvSource": { "Name": "Rows", "Paths": [s(&input)], "Separator": "pipe", "QuoteChar": "quote", "WithHeader": true } },
        "map": { "ApplyMapping": { "Name": "Types", "Inputs": ["src"], "Mapping": [
            { "ToKey": "id", "FromPath": ["id"], "FromType": "bigint", "ToType": "bigint" },
            { "ToKey": "price", "FromPath": ["price"], "FromType": "double", "ToType": "decimal(12,2)" },
            { "ToKey": "day", "FromPath": ["day"], "FromType": "date", "ToType": "date" },
            { "ToKey": "note", "FromPath": ["note"], "FromType": "string", "ToType": "string" },
            { "ToKey": "flag", "FromPath": ["flag"], "FromType": "boolean", "ToType": "boolean" } ] } },
        "sql": { "SparkSQL": { "Name": "Totals", "Inputs": ["map"], "SqlAliases": [{ "From": "map", "Alias": "t" }],
                 "SqlQuery": "SELECT count(*) AS n, sum(id) AS ids, count(price) AS prices, sum(price) AS total, \
                              min(day) AS first, max(day) AS last, sum(datediff(day, DATE'1992-01-01')) AS days, \
                              count(note) AS notes, count(DISTINCT note) AS distinct_notes, sum(length(note)) AS chars, \
                              sum(CASE WHEN flag THEN 1 ELSE 0 END) AS flags FROM t" } },
        "dst": { "S3DirectTarget": { "Name": "Back", "Inputs": ["sql"], "Path": s(&out), "Format": "csv" } }
    }}))
    .await
    .unwrap();
    let (header, lines) = csv_lines(&out);
    assert_eq!(
        header,
        "n,ids,prices,total,first,last,days,notes,distinct_notes,chars,flags"
    );
    assert_eq!(lines.len(), 1);
    lines[0].clone()
}

#[tokio::test]
async fn plain_quoted_and_partly_quoted_csv_read_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let plain = totals(dir.path(), "plain", &rows(ROWS)).await;
    let quoted = totals(dir.path(), "quoted", &rows(0)).await;
    let half = totals(dir.path(), "half", &rows(340_000)).await;
    assert_eq!(plain, quoted);
    assert_eq!(half, quoted);

    // And the totals are right.
    let ids: usize = (0..ROWS).sum();
    let priced: Vec<usize> = (0..ROWS).filter(|i| i % 97 != 0).collect();
    let cents: usize = priced.iter().map(|i| (i % 90_000) * 100 + i % 100).sum();
    let notes = ROWS - ROWS.div_ceil(50);
    let flags = ROWS.div_ceil(3) + (ROWS - 2).div_ceil(3);
    let expected_start = format!(
        "{ROWS},{ids},{},{}.{:02},1992-01-01,1998-12-28,",
        priced.len(),
        cents / 100,
        cents % 100
    );
    assert!(plain.starts_with(&expected_start), "{plain}");
    assert!(
        plain.ends_with(&format!(",{notes},{notes},{},{flags}", {
            let chars: usize = (0..ROWS)
                .filter(|i| i % 50 != 0)
                .map(|i| format!("furiously regular note {i}, of the batch").len())
                .sum();
            chars
        })),
        "{plain}"
    );
}

#[tokio::test]
async fn a_value_that_does_not_read_names_the_file_value_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id|day\n");
    for i in 0..1000 {
        text.push_str(&format!("{i}|2020-01-{:02}\n", i % 28 + 1));
    }
    text.push_str("1000|2020-02-30\n");
    let input = write(dir.path(), "in/days.csv", &text);
    let err = run(json!({ "CodeGenConfigurationNodes": {
        "src": { "S3CsvSource": { "Name": "Days", "Paths": [s(&input)], "Separator": "pipe", "QuoteChar": "quote", "WithHeader": true } },
        "dst": { "S3GlueParquetTarget": { "Name": "Out", "Inputs": ["src"], "Path": s(&dir.path().join("out")), "Compression": "snappy" } }
    }}))
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("days.csv"), "{err}");
    assert!(
        err.contains("'2020-02-30' as type 'Date32' for column 1 at line 1002"),
        "{err}"
    );
}
