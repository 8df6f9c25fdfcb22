//! Every transform and S3 target on the edge cases: rows with nulls and a nested struct (some
//! null), and an empty input of the same schema (a Parquet file of zero rows), each checked
//! by reading back what the job wrote.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema};
use serde_json::{json, Value};

use crate::support::{files, json_rows, run, s, write};

const NESTED: &str = "{\"id\":1,\"name\":\"a\",\"s\":{\"x\":1,\"y\":\"p\"}}\n\
                      {\"id\":2,\"name\":null,\"s\":null}\n\
                      {\"id\":null,\"name\":\"c\",\"s\":{\"x\":null,\"y\":\"q\"}}\n";

/// The inputs: `nested.json` (rows above) and `empty.parquet` (same schema, no rows).
struct Inputs {
    _dir: tempfile::TempDir,
    nested: PathBuf,
    empty: PathBuf,
}

fn inputs() -> Inputs {
    let dir = tempfile::tempdir().unwrap();
    let nested = write(dir.path(), "nested.json", NESTED);
    let empty = dir.path().join("empty.parquet");
    let s = Fields::from(vec![
        Field::new("x", DataType::Int64, true),
        Field::new("y", DataType::Utf8, true),
    ]);
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, true),
        Field::new("name", DataType::Utf8, true),
        Field::new("s", DataType::Struct(s), true),
    ]));
    let file = std::fs::File::create(&empty).unwrap();
    datafusion::parquet::arrow::ArrowWriter::try_new(file, schema, None)
        .unwrap()
        .close()
        .unwrap();
    Inputs {
        _dir: dir,
        nested,
        empty,
    }
}

/// A source node over `path`: JSON or Parquet by its suffix.
fn source(path: &Path) -> Value {
    match path.extension().and_then(|e| e.to_str()) {
        Some("parquet") => json!({ "S3ParquetSource": { "Name": "In", "Paths": [s(path)] } }),
        _ => json!({ "S3JsonSource": { "Name": "In", "Paths": [s(path)] } }),
    }
}

/// Runs `node` (id `t`, its inputs `src` and, for two-input nodes, `src2` — the same file)
/// and returns the rows written as JSON.
async fn through(node: Value, input: &Path) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let job = json!({ "Name": "edge", "CodeGenConfigurationNodes": {
        "src": source(input),
        "src2": source(input),
        "t": node,
        "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["t"], "Path": s(&out), "Format": "json" } }
    }});
    let summary = run(job).await.unwrap_or_else(|e| panic!("{e}"));
    let rows = json_rows(&out);
    let written = summary.nodes.iter().find(|n| n.node == "out").unwrap();
    assert_eq!(written.rows_written, Some(rows.len() as u64));
    rows
}

/// `rows` sorted as [`json_rows`] sorts.
fn sorted(mut rows: Vec<Value>) -> Vec<Value> {
    rows.sort_by_key(|r| r.to_string());
    rows
}

/// Checks a node on both inputs: the nested rows give `expected`, the empty input `empty`.
async fn check(node: Value, expected: Vec<Value>, empty: Vec<Value>) {
    let inputs = inputs();
    assert_eq!(
        through(node.clone(), &inputs.nested).await,
        sorted(expected),
        "{node}"
    );
    assert_eq!(
        through(node.clone(), &inputs.empty).await,
        sorted(empty),
        "{node} on no rows"
    );
}

fn one(fields: Value) -> Value {
    let mut f = fields;
    f["Name"] = json!("T");
    if f.get("Inputs").is_none() {
        f["Inputs"] = json!(["src"]);
    }
    f
}

#[tokio::test]
async fn apply_mapping() {
    let node = json!({ "ApplyMapping": one(json!({ "Mapping": [
        { "ToKey": "key", "FromPath": ["id"], "FromType": "bigint", "ToType": "string" },
        { "ToKey": "sx", "FromPath": ["s", "x"], "FromType": "bigint", "ToType": "int" },
        { "ToKey": "s2", "FromPath": ["s"], "ToType": "struct", "Children": [
            { "ToKey": "why", "FromPath": ["y"], "ToType": "string" } ] } ] })) });
    let expected = vec![
        json!({"key": "1", "sx": 1, "s2": {"why": "p"}}),
        json!({"key": "2"}),
        json!({"s2": {"why": "q"}}),
    ];
    check(node, expected, vec![]).await;
}

