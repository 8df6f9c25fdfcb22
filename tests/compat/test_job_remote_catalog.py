"""`weir job run --catalog-endpoint URL`: a job whose catalog is a running `weir serve`'s, reached
over the Glue API (`WeirCatalog.ExecuteAtomically` for the run's catalog update). Every run here
gets a metastore it could not open, so a passing run shows the local metastore is never touched."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

from weir_harness import weir_bin

#: A metastore no run may open: nothing listens there.
UNUSABLE_METASTORE = "postgres://weir@127.0.0.1:9/never_opened"


def run_job(job: dict, tmp: Path, endpoint: str | None, *, via_env: bool = False,
            env: dict | None = None) -> subprocess.CompletedProcess:
    """Runs `weir job run` on `job` with the catalog at `endpoint` (the flag, or
    `WEIR__CATALOG__ENDPOINT` when `via_env`), a data dir that must stay absent and
    UNUSABLE_METASTORE; `env` is added to its environment (e.g. other AWS credentials)."""
    job_file = tmp / f"job-{len(list(tmp.glob('job-*.json')))}.json"
    job_file.write_text(json.dumps(job))
    cmd = [str(weir_bin()), "job", "run", str(job_file), "--data-dir", str(tmp / "state"), "--metastore", UNUSABLE_METASTORE]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIR__") and k != "WEIR_CONFIG"} | (env or {})
    if endpoint is not None and via_env:
        env["WEIR__CATALOG__ENDPOINT"] = endpoint
    elif endpoint is not None:
        cmd += ["--catalog-endpoint", endpoint]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert not (tmp / "state").exists(), "the run created the local data dir"
    return done


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def json_rows(folder: Path) -> list[dict]:
    return [json.loads(line) for f in sorted(folder.rglob("*")) if f.is_file() for line in f.read_text().splitlines() if line]


def csv_rows(folder: Path) -> list[str]:
    return sorted(line for f in folder.iterdir() if f.is_file() for line in f.read_text().splitlines()[1:] if line)


def partition_days(glue, db: str, table: str) -> list[str]:
    return sorted(p["Values"][0] for p in glue.get_partitions(DatabaseName=db, TableName=table)["Partitions"])


def test_targets_create_the_table_then_add_partitions_in_the_servers_catalog(weir, glue, db, tmp_path):
    warehouse = tmp_path / "warehouse" / "events"
    first = write(tmp_path / "in/events-1.json",
                  '{"id": 1, "amount": 10, "day": "2024-05-01"}\n{"id": 2, "amount": 20, "day": "2024-05-02"}\n')
    creates = {"Name": "events-1", "CodeGenConfigurationNodes": {
        "src": {"S3JsonSource": {"Name": "events", "Paths": [str(first)]}},
        "out": {"S3GlueParquetTarget": {"Name": "lake", "Inputs": ["src"], "Path": str(warehouse), "PartitionKeys": [["day"]],
                                        "SchemaChangePolicy": {"EnableUpdateCatalog": True, "UpdateBehavior": "UPDATE_IN_DATABASE",
                                                               "Database": db, "Table": "events"}}},
    }}
    done = run_job(creates, tmp_path, weir.url)
    assert done.returncode == 0, done.stderr
    assert f"with the catalog at {weir.url}/" in done.stderr, done.stderr

    table = glue.get_table(DatabaseName=db, Name="events")["Table"]
    assert table["Parameters"]["classification"] == "parquet"
    assert table["PartitionKeys"] == [{"Name": "day", "Type": "string"}]
    assert {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]} == {"id": "bigint", "amount": "bigint"}
    assert partition_days(glue, db, "events") == ["2024-05-01", "2024-05-02"]
    partitions = glue.get_partitions(DatabaseName=db, TableName="events")["Partitions"]
    assert all(p["StorageDescriptor"]["Location"].endswith(f"day={p['Values'][0]}/") for p in partitions), partitions

    # A catalog target appends to the table: a new partition is added, the table is kept.
    second = write(tmp_path / "in/events-2.json",
                   '{"id": 3, "amount": 30, "day": "2024-05-02"}\n{"id": 4, "amount": 40, "day": "2024-05-03"}\n')
    appends = {"Name": "events-2", "CodeGenConfigurationNodes": {
        "src": {"S3JsonSource": {"Name": "events", "Paths": [str(second)]}},
        "out": {"S3CatalogTarget": {"Name": "lake", "Inputs": ["src"], "Database": db, "Table": "events",
                                    "SchemaChangePolicy": {"EnableUpdateCatalog": True, "UpdateBehavior": "UPDATE_IN_DATABASE"}}},
    }}
    done = run_job(appends, tmp_path, weir.url)
    assert done.returncode == 0, done.stderr
    assert "2 rows written" in done.stderr, done.stderr
    kept = glue.get_table(DatabaseName=db, Name="events")["Table"]
    assert kept["VersionId"] == table["VersionId"] and kept["CreateTime"] == table["CreateTime"], "the table was kept as it was"
    assert partition_days(glue, db, "events") == ["2024-05-01", "2024-05-02", "2024-05-03"]
    assert not list(warehouse.parent.glob("*weir-staging*")), "nothing is left in staging"

    # Read back through the same catalog, pruned by a push-down predicate.
    back = tmp_path / "back"
    reads = {"CodeGenConfigurationNodes": {
        "src": {"CatalogSource": {"Name": "events", "Database": db, "Table": "events", "PartitionPredicate": "day >= '2024-05-02'"}},
        "out": {"S3DirectTarget": {"Name": "json", "Inputs": ["src"], "Path": str(back), "Format": "json"}},
    }}
    done = run_job(reads, tmp_path, weir.url)
    assert done.returncode == 0, done.stderr
    rows = sorted((r["id"], r["amount"], r["day"]) for r in json_rows(back))
    assert rows == [(2, 20, "2024-05-02"), (3, 30, "2024-05-02"), (4, 40, "2024-05-03")]


def test_catalog_sources_read_a_table_registered_through_boto3(weir, glue, db, tmp_path):
    root = tmp_path / "lake" / "orders"
    write(root / "2024/05/a.txt", "id|amount\n1|10\n2|20\n")
    write(root / "2024/05/_SUCCESS", "marker")
    write(root / "2024/06/b.txt", "id|amount\n3|30\n")

    def sd(location: str) -> dict:
        return {"Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "amount", "Type": "int"}], "Location": location,
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                              "Parameters": {"field.delim": "|"}}}

    glue.create_table(DatabaseName=db, TableInput={
        "Name": "orders", "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
        "PartitionKeys": [{"Name": "year", "Type": "int"}, {"Name": "month", "Type": "int"}], "StorageDescriptor": sd(f"{root}/")})
    out = glue.batch_create_partition(DatabaseName=db, TableName="orders", PartitionInputList=[
        {"Values": ["2024", "05"], "StorageDescriptor": sd(f"{root}/2024/05/")},
        {"Values": ["2024", "6"], "StorageDescriptor": sd(f"{root}/2024/06/")},
    ])
    assert out.get("Errors", []) == []

    june, both = tmp_path / "june", tmp_path / "both"
    job = {"CodeGenConfigurationNodes": {
        "src": {"S3CatalogSource": {"Name": "orders", "Database": db, "Table": "orders", "PartitionPredicate": "month == 6"}},
        "june": {"S3DirectTarget": {"Name": "june", "Inputs": ["src"], "Path": str(june), "Format": "csv"}},
        "sql": {"SparkSQL": {"Name": "both", "Inputs": ["src"], "SqlAliases": [{"From": "src", "Alias": "j"}],
                             "SqlQuery": f"SELECT id, amount, month FROM {db}.orders WHERE month = 5 UNION ALL SELECT id, amount, month FROM j"}},
        "both": {"S3DirectTarget": {"Name": "both", "Inputs": ["sql"], "Path": str(both), "Format": "csv"}},
    }}
    done = run_job(job, tmp_path, weir.url, via_env=True)
    assert done.returncode == 0, done.stderr
    assert csv_rows(june) == ["3,30,2024,6"], "the partition values come from the server's catalog"
    assert csv_rows(both) == ["1,10,5", "2,20,5", "3,30,6"]


def test_an_endpoint_where_nothing_listens_fails_naming_it_and_leaves_the_target(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    source = write(tmp_path / "in.csv", "id,name\n1,a\n")
    target = tmp_path / "out"
    write(target / "existing.csv", "kept\n")
    job = {"CodeGenConfigurationNodes": {
        "src": {"S3CsvSource": {"Name": "in", "Paths": [str(source)], "Separator": "comma", "QuoteChar": "quote", "WithHeader": True}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(target), "Format": "csv",
                                   "SchemaChangePolicy": {"EnableUpdateCatalog": True, "UpdateBehavior": "UPDATE_IN_DATABASE",
                                                          "Database": "d", "Table": "t"}}},
    }}
    done = run_job(job, tmp_path, endpoint)
    assert done.returncode == 1, done.stderr
    assert f"cannot reach the catalog at {endpoint}/: " in done.stderr, done.stderr
    assert sorted(p.name for p in target.iterdir()) == ["existing.csv"], "the target path is untouched"
    assert (target / "existing.csv").read_text() == "kept\n"
    assert not list(tmp_path.glob("*weir-staging*"))


def test_catalog_errors_of_the_server_name_the_node_and_the_glue_code(weir, glue, db, tmp_path):
    out = tmp_path / "out"
    missing_database = {"CodeGenConfigurationNodes": {
        "src": {"CatalogSource": {"Name": "orders", "Database": f"{db}_missing", "Table": "orders"}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(out), "Format": "csv"}},
    }}
    done = run_job(missing_database, tmp_path, weir.url)
    assert done.returncode == 1, done.stderr
    assert "(node src)" in done.stderr and "EntityNotFoundException" in done.stderr, done.stderr
    assert f"{db}_missing" in done.stderr, done.stderr
    assert not out.exists()

    # A table that is not there is the engine's own finding, naming node and table.
    source = write(tmp_path / "in.csv", "id\n1\n")
    missing_table = {"CodeGenConfigurationNodes": {
        "src": {"S3CsvSource": {"Name": "in", "Paths": [str(source)], "Separator": "comma", "QuoteChar": "quote", "WithHeader": True}},
        "t": {"CatalogTarget": {"Name": "t", "Inputs": ["src"], "Database": db, "Table": "absent"}},
    }}
    done = run_job(missing_table, tmp_path, weir.url)
    assert done.returncode == 1, done.stderr
    assert "(node t)" in done.stderr and f"table {db}.absent is not in the catalog" in done.stderr, done.stderr

    # An invalid request is refused by the server's validation, with its Glue code.
    invalid = {"CodeGenConfigurationNodes": {
        "src": {"CatalogSource": {"Name": "orders", "Database": db, "Table": "x" * 300}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(out), "Format": "csv"}},
    }}
    done = run_job(invalid, tmp_path, weir.url)
    assert done.returncode == 1, done.stderr
    assert "(node src)" in done.stderr and "InvalidInputException" in done.stderr, done.stderr
    assert not out.exists()
    assert [t["Name"] for t in glue.get_tables(DatabaseName=db)["TableList"]] == []
