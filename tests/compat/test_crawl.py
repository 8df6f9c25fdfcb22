"""`weir crawl PATH --database DB`: folders the suite writes (CSV in several dialects, JSON
nested, several documents a line and gzip without suffix, Parquet written by a Weir job, Hive and
unnamed partitions, mixed schemas, a malformed file) crawled into a running service's catalog,
checked table by table as Glue's crawler writes them, and read back by visual jobs."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from pathlib import Path

from test_job_remote_catalog import json_rows, run_job, write
from weir_harness import unique, weir_bin


def crawl(endpoint: str, database: str, *paths: Path | str, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    cmd = [str(weir_bin()), "crawl", *map(str, paths), "--database", database, "--catalog-endpoint", endpoint, *extra]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIR__") and k != "WEIR_CONFIG"}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    return done


def columns(table: dict) -> list[tuple[str, str]]:
    return [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]


def tables(glue, database: str) -> dict[str, dict]:
    return {t["Name"]: t for t in glue.get_tables(DatabaseName=database)["TableList"]}


def read_back(weir, database: str, table: str, tmp: Path) -> list[dict]:
    """The table's rows, as a visual job reading it from the service's catalog writes them."""
    out = tmp / unique("back")
    job = {"CodeGenConfigurationNodes": {
        "src": {"CatalogSource": {"Name": "src", "Database": database, "Table": table}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(out), "Format": "json"}},
    }}
    done = run_job(job, tmp, weir.url)
    assert done.returncode == 0, done.stderr
    return ordered(json_rows(out))


def ordered(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))


def test_csv_dialects_become_tables_with_glues_serdes_and_parameters(weir, glue, tmp_path):
    root = tmp_path / "lake"
    write(root / "quoted/a.csv", 'id,name,price,active\n1,apple,1.5,true\n2,"pear, green",2,false\n')
    write(root / "piped/a.txt", "1|north|7\n2|south|8\n")
    write(root / "tabbed/a.tsv", "city\tpop\nOslo\t700000\nBergen\t290000\n")
    database = unique("crawl")
    done = crawl(weir.url, database, root)
    assert f"{database}.quoted (csv" in done.stdout and "created" in done.stdout
    found = tables(glue, database)
    assert sorted(found) == ["piped", "quoted", "tabbed"]

    quoted = found["quoted"]
    assert columns(quoted) == [("id", "bigint"), ("name", "string"), ("price", "double"), ("active", "boolean")]
    assert quoted["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.serde2.OpenCSVSerde"
    assert quoted["StorageDescriptor"]["Location"] == (root / "quoted").as_uri() + "/"
    params = quoted["Parameters"]
    assert {k: params[k] for k in ("classification", "delimiter", "skip.header.line.count", "areColumnsQuoted",
                                   "compressionType", "typeOfData", "objectCount", "recordCount",
                                   "UPDATED_BY_CRAWLER")} == {
        "classification": "csv", "delimiter": ",", "skip.header.line.count": "1", "areColumnsQuoted": "true",
        "compressionType": "none", "typeOfData": "file", "objectCount": "1", "recordCount": "2",
        "UPDATED_BY_CRAWLER": "weir-crawl"}
    assert params["sizeKey"] == str((root / "quoted/a.csv").stat().st_size)

    piped = found["piped"]
    assert columns(piped) == [("col0", "bigint"), ("col1", "string"), ("col2", "bigint")]
    assert piped["Parameters"]["skip.header.line.count"] == "0"
    assert piped["StorageDescriptor"]["SerdeInfo"] == {
        "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", "Parameters": {"field.delim": "|"}}
    assert columns(found["tabbed"]) == [("city", "string"), ("pop", "bigint")]

    assert read_back(weir, database, "quoted", tmp_path) == ordered([
        {"active": True, "id": 1, "name": "apple", "price": 1.5},
        {"active": False, "id": 2, "name": "pear, green", "price": 2.0}])
    assert read_back(weir, database, "piped", tmp_path) == ordered([
        {"col0": 1, "col1": "north", "col2": 7}, {"col0": 2, "col1": "south", "col2": 8}])


def test_json_nested_several_a_line_and_gzip_without_suffix(weir, glue, tmp_path):
    root = tmp_path / "events"
    write(root / "plain.json", '{"id": 1, "tags": ["a"], "geo": {"lat": 1.5}}\n')
    (root / "part-0001").write_bytes(gzip.compress(b'{"id": 2} {"id": 3000000000, "geo": {"lon": 2}}\n'))
    database = unique("crawl")
    crawl(weir.url, database, root)
    events = tables(glue, database)["events"]
    # Columns in the order the files (in key order) show them first.
    assert columns(events) == [("id", "bigint"), ("geo", "struct<lon:int,lat:double>"), ("tags", "array<string>")]
    assert events["Parameters"]["classification"] == "json"
    assert "compressionType" not in events["Parameters"], "files compressed differently are read one by one"
    assert events["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    assert sorted(r["id"] for r in read_back(weir, database, "events", tmp_path)) == [1, 2, 3000000000]


def test_hive_and_unnamed_partitions_with_typed_keys(weir, glue, tmp_path):
    hive = tmp_path / "sales"
    for year, month, rows in [(2024, 1, "1,10\n2,20\n"), (2024, 2, "3,30\n"), (2025, 1, "4,40\n")]:
        write(hive / f"year={year}/month={month}/part.csv", "id,amount\n" + rows)
    unnamed = tmp_path / "clicks"
    for day in ("2024-05-01", "2024-05-02"):
        write(unnamed / day / "c.json", f'{{"page": "{day}"}}\n')
    database = unique("crawl")
    crawl(weir.url, database, hive, unnamed)
    found = tables(glue, database)
    assert [(k["Name"], k["Type"]) for k in found["sales"]["PartitionKeys"]] == [("year", "bigint"), ("month", "bigint")]
    assert [(k["Name"], k["Type"]) for k in found["clicks"]["PartitionKeys"]] == [("partition_0", "string")]
    parts = glue.get_partitions(DatabaseName=database, TableName="sales")["Partitions"]
    assert sorted(p["Values"] for p in parts) == [["2024", "1"], ["2024", "2"], ["2025", "1"]]
    assert {p["StorageDescriptor"]["Location"] for p in parts} == {
        f"file://{hive}/year={y}/month={m}/" for y, m in [(2024, 1), (2024, 2), (2025, 1)]}
    assert read_back(weir, database, "sales", tmp_path) == ordered([
        {"id": 1, "amount": 10, "year": 2024, "month": 1}, {"id": 2, "amount": 20, "year": 2024, "month": 1},
        {"id": 3, "amount": 30, "year": 2024, "month": 2}, {"id": 4, "amount": 40, "year": 2025, "month": 1}])
    assert sorted(r["partition_0"] for r in read_back(weir, database, "clicks", tmp_path)) == ["2024-05-01", "2024-05-02"]


def test_parquet_written_by_a_job_is_crawled_from_its_metadata(weir, glue, tmp_path):
    source = write(tmp_path / "in/rows.json", '{"id": 1, "amount": 2.5, "day": "2024-05-01"}\n')
    warehouse = tmp_path / "warehouse"
    job = {"CodeGenConfigurationNodes": {
        "src": {"S3JsonSource": {"Name": "src", "Paths": [str(source)]}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(warehouse / "facts"), "Format": "parquet"}},
    }}
    assert run_job(job, tmp_path, weir.url).returncode == 0
    database = unique("crawl")
    crawl(weir.url, database, warehouse / "facts")
    facts = tables(glue, database)["facts"]
    assert facts["Parameters"]["classification"] == "parquet"
    assert columns(facts) == [("id", "bigint"), ("amount", "double"), ("day", "string")]
    assert read_back(weir, database, "facts", tmp_path) == [{"id": 1, "amount": 2.5, "day": "2024-05-01"}]


def test_mixed_schemas_split_a_malformed_file_is_reported_and_the_crawl_goes_on(weir, glue, tmp_path):
    root = tmp_path / "landing"
    write(root / "orders/a.json", '{"order_id": 1, "amount": 5}\n')
    write(root / "users/a.json", '{"user_id": 7, "name": "ada", "email": "a@x"}\n')
    write(root / "junk/notes.txt", "just one line of prose\n")
    database = unique("crawl")
    done = crawl(weir.url, database, root)
    assert sorted(tables(glue, database)) == ["orders", "users"]
    assert "junk/notes.txt" in done.stderr and "not one the crawler recognizes" in done.stderr, done.stderr


def test_a_second_crawl_adds_new_columns_and_partitions_and_a_dry_run_changes_nothing(weir, glue, tmp_path):
    root = tmp_path / "metrics"
    write(root / "day=1/a.json", '{"id": 1}\n')
    database = unique("crawl")
    crawl(weir.url, database, root)
    version = glue.get_table(DatabaseName=database, Name="metrics")["Table"]["VersionId"]

    unchanged = crawl(weir.url, database, root)
    assert f"{database}.metrics" in unchanged.stdout and "unchanged" in unchanged.stdout
    assert glue.get_table(DatabaseName=database, Name="metrics")["Table"]["VersionId"] == version

    write(root / "day=2/b.json", '{"id": 2, "score": 0.5}\n')
    dry = crawl(weir.url, database, root, extra=("--dry-run",))
    assert "updated, 1 partitions added" in dry.stdout and "nothing changed" in dry.stderr
    assert len(glue.get_partitions(DatabaseName=database, TableName="metrics")["Partitions"]) == 1

    crawl(weir.url, database, root)
    table = glue.get_table(DatabaseName=database, Name="metrics")["Table"]
    assert columns(table) == [("id", "int"), ("score", "double")]
    assert table["VersionId"] != version
    assert len(glue.get_partitions(DatabaseName=database, TableName="metrics")["Partitions"]) == 2


def test_exclusions_and_table_prefix(weir, glue, tmp_path):
    root = tmp_path / "keep"
    write(root / "a.json", '{"k": 1}\n')
    write(root / "tmp/skip.tmp", "garbage that is not json\n")
    database = unique("crawl")
    done = crawl(weir.url, database, root, extra=("--exclude", "**.tmp", "--table-prefix", "raw_"))
    assert " ! " not in done.stderr, done.stderr
    assert sorted(tables(glue, database)) == ["raw_keep"]


def test_same_schema_siblings_are_one_table_partitioned_by_folder_as_glue_makes_them(weir, glue, tmp_path):
    root = tmp_path / "lake"
    write(root / "east/a.json", '{"id": 1}\n')
    write(root / "west/a.json", '{"id": 2}\n')
    database = unique("crawl")
    crawl(weir.url, database, root)
    lake = tables(glue, database)["lake"]
    assert [k["Name"] for k in lake["PartitionKeys"]] == ["partition_0"]
    assert sorted(r["partition_0"] for r in read_back(weir, database, "lake", tmp_path)) == ["east", "west"]