#[tokio::test]
async fn select_drop_and_rename_fields() {
    let select = json!({ "SelectFields": one(json!({ "Paths": [["s", "x"], ["name"]] })) });
    let expected = vec![
        json!({"s.x": 1, "name": "a"}),
        json!({}),
        json!({"name": "c"}),
    ];
    check(select, expected, vec![]).await;
    let drop = json!({ "DropFields": one(json!({ "Paths": [["name"]] })) });
    let expected = vec![
        json!({"id": 1, "s": {"x": 1, "y": "p"}}),
        json!({"id": 2}),
        json!({"s": {"y": "q"}}),
    ];
    check(drop, expected, vec![]).await;
    let rename =
        json!({ "RenameField": one(json!({ "SourcePath": ["s"], "TargetPath": ["point"] })) });
    let expected = vec![
        json!({"id": 1, "name": "a", "point": {"x": 1, "y": "p"}}),
        json!({"id": 2}),
        json!({"name": "c", "point": {"y": "q"}}),
    ];
    check(rename, expected, vec![]).await;
}

#[tokio::test]
async fn filter_on_nulls_and_nested_fields() {
    let node = json!({ "Filter": one(json!({ "LogicalOperator": "OR", "Filters": [
        { "Operation": "ISNULL", "Negated": false, "Values": [{ "Type": "COLUMNEXTRACTED", "Value": ["name"] }] },
        { "Operation": "EQ", "Negated": false, "Values": [
            { "Type": "COLUMNEXTRACTED", "Value": ["s", "y"] }, { "Type": "CONSTANT", "Value": ["q"] } ] } ] })) });
    let expected = vec![json!({"id": 2}), json!({"name": "c", "s": {"y": "q"}})];
    check(node, expected, vec![]).await;
}

#[tokio::test]
async fn join_skips_null_keys() {
    let node = json!({ "Join": one(json!({ "Inputs": ["src", "src2"], "JoinType": "equijoin", "Columns": [
        { "From": "src", "Keys": [["id"]] }, { "From": "src2", "Keys": [["id"]] } ] })) });
    let expected = vec![
        json!({"id": 1, "name": "a", "s": {"x": 1, "y": "p"}, "right_name": "a", "right_s": {"x": 1, "y": "p"}}),
        json!({"id": 2}),
    ];
    check(node, expected, vec![]).await;
}

#[tokio::test]
async fn union_and_drop_duplicates_compare_structs_and_nulls() {
    let union =
        json!({ "Union": one(json!({ "Inputs": ["src", "src2"], "UnionType": "DISTINCT" })) });
    let rows = vec![
        json!({"id": 1, "name": "a", "s": {"x": 1, "y": "p"}}),
        json!({"id": 2}),
        json!({"name": "c", "s": {"y": "q"}}),
    ];
    check(union, rows.clone(), vec![]).await;
    let dedupe = json!({ "DropDuplicates": one(json!({})) });
    check(dedupe, rows.clone(), vec![]).await;
    // Names are all different (a null is one value): every row stays.
    let by_name = json!({ "DropDuplicates": one(json!({ "Columns": [["name"]] })) });
    check(by_name, rows, vec![]).await;
}

#[tokio::test]
async fn merge_keeps_null_keyed_rows_of_both_sides() {
    let node = json!({ "Merge": one(json!({ "Inputs": ["src", "src2"], "Source": "src", "PrimaryKeys": [["id"]] })) });
    let expected = vec![
        json!({"id": 1, "name": "a", "s": {"x": 1, "y": "p"}}),
        json!({"id": 2}),
        json!({"name": "c", "s": {"y": "q"}}),
        json!({"name": "c", "s": {"y": "q"}}),
    ];
    check(node, expected, vec![]).await;
}

