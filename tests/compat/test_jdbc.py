"""JDBC connections through boto3 against real PostgreSQL and MySQL (MariaDB) servers:
TestConnection, every JDBC source and target node type, types read and written exactly,
partitioned reads, write modes, job bookmarks on key columns, crawlers' JdbcTargets on MySQL, and
the errors a user gets for bad connections, nodes and data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jdbc_harness import MYSQL_PASSWORD, MYSQL_USER, PgDatabase, mysql, pg_database  # noqa: F401 (fixtures)
from test_crawler_runs import wait_ready
from test_job_service import wait_run
from conftest import expect_error
from weir_harness import unique


def run(glue, nodes: dict, connections: list[str], timeout: float = 120, **arguments) -> dict:
    name = unique("jdbcjob")
    glue.create_job(Name=name, Role="admin", Command={"Name": "glueetl"}, CodeGenConfigurationNodes=nodes,
                    Connections={"Connections": connections},
                    DefaultArguments={k: v for k, v in arguments.items()})
    return name, wait_run(glue, name, glue.start_job_run(JobName=name)["JobRunId"], timeout=timeout)


def rerun(glue, name: str, **arguments) -> dict:
    return wait_run(glue, name, glue.start_job_run(JobName=name, Arguments=arguments)["JobRunId"], timeout=120)


def json_rows(folder: Path) -> list[dict]:
    return [json.loads(line) for f in sorted(folder.glob("*.json")) for line in f.read_text().splitlines() if line]


def to_files(source: dict, out: Path) -> dict:
    return {"src": source,
            "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(out), "Format": "json",
                                       "Compression": "none"}}}


# --------------------------------------------------------------------------------------------
# TestConnection
# --------------------------------------------------------------------------------------------


def test_test_connection_connects_or_says_why_not(glue, pg_database: PgDatabase, mysql):
    good = pg_database.connection(glue)
    assert glue.test_connection(ConnectionName=good)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert glue.test_connection(TestConnectionInput={
        "ConnectionType": "JDBC",
        "ConnectionProperties": {"JDBC_CONNECTION_URL": f"jdbc:mysql://{mysql.host}:{mysql.port}/",
                                 "USERNAME": MYSQL_USER, "PASSWORD": MYSQL_PASSWORD}})["ResponseMetadata"]["HTTPStatusCode"] == 200

    message = expect_error("InvalidInputException", glue.test_connection, TestConnectionInput={
        "ConnectionType": "JDBC",
        "ConnectionProperties": {"JDBC_CONNECTION_URL": f"jdbc:mysql://{mysql.host}:{mysql.port}/",
                                 "USERNAME": "no_such_user", "PASSWORD": "wrong-secret"}})
    assert message.startswith("Test connection failed: connection 'TestConnectionInput': cannot connect to mysql://"), message
    assert "no_such_user" in message and "wrong-secret" not in message

    closed = unique("closed")
    glue.create_connection(ConnectionInput={"Name": closed, "ConnectionType": "JDBC", "ConnectionProperties": {
        "JDBC_CONNECTION_URL": "jdbc:postgresql://127.0.0.1:1/nothing", "USERNAME": "u", "PASSWORD": "p"}})
    message = expect_error("InvalidInputException", glue.test_connection, ConnectionName=closed)
    assert f"connection '{closed}': cannot connect to postgresql://127.0.0.1:1/nothing" in message, message

    missing_db = pg_database.url.rsplit("/", 1)[0]
    bad_db = unique("baddb")
    glue.create_connection(ConnectionInput={"Name": bad_db, "ConnectionType": "JDBC", "ConnectionProperties": {
        "JDBC_CONNECTION_URL": f"jdbc:postgresql://{pg_database.host}:{pg_database.port}/no_such_database",
        "USERNAME": pg_database.user, "PASSWORD": "p"}})
    assert missing_db
    message = expect_error("InvalidInputException", glue.test_connection, ConnectionName=bad_db)
    assert 'database "no_such_database" does not exist' in message, message

    expect_error("EntityNotFoundException", glue.test_connection, ConnectionName=unique("nope"))
    message = expect_error("InvalidInputException", glue.test_connection, ConnectionName=good, TestConnectionInput={
        "ConnectionType": "JDBC", "ConnectionProperties": {"JDBC_CONNECTION_URL": "jdbc:postgresql://h/d"}})
    assert message == "Give ConnectionName or TestConnectionInput, not both"
    message = expect_error("InvalidInputException", glue.test_connection, TestConnectionInput={
        "ConnectionType": "JDBC", "ConnectionProperties": {"JDBC_CONNECTION_URL": "jdbc:sqlserver://h:1433;databaseName=x",
                                                           "USERNAME": "u", "PASSWORD": "p"}})
    assert "names the engine 'sqlserver'" in message, message


# --------------------------------------------------------------------------------------------
# Types, both ways
# --------------------------------------------------------------------------------------------

MYSQL_TYPES = """
CREATE TABLE kinds (
    id int PRIMARY KEY,
    big bigint unsigned,
    flag tinyint(1),
    amount decimal(12,3),
    ratio double,
    label varchar(40),
    body text,
    doc json,
    day date,
    at datetime(6),
    raw varbinary(16),
    size enum('S','M','L')
);
INSERT INTO kinds VALUES
 (1, 18446744073709551615, 1, 123456789.125, 0.5, 'café', 'multi\\nline\\ttab', '{"a": [1, 2]}', '2024-02-29',
  '2024-03-01 12:34:56.789012', X'00FF10', 'M'),
 (2, NULL, 0, -0.001, NULL, NULL, '', NULL, NULL, NULL, NULL, NULL);
"""

PG_KINDS = """
CREATE TABLE kinds (
    id integer PRIMARY KEY,
    big numeric(20,0),
    flag boolean,
    amount numeric(12,3),
    ratio double precision,
    label varchar(40),
    body text,
    doc jsonb,
    day date,
    at timestamptz,
    raw bytea,
    size text
);
"""


def test_mysql_rows_reach_postgresql_with_their_types(glue, mysql, pg_database: PgDatabase, tmp_path):
    schema = mysql.create_database()
    mysql.run(MYSQL_TYPES, schema)
    pg_database.sql(PG_KINDS)
    my_conn, pg_conn = mysql.connection(glue, schema), pg_database.connection(glue)

    # Read: a query, split into partitions on the key, as files to look at.
    out = tmp_path / "out"
    source = {"JDBCConnectorSource": {
        "Name": "kinds", "ConnectionName": my_conn, "ConnectorName": "mysql", "ConnectionType": "mysql",
        "Query": "SELECT * FROM kinds", "AdditionalOptions": {
            "PartitionColumn": "id", "LowerBound": 0, "UpperBound": 3, "NumPartitions": 2}}}
    _, done = run(glue, to_files(source, out), [my_conn])
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    rows = sorted(json_rows(out), key=lambda r: r["id"])
    raw = rows[0].pop("raw")  # binary as the JSON writer spells it; its bytes are checked below
    assert raw
    assert rows[0] == {"id": 1, "big": 18446744073709551615, "flag": True, "amount": 123456789.125,
                       "ratio": 0.5, "label": "café", "body": "multi\nline\ttab", "doc": '{"a": [1, 2]}',
                       "day": "2024-02-29", "at": "2024-03-01T12:34:56.789012", "size": "M"}
    assert rows[1]["id"] == 2 and rows[1]["amount"] == -0.001 and rows[1]["flag"] is False
    assert rows[1]["body"] == "" and rows[1].get("label") is None

    # Write: the same table into PostgreSQL, column types converted by the database.
    nodes = {"src": {"JDBCConnectorSource": {"Name": "kinds", "ConnectionName": my_conn, "ConnectorName": "mysql",
                                             "ConnectionType": "mysql", "ConnectionTable": "kinds"}},
             "out": {"JDBCConnectorTarget": {"Name": "pg", "Inputs": ["src"], "ConnectionName": pg_conn,
                                             "ConnectionTable": "public.kinds", "ConnectorName": "postgresql",
                                             "ConnectionType": "postgresql"}}}
    _, done = run(glue, nodes, [my_conn, pg_conn])
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    got = pg_database.rows("SELECT id, big, flag, amount, ratio, label, body, doc::text AS doc, day, "
                           "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS at, encode(raw, 'hex') AS raw, size "
                           "FROM kinds ORDER BY id")
    assert got[0] == {"id": "1", "big": "18446744073709551615", "flag": "t", "amount": "123456789.125",
                      "ratio": "0.5", "label": "café", "body": "multi\nline\ttab", "doc": '{"a": [1, 2]}',
                      "day": "2024-02-29", "at": "2024-03-01 12:34:56.789012", "raw": "00ff10", "size": "M"}
    assert got[1] == {"id": "2", "big": "", "flag": "f", "amount": "-0.001", "ratio": "", "label": "",
                      "body": "", "doc": "", "day": "", "at": "", "raw": "", "size": ""}
    assert pg_database.rows("SELECT count(*) AS n FROM kinds WHERE label IS NULL AND body = ''") == [{"n": "1"}]


def test_postgresql_arrays_timestamps_and_numerics_read_exactly(glue, pg_database: PgDatabase, tmp_path):
    pg_database.sql("""
        CREATE SCHEMA sales;
        CREATE TABLE sales.orders (id bigint PRIMARY KEY, tags text[], qty integer[], placed timestamptz,
                                   total numeric, price numeric(8,2), note varchar(10), uid uuid);
        INSERT INTO sales.orders VALUES
          (1, ARRAY['a', 'b,c', NULL], ARRAY[1, 2], '2024-06-01 10:00:00+02', 12.5, 3.10, 'x', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
          (2, NULL, '{}', NULL, NULL, NULL, NULL, NULL);
    """)
    conn = pg_database.connection(glue)
    out = tmp_path / "out"
    _, done = run(glue, to_files({"DirectJDBCSource": {"Name": "orders", "Database": pg_database.name,
                                                      "Table": "sales.orders", "ConnectionName": conn,
                                                      "ConnectionType": "postgresql"}}, out), [conn])
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    rows = sorted(json_rows(out), key=lambda r: r["id"])
    assert rows[0] == {"id": 1, "tags": ["a", "b,c", None], "qty": [1, 2], "placed": "2024-06-01T08:00:00",
                       "total": 12.5, "price": 3.1, "note": "x", "uid": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}
    assert rows[1] == {"id": 2, "qty": []}

    # DataTypeMapping reads columns of a JDBC type as a Glue type.
    mapped = tmp_path / "mapped"
    source = {"JDBCConnectorSource": {"Name": "orders", "ConnectionName": conn, "ConnectorName": "pg",
                                      "ConnectionType": "postgresql", "ConnectionTable": "sales.orders",
                                      "AdditionalOptions": {"DataTypeMapping": {"NUMERIC": "STRING", "BIGINT": "INT"}}}}
    _, done = run(glue, to_files(source, mapped), [conn])
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    first = sorted(json_rows(mapped), key=lambda r: r["id"])[0]
    # As the driver gives the text (ResultSet.getString), not reformatted.
    assert (first["id"], first["total"], first["price"]) == (1, "12.5", "3.10")


# --------------------------------------------------------------------------------------------
# Write modes and all-or-nothing runs
# --------------------------------------------------------------------------------------------


def csv_source(tmp: Path, text: str) -> dict:
    path = tmp / f"{unique('in')}.csv"
    path.write_text(text)
    return {"S3CsvSource": {"Name": "in", "Paths": [str(path)], "Separator": "comma", "QuoteChar": "quote",
                            "WithHeader": True}}


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_append_overwrite_and_upsert(glue, engine, pg_database: PgDatabase, mysql, tmp_path):
    if engine == "postgresql":
        pg_database.sql("CREATE TABLE stock (sku text PRIMARY KEY, qty integer NOT NULL, note text)")
        conn, table = pg_database.connection(glue), "stock"
        rows = lambda: pg_database.rows("SELECT sku, qty, note FROM stock ORDER BY sku")  # noqa: E731
    else:
        schema = mysql.create_database()
        mysql.run("CREATE TABLE stock (sku varchar(10) PRIMARY KEY, qty int NOT NULL, note text)", schema)
        conn, table = mysql.connection(glue, schema), f"{schema}.stock"
        rows = lambda: [{k: ("" if v == "NULL" else v) for k, v in r.items()}  # noqa: E731
                        for r in mysql.rows(schema, "SELECT sku, qty, note FROM stock ORDER BY sku")]

    def write(text: str, **options) -> dict:
        nodes = {"in": csv_source(tmp_path, text),
                 "out": {"JDBCConnectorTarget": {"Name": "db", "Inputs": ["in"], "ConnectionName": conn,
                                                 "ConnectionTable": table, "ConnectorName": engine,
                                                 "ConnectionType": engine, "AdditionalOptions": options}}}
        return run(glue, nodes, [conn])[1]

    assert write("sku,qty\na,1\nb,2\n")["JobRunState"] == "SUCCEEDED"
    assert rows() == [{"sku": "a", "qty": "1", "note": ""}, {"sku": "b", "qty": "2", "note": ""}]
    done = write("sku,qty,note\nb,5,restocked\nc,7,new\n", writeMode="upsert", upsertKeys="sku")
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    assert rows() == [{"sku": "a", "qty": "1", "note": ""}, {"sku": "b", "qty": "5", "note": "restocked"},
                      {"sku": "c", "qty": "7", "note": "new"}]
    assert write("sku,qty\nz,9\n", writeMode="overwrite")["JobRunState"] == "SUCCEEDED"
    assert rows() == [{"sku": "z", "qty": "9", "note": ""}]

    # A failure past the first rows (a NULL quantity in the third) leaves the table as it was,
    # in every mode.
    for options in ({}, {"writeMode": "overwrite"}):
        failed = write("sku,qty\nm,1\nn,2\no,\n", **options)
        assert failed["JobRunState"] == "FAILED"
        assert "qty" in failed["ErrorMessage"] and "null" in failed["ErrorMessage"].lower(), failed["ErrorMessage"]
        assert rows() == [{"sku": "z", "qty": "9", "note": ""}]

    failed = write("sku,qty,colour\nq,1,red\n")
    assert failed["JobRunState"] == "FAILED"
    assert f"writing table {table} through connection '{conn}': the input's column colour is not in the table (its columns: sku, qty, note)" in failed["ErrorMessage"], failed["ErrorMessage"]
    failed = write("sku,qty\nq,1\n", writeMode="merge")
    assert "writeMode 'merge' is not one of append, overwrite, upsert" in failed["ErrorMessage"]
    failed = write("sku,qty\nq,1\n", writeMode="upsert")
    assert "writeMode upsert needs upsertKeys" in failed["ErrorMessage"]


# --------------------------------------------------------------------------------------------
# Job bookmarks on key columns
# --------------------------------------------------------------------------------------------


def bookmarked_copy(conn: str, source: str, target: str, key: str, order: str) -> dict:
    """A job copying `source` into `target` in the same database, bookmarked on `key`."""
    return {"src": {"JDBCConnectorSource": {"Name": "src", "ConnectionName": conn, "ConnectorName": "pg",
                                            "ConnectionType": "postgresql", "ConnectionTable": source,
                                            "AdditionalOptions": {"JobBookmarkKeys": [key],
                                                                  "JobBookmarkKeysSortOrder": order}}},
            "out": {"JDBCConnectorTarget": {"Name": "t", "Inputs": ["src"], "ConnectionName": conn,
                                            "ConnectionTable": target, "ConnectorName": "pg",
                                            "ConnectionType": "postgresql"}}}


def test_bookmarks_read_only_rows_past_the_last_key(glue, pg_database: PgDatabase, tmp_path):
    pg_database.sql("CREATE TABLE events (id integer PRIMARY KEY, kind text);"
                    "INSERT INTO events SELECT g, 'k' || g FROM generate_series(1, 5) g;"
                    "CREATE TABLE copied (id integer, kind text)")
    conn = pg_database.connection(glue)
    name, first = run(glue, bookmarked_copy(conn, "public.events", "copied", "id", "ASC"), [conn],
                      **{"--job-bookmark-option": "job-bookmark-enable"})
    assert first["JobRunState"] == "SUCCEEDED", first.get("ErrorMessage")
    assert len(pg_database.rows("SELECT * FROM copied")) == 5
    pg_database.sql("INSERT INTO events VALUES (6, 'k6'), (7, 'k7')")
    assert rerun(glue, name)["JobRunState"] == "SUCCEEDED"
    assert [r["id"] for r in pg_database.rows("SELECT id FROM copied ORDER BY id")] == ["1", "2", "3", "4", "5", "6", "7"]
    # Nothing new: nothing copied, and the bookmark stays.
    assert rerun(glue, name)["JobRunState"] == "SUCCEEDED"
    assert len(pg_database.rows("SELECT * FROM copied")) == 7
    pg_database.sql("INSERT INTO events VALUES (8, 'k8')")
    assert rerun(glue, name)["JobRunState"] == "SUCCEEDED"
    assert len(pg_database.rows("SELECT * FROM copied")) == 8
    # Reset: everything again.
    glue.reset_job_bookmark(JobName=name)
    assert rerun(glue, name)["JobRunState"] == "SUCCEEDED"
    assert len(pg_database.rows("SELECT * FROM copied")) == 16


# --------------------------------------------------------------------------------------------
# Crawling MySQL, reading and writing its catalog tables
# --------------------------------------------------------------------------------------------


def test_a_mysql_crawl_catalogs_tables_that_catalog_nodes_read_and_write(glue, mysql, tmp_path):
    schema = mysql.create_database()
    mysql.run("CREATE TABLE customers (id int PRIMARY KEY, name varchar(50), credit decimal(9,2), joined datetime);"
              "CREATE TABLE customers_copy LIKE customers;"
              "CREATE TABLE tmp_scratch (x int);"
              "CREATE VIEW rich AS SELECT id, name FROM customers WHERE credit > 100;"
              "INSERT INTO customers VALUES (1, 'Ana', 150.25, '2024-01-02 03:04:05'), (2, 'Bo', 20.00, NULL)", schema)
    conn = mysql.connection(glue, schema)
    catalog_db = unique("mysql_catalog")
    crawler = unique("mycrawler")
    glue.create_crawler(Name=crawler, Role="admin", DatabaseName=catalog_db, TablePrefix="my_",
                        Targets={"JdbcTargets": [{"ConnectionName": conn, "Path": f"{schema}/%",
                                                  "Exclusions": ["tmp_*"]}]})
    glue.start_crawler(Name=crawler)
    assert wait_ready(glue, crawler)["LastCrawl"]["Status"] == "SUCCEEDED"
    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName=catalog_db)["TableList"]}
    assert sorted(tables) == [f"my_{schema}_customers", f"my_{schema}_customers_copy", f"my_{schema}_rich"]
    customers = tables[f"my_{schema}_customers"]
    assert customers["StorageDescriptor"]["Location"] == f"{schema}.customers"
    assert [(c["Name"], c["Type"]) for c in customers["StorageDescriptor"]["Columns"]] == [
        ("id", "int"), ("name", "string"), ("credit", "decimal(9,2)"), ("joined", "timestamp")]
    assert customers["Parameters"]["classification"] == "mysql"
    assert customers["Parameters"]["UPDATED_BY_CRAWLER"] == crawler
    assert tables[f"my_{schema}_rich"]["Parameters"]["typeOfData"] == "view"

    nodes = {"src": {"MySQLCatalogSource": {"Name": "src", "Database": catalog_db, "Table": f"my_{schema}_customers"}},
             "out": {"MySQLCatalogTarget": {"Name": "out", "Inputs": ["src"], "Database": catalog_db,
                                            "Table": f"my_{schema}_customers_copy"}}}
    _, done = run(glue, nodes, [conn])
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    assert mysql.rows(schema, "SELECT * FROM customers_copy ORDER BY id") == [
        {"id": "1", "name": "Ana", "credit": "150.25", "joined": "2024-01-02 03:04:05"},
        {"id": "2", "name": "Bo", "credit": "20.00", "joined": "NULL"}]

    # A table dropped from the database is found gone by the next crawl.
    mysql.run("DROP TABLE customers_copy", schema)
    glue.update_crawler(Name=crawler, SchemaChangePolicy={"DeleteBehavior": "DELETE_FROM_DATABASE"})
    glue.start_crawler(Name=crawler)
    assert wait_ready(glue, crawler)["LastCrawl"]["Status"] == "SUCCEEDED"
    assert sorted(t["Name"] for t in glue.get_tables(DatabaseName=catalog_db)["TableList"]) == [
        f"my_{schema}_customers", f"my_{schema}_rich"]


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


def test_bad_nodes_and_connections_fail_the_run_naming_what_is_wrong(glue, pg_database: PgDatabase, tmp_path):
    conn = pg_database.connection(glue)
    s3 = unique("s3conn")
    glue.create_connection(ConnectionInput={"Name": s3, "ConnectionType": "NETWORK", "ConnectionProperties": {},
                                            "PhysicalConnectionRequirements": {"AvailabilityZone": "a"}})
    out = tmp_path / "out"

    def failure(source: dict, connections: list[str]) -> str:
        _, done = run(glue, to_files(source, out), connections)
        assert done["JobRunState"] == "FAILED", source
        return done["ErrorMessage"]

    base = {"Name": "src", "ConnectionName": conn, "ConnectorName": "pg", "ConnectionType": "postgresql"}
    message = failure({"JDBCConnectorSource": {**base, "ConnectionTable": "no_such_table"}}, [conn])
    assert "describing table no_such_table" in message and 'relation "no_such_table" does not exist' in message, message
    message = failure({"JDBCConnectorSource": {**base, "ConnectionTable": "t", "Query": "SELECT 1"}}, [conn])
    assert "give ConnectionTable or Query, not both" in message, message
    message = failure({"JDBCConnectorSource": {**base, "Query": "SELECT 1 AS x",
                                               "AdditionalOptions": {"PartitionColumn": "x", "LowerBound": 1}}}, [conn])
    assert "PartitionColumn needs UpperBound" in message, message
    message = failure({"JDBCConnectorSource": {**base, "ConnectionName": s3, "Query": "SELECT 1"}}, [s3])
    assert f"connection '{s3}' is of type NETWORK: JDBC nodes and crawlers need a JDBC connection" in message, message
    missing = unique("missing")
    message = failure({"JDBCConnectorSource": {**base, "ConnectionName": missing, "Query": "SELECT 1"}}, [])
    assert missing in message, message
    message = failure({"JDBCConnectorSource": {**base, "Query": "SELECT 1/0 AS x"}}, [conn])
    assert "division by zero" in message, message


# --------------------------------------------------------------------------------------------
# Database tables in SQL, scans and data quality evaluations
# --------------------------------------------------------------------------------------------


def test_crawled_database_tables_read_in_sparksql_scans_and_quality_runs(weir, glue, pg_database: PgDatabase, tmp_path):
    import subprocess
    import time

    from weir_harness import weir_bin

    pg_database.sql("CREATE TABLE contacts (id integer PRIMARY KEY, email text, city text);"
                    "INSERT INTO contacts SELECT g, 'person' || g || '@example.com', "
                    "(ARRAY['Lisbon','Oslo'])[1 + g % 2] FROM generate_series(1, 50) g")
    conn = pg_database.connection(glue)
    catalog_db = unique("pg_catalog")
    crawler = unique("pgcrawler")
    glue.create_crawler(Name=crawler, Role="admin", DatabaseName=catalog_db,
                        Targets={"JdbcTargets": [{"ConnectionName": conn, "Path": f"{pg_database.name}/public/%"}]})
    glue.start_crawler(Name=crawler)
    assert wait_ready(glue, crawler)["LastCrawl"]["Status"] == "SUCCEEDED"
    table = f"{pg_database.name}_public_contacts"

    # SparkSQL names the catalog table; its rows come from the database.
    out = tmp_path / "out"
    nodes = {"src": {"PostgreSQLCatalogSource": {"Name": "contacts", "Database": catalog_db, "Table": table}},
             "sql": {"SparkSQL": {"Name": "per city", "Inputs": ["src"], "SqlAliases": [{"From": "src", "Alias": "c"}],
                                  "SqlQuery": f"SELECT c.city, count(*) AS n, max(t.id) AS top FROM c "
                                              f"JOIN {catalog_db}.{table} t ON t.id = c.id GROUP BY c.city"}},
             "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["sql"], "Path": str(out), "Format": "json",
                                        "Compression": "none"}}}
    _, done = run(glue, nodes, [conn])
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    assert sorted((r["city"], r["n"], r["top"]) for r in json_rows(out)) == [("Lisbon", 25, 50), ("Oslo", 25, 49)]

    # `weir pii scan` of the catalog table, through the service's catalog.
    scan = subprocess.run([str(weir_bin()), "pii", "scan", f"{catalog_db}.{table}", "--format", "json",
                           "--catalog-endpoint", weir.url, "--data-dir", str(tmp_path / "state")],
                          capture_output=True, text=True, timeout=120)
    assert scan.returncode == 0, scan.stderr
    report = json.loads(scan.stdout)
    assert "person1@example.com" not in scan.stdout
    assert json.dumps(report).count("EMAIL") >= 1 and "email" in json.dumps(report)

    # A data quality evaluation run on the database table.
    ruleset = unique("contacts_rules")
    glue.create_data_quality_ruleset(Name=ruleset, Ruleset='Rules = [ RowCount = 50, IsUnique "id", '
                                                           'ColumnValues "city" in ["Lisbon", "Oslo"] ]')
    run_id = glue.start_data_quality_ruleset_evaluation_run(
        DataSource={"GlueTable": {"DatabaseName": catalog_db, "TableName": table}}, Role="admin",
        RulesetNames=[ruleset])["RunId"]
    deadline = time.monotonic() + 120
    while (evaluation := glue.get_data_quality_ruleset_evaluation_run(RunId=run_id))["Status"] not in (
            "SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert evaluation["Status"] == "SUCCEEDED", evaluation
    result = glue.get_data_quality_result(ResultId=evaluation["ResultIds"][0])
    assert result["Score"] == 1.0, result["RuleResults"]


def test_tls_is_required_when_the_connection_enforces_it(glue, pg_database: PgDatabase, mysql, tmp_path):
    def connection(url: str, user: str, password: str, **tls) -> str:
        name = unique("tlsconn")
        glue.create_connection(ConnectionInput={"Name": name, "ConnectionType": "JDBC", "ConnectionProperties": {
            "JDBC_CONNECTION_URL": url, "USERNAME": user, "PASSWORD": password, "JDBC_ENFORCE_SSL": "true", **tls}})
        return name

    # The PostgreSQL server's certificate is its own (self-signed): verifying it fails, and
    # skipping the validation still encrypts, as the server itself reports.
    verified = connection(pg_database.jdbc_url(), pg_database.user, "unused")
    if pg_database.sql("SHOW ssl").strip() != "on":
        message = expect_error("InvalidInputException", glue.test_connection, ConnectionName=verified)
        assert f"connection '{verified}': cannot connect to postgresql://" in message, message
        pytest.skip("this PostgreSQL server has no TLS: the encrypted path is not exercised")
    message = expect_error("InvalidInputException", glue.test_connection, ConnectionName=verified)
    assert f"connection '{verified}': cannot connect to" in message and "certificate" in message.lower(), message
    unverified = connection(pg_database.jdbc_url(), pg_database.user, "unused", SKIP_CUSTOM_JDBC_CERT_VALIDATION="true")
    glue.test_connection(ConnectionName=unverified)
    out = tmp_path / "out"
    _, done = run(glue, to_files({"JDBCConnectorSource": {
        "Name": "ssl", "ConnectionName": unverified, "ConnectorName": "pg", "ConnectionType": "postgresql",
        "Query": "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"}}, out), [unverified])
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    assert json_rows(out) == [{"ssl": True}]

    # A server without TLS is refused rather than used in clear.
    if mysql.run("SHOW VARIABLES LIKE 'have_ssl'").split()[-1] != "YES":
        plain = connection(f"jdbc:mysql://{mysql.host}:{mysql.port}/", MYSQL_USER, MYSQL_PASSWORD)
        message = expect_error("InvalidInputException", glue.test_connection, ConnectionName=plain)
        assert f"connection '{plain}': cannot connect to mysql://" in message, message


def test_descending_bookmarks_read_only_rows_below_the_last_key(glue, pg_database: PgDatabase):
    pg_database.sql("CREATE TABLE countdown (n integer PRIMARY KEY);"
                    "INSERT INTO countdown SELECT g FROM generate_series(96, 100) g;"
                    "CREATE TABLE seen (n integer)")
    conn = pg_database.connection(glue)
    name, first = run(glue, bookmarked_copy(conn, "countdown", "seen", "n", "DESC"), [conn],
                      **{"--job-bookmark-option": "job-bookmark-enable"})
    assert first["JobRunState"] == "SUCCEEDED", first.get("ErrorMessage")
    pg_database.sql("INSERT INTO countdown VALUES (94), (95), (101)")
    assert rerun(glue, name)["JobRunState"] == "SUCCEEDED"
    # Keys past the last one in the descending order are below it: 101 is behind the bookmark.
    assert [r["n"] for r in pg_database.rows("SELECT n FROM seen ORDER BY n")] == [
        "94", "95", "96", "97", "98", "99", "100"]