#[tokio::test]
async fn spark_sql_reads_nested_fields_and_nulls() {
    let node = json!({ "SparkSQL": one(json!({ "SqlAliases": [{ "From": "src", "Alias": "t" }],
        "SqlQuery": "SELECT id, s.x AS sx, coalesce(name, '?') AS n FROM t" })) });
    let expected = vec![
        json!({"id": 1, "sx": 1, "n": "a"}),
        json!({"id": 2, "n": "?"}),
        json!({"n": "c"}),
    ];
    check(node, expected, vec![]).await;
}

#[tokio::test]
async fn aggregate_groups_nulls_and_reads_nested_fields() {
    let node = json!({ "Aggregate": one(json!({ "Groups": [["name"]], "Aggs": [
        { "Column": ["id"], "AggFunc": "count" }, { "Column": ["s", "x"], "AggFunc": "max" } ] })) });
    let expected = vec![
        json!({"name": "a", "count(id)": 1, "max(s.x)": 1}),
        json!({"count(id)": 1}),
        json!({"name": "c", "count(id)": 0}),
    ];
    check(node, expected, vec![]).await;
    // Without groups, no rows still make one row, as in Spark.
    let global = json!({ "Aggregate": one(json!({ "Groups": [], "Aggs": [
        { "Column": ["id"], "AggFunc": "count" }, { "Column": ["s", "x"], "AggFunc": "avg" } ] })) });
    check(
        global,
        vec![json!({"count(id)": 2, "avg(s.x)": 1.0})],
        vec![json!({"count(id)": 0})],
    )
    .await;
}

#[tokio::test]
async fn split_fields_and_select_from_collection() {
    for (index, expected) in [
        (
            0,
            vec![
                json!({"s": {"x": 1, "y": "p"}}),
                json!({}),
                json!({"s": {"y": "q"}}),
            ],
        ),
        (
            1,
            vec![
                json!({"id": 1, "name": "a"}),
                json!({"id": 2}),
                json!({"name": "c"}),
            ],
        ),
    ] {
        let inputs = inputs();
        for (input, rows) in [(&inputs.nested, expected.clone()), (&inputs.empty, vec![])] {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("out");
            run(json!({ "CodeGenConfigurationNodes": {
                "src": source(input),
                "split": { "SplitFields": { "Name": "Split", "Inputs": ["src"], "Paths": [["s"]] } },
                "pick": { "SelectFromCollection": { "Name": "Pick", "Inputs": ["split"], "Index": index } },
                "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["pick"], "Path": s(&out), "Format": "json" } }
            }}))
            .await
            .unwrap();
            assert_eq!(json_rows(&out), sorted(rows), "index {index}");
        }
    }
}

#[tokio::test]
async fn spigot_passes_rows_on_and_samples_them() {
    let inputs = inputs();
    for (input, n) in [(&inputs.nested, 3), (&inputs.empty, 0)] {
        let dir = tempfile::tempdir().unwrap();
        let sample = dir.path().join("sample");
        let rows = through(
            json!({ "Spigot": one(json!({ "Path": s(&sample), "Topk": 2 })) }),
            input,
        )
        .await;
        assert_eq!(rows.len(), n);
        assert_eq!(json_rows(&sample).len(), n.min(2));
    }
}

#[tokio::test]
async fn fill_missing_values_leaves_structs_alone() {
    let node = json!({ "FillMissingValues": one(json!({ "ImputedPath": "name" })) });
    let expected = vec![
        json!({"id": 1, "name": "a", "s": {"x": 1, "y": "p"}, "name_filled": "a"}),
        json!({"id": 2, "name_filled": "a"}),
        json!({"name": "c", "s": {"y": "q"}, "name_filled": "c"}),
    ];
    check(node, expected, vec![]).await;
}

#[tokio::test]
async fn drop_null_fields_drops_only_all_null_columns() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.json",
        "{\"id\":1,\"gone\":null,\"s\":{\"x\":1}}\n{\"id\":2,\"gone\":null,\"s\":null}\n",
    );
    let rows = through(json!({ "DropNullFields": one(json!({})) }), &input).await;
    assert_eq!(rows, [json!({"id": 1, "s": {"x": 1}}), json!({"id": 2})]);
    // On no rows every column is all-null: nothing is left to write, and the job succeeds.
    let rows = through(json!({ "DropNullFields": one(json!({})) }), &inputs().empty).await;
    assert!(rows.is_empty());
}

/// Each S3 target writes the nested rows with their nulls, read back through a source of its
/// format; on no rows, it writes no row.
#[tokio::test]
async fn s3_targets_round_trip_nulls_and_structs() {
    let targets = [
        (
            "parquet",
            json!({ "S3DirectTarget": { "Format": "parquet" } }),
        ),
        (
            "json",
            json!({ "S3DirectTarget": { "Format": "json", "Compression": "gzip" } }),
        ),
        (
            "parquet",
            json!({ "S3GlueParquetTarget": { "Compression": "gzip" } }),
        ),
        ("parquet", json!({ "S3HyperDirectTarget": {} })),
    ];
    let inputs = inputs();
    let expected = json_rows_of(NESTED);
    for (format, target) in targets {
        let (kind, fields) = target.as_object().unwrap().iter().next().unwrap();
        for (input, rows) in [(&inputs.nested, expected.clone()), (&inputs.empty, vec![])] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("t");
            let mut fields = fields.clone();
            fields["Name"] = json!("T");
            fields["Inputs"] = json!(["src"]);
            fields["Path"] = json!(s(&path));
            let summary = run(json!({ "CodeGenConfigurationNodes": { "src": source(input), "t": { kind: fields } } }))
                .await
                .unwrap_or_else(|e| panic!("{kind}: {e}"));
            let written = summary.nodes.iter().find(|n| n.node == "t").unwrap();
            assert_eq!(written.rows_written, Some(rows.len() as u64), "{kind}");
            if rows.is_empty() {
                continue;
            }
            let back = dir.path().join("back");
            let source = match format {
                "parquet" => json!({ "S3ParquetSource": { "Name": "B", "Paths": [s(&path)] } }),
                _ => json!({ "S3JsonSource": { "Name": "B", "Paths": [s(&path)] } }),
            };
            run(json!({ "CodeGenConfigurationNodes": { "src": source,
                "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["src"], "Path": s(&back), "Format": "json" } } } }))
            .await
            .unwrap();
            assert_eq!(json_rows(&back), rows, "{kind} {:?}", files(&path));
        }
    }
}

/// A CSV target cannot hold a struct: the error names the node.
#[tokio::test]
async fn a_csv_target_refuses_structs_naming_the_node() {
    let inputs = inputs();
    let dir = tempfile::tempdir().unwrap();
    let e = run(json!({ "CodeGenConfigurationNodes": { "src": source(&inputs.nested),
        "t": { "S3DirectTarget": { "Name": "T", "Inputs": ["src"], "Path": s(&dir.path().join("t")), "Format": "csv" } } } }))
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("node t"), "{e}");
}

fn json_rows_of(text: &str) -> Vec<Value> {
    // JSON output leaves nulls out.
    fn strip(v: Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k, strip(v)))
                    .collect(),
            ),
            v => v,
        }
    }
    sorted(
        text.lines()
            .map(|l| strip(serde_json::from_str(l).unwrap()))
            .collect(),
    )
}

#[tokio::test]
async fn two_columns_of_one_name_are_not_written() {
    // Spark names both columns `id`; no target can hold them by name (Spark refuses too).
    let inputs = inputs();
    let dir = tempfile::tempdir().unwrap();
    let job = json!({ "Name": "edge", "CodeGenConfigurationNodes": {
        "src": source(&inputs.nested),
        "t": { "SparkSQL": one(json!({ "SqlAliases": [{ "From": "src", "Alias": "t" }],
            "SqlQuery": "SELECT id, CAST(id AS STRING) FROM t" })) },
        "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["t"],
            "Path": s(&dir.path().join("out")), "Format": "json" } }
    }});
    let e = run(job).await.unwrap_err().to_string();
    assert!(e.contains("two columns named `id`"), "{e}");
    // Aliased, they are written.
    let node = json!({ "SparkSQL": one(json!({ "SqlAliases": [{ "From": "src", "Alias": "t" }],
        "SqlQuery": "SELECT id, CAST(id AS STRING) AS sid FROM t WHERE id = 1" })) });
    assert_eq!(
        through(node, &inputs.nested).await,
        vec![json!({"id": 1, "sid": "1"})]
    );
}
