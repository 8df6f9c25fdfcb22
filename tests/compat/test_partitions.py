"""Partitions: Create/BatchCreate, Get/GetPartitions/BatchGet, Update/BatchUpdate,
Delete/BatchDelete, and the GetPartitions expression language."""

from datetime import datetime

import pytest

from conftest import (
    ACCOUNT_ID,
    create_partitions,
    expect_error,
    partition_input,
    partition_values,
    table_input,
)
from weir_harness import CliError

YEARS = ["2023", "2024"]
MONTHS = range(1, 13)


@pytest.fixture
def events(glue, db) -> str:
    """`events` partitioned by (year string, month int): 2023 and 2024 × months 1..12."""
    glue.create_table(DatabaseName=db, TableInput=table_input("events", keys=("year:string", "month:int")))
    create_partitions(glue, db, "events", [[y, str(m)] for y in YEARS for m in MONTHS])
    return "events"


def expected(predicate) -> list[tuple]:
    return sorted((y, str(m)) for y in YEARS for m in MONTHS if predicate(y, m))


EXPRESSIONS = {
    "year = '2024'": lambda y, m: y == "2024",
    "year <> '2024'": lambda y, m: y != "2024",
    "year > '2023'": lambda y, m: y > "2023",
    "year <= '2023'": lambda y, m: y <= "2023",
    "month = 7": lambda y, m: m == 7,
    "month > 9": lambda y, m: m > 9,  # numeric: 10, 11, 12 — not '9'
    "month < 3": lambda y, m: m < 3,  # numeric: 1, 2 — not '10', '11', '12'
    "month >= 11": lambda y, m: m >= 11,
    "month <> 1": lambda y, m: m != 1,
    "month BETWEEN 3 AND 5": lambda y, m: 3 <= m <= 5,
    "month NOT BETWEEN 2 AND 11": lambda y, m: not 2 <= m <= 11,
    "month IN (1, 6, 12)": lambda y, m: m in (1, 6, 12),
    "year IN ('2023')": lambda y, m: y == "2023",
    "month NOT IN (1, 2)": lambda y, m: m not in (1, 2),
    "year LIKE '202%'": lambda y, m: True,
    "year LIKE '%4'": lambda y, m: y.endswith("4"),
    "year LIKE '202_'": lambda y, m: True,
    "year = '2024' AND month > 10": lambda y, m: y == "2024" and m > 10,
    "year = '2023' OR month = 1": lambda y, m: y == "2023" or m == 1,
    "NOT month > 2": lambda y, m: not m > 2,
    "year = '2023' AND (month = 1 OR month = 12)": lambda y, m: y == "2023" and m in (1, 12),
    "(year = '2023' AND month = 1) OR (year = '2024' AND month = 12)": lambda y, m: (y, m) in (("2023", 1), ("2024", 12)),
    "year = '2023' AND month = 1 OR month = 12": lambda y, m: (y == "2023" and m == 1) or m == 12,
    "NOT (year = '2024' OR month < 12)": lambda y, m: not (y == "2024" or m < 12),
    "month = '10'": lambda y, m: m == 10,  # a quoted number on an int key is still a number
    "10 < month": lambda y, m: m > 10,
    "YEAR = '2024' and Month between 1 and 2": lambda y, m: y == "2024" and m <= 2,
}


@pytest.mark.parametrize("expression", list(EXPRESSIONS), ids=list(EXPRESSIONS))
def test_get_partitions_expression(glue, db, events, expression):
    assert partition_values(glue, db, events, expression) == expected(EXPRESSIONS[expression])


def test_multi_line_expression(glue, db, events):
    expression = "year = '2024'\r\n  AND (month > 10\n OR month = 1)"
    assert partition_values(glue, db, events, expression) == expected(lambda y, m: y == "2024" and (m > 10 or m == 1))


def test_int_key_compares_numerically_string_key_textually(glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("typed", keys=("label:string", "n:int")))
    create_partitions(glue, db, "typed", [[str(i), str(i)] for i in range(1, 13)])
    as_int = partition_values(glue, db, "typed", "n > 9")
    assert [v[1] for v in as_int] == ["10", "11", "12"]
    as_text = partition_values(glue, db, "typed", "label > '9'")
    assert as_text == [], "'10' < '9' as text"
    as_text = partition_values(glue, db, "typed", "label > '1'")
    assert sorted(v[0] for v in as_text) == sorted(str(i) for i in range(2, 13))
    assert [v[1] for v in partition_values(glue, db, "typed", "n BETWEEN 9 AND 10")] == ["10", "9"]
    assert [v[0] for v in partition_values(glue, db, "typed", "label BETWEEN '1' AND '10'")] == ["1", "10"]


def test_get_partitions_without_expression_returns_all(glue, db, events):
    out = glue.get_partitions(DatabaseName=db, TableName=events)
    assert len(out["Partitions"]) == 24 and "NextToken" not in out
    assert partition_values(glue, db, events, "") == expected(lambda y, m: True)


@pytest.mark.parametrize(
    "expression, fragment",
    [
        ("month >", "month >"),
        ("year = ", "year ="),
        ("year = '2024' AND", "AND"),
        ("(year = '2024'", "year"),
        ("month = 'abc'", "abc"),
        ("year === '1'", "year"),
    ],
)
def test_invalid_expression_is_invalid_input(glue, db, events, expression, fragment):
    message = expect_error("InvalidInputException", glue.get_partitions, DatabaseName=db, TableName=events, Expression=expression)
    assert fragment in message


def test_unknown_key_in_expression_is_invalid_input(glue, db, events):
    message = expect_error(
        "InvalidInputException", glue.get_partitions, DatabaseName=db, TableName=events, Expression="region = 'eu'"
    )
    assert "region" in message


def test_get_partitions_pagination(glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("big", keys=("n:int",)))
    create_partitions(glue, db, "big", [[str(i)] for i in range(250)])

    pages, token = [], None
    while True:
        page = glue.get_partitions(DatabaseName=db, TableName="big", MaxResults=100, **({"NextToken": token} if token else {}))
        pages.append([p["Values"][0] for p in page["Partitions"]])
        token = page.get("NextToken")
        if not token:
            break
        assert len(pages) < 10
    assert [len(p) for p in pages] == [100, 100, 50]
    manual = [v for p in pages for v in p]
    assert sorted(manual, key=int) == [str(i) for i in range(250)]

    collected = partition_values(glue, db, "big", PaginationConfig={"PageSize": 100})
    assert len(collected) == 250 and len(set(collected)) == 250

    # Pagination with a filter: 125 of 250 match, in pages of 50.
    filtered = list(glue.get_paginator("get_partitions").paginate(
        DatabaseName=db, TableName="big", Expression="n >= 125", PaginationConfig={"PageSize": 50}
    ))
    values = [p["Values"][0] for page in filtered for p in page["Partitions"]]
    assert sorted(values, key=int) == [str(i) for i in range(125, 250)]
    assert len(filtered) >= 3


def test_get_partitions_segments(glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("seg", keys=("n:int",)))
    create_partitions(glue, db, "seg", [[str(i)] for i in range(100)])
    segments = [
        partition_values(glue, db, "seg", Segment={"SegmentNumber": i, "TotalSegments": 3}) for i in range(3)
    ]
    union = [v for s in segments for v in s]
    assert sorted(union) == partition_values(glue, db, "seg"), "segments cover every partition"
    assert len(union) == len(set(union)) == 100, "segments are disjoint"
    assert all(s for s in segments), "no segment is empty for 100 partitions"
    # Segments combine with an expression.
    seg_filtered = [
        v for i in range(3) for v in partition_values(glue, db, "seg", "n < 10", Segment={"SegmentNumber": i, "TotalSegments": 3})
    ]
    assert sorted(seg_filtered) == partition_values(glue, db, "seg", "n < 10")


def test_segment_number_must_be_below_total(raw, glue, db, events):
    message = expect_error(
        "InvalidInputException",
        raw.get_partitions,
        DatabaseName=db,
        TableName=events,
        Segment={"SegmentNumber": 3, "TotalSegments": 3},
    )
    assert "SegmentNumber" in message or "segmentNumber" in message


def test_exclude_column_schema(glue, db, events):
    full = glue.get_partitions(DatabaseName=db, TableName=events, Expression="month = 1")["Partitions"]
    assert all(p["StorageDescriptor"]["Columns"] for p in full)
    slim = glue.get_partitions(DatabaseName=db, TableName=events, Expression="month = 1", ExcludeColumnSchema=True)["Partitions"]
    assert len(slim) == 2
    for p in slim:
        assert "Columns" not in p["StorageDescriptor"]
        assert p["StorageDescriptor"]["Location"].startswith("s3://bucket/events/")


def test_create_and_get_partition(glue, db, events):
    p = glue.get_partition(DatabaseName=db, TableName=events, PartitionValues=["2024", "3"])["Partition"]
    assert p["Values"] == ["2024", "3"]
    assert p["DatabaseName"] == db and p["TableName"] == events and p["CatalogId"] == ACCOUNT_ID
    assert isinstance(p["CreationTime"], datetime)
    assert p["StorageDescriptor"]["Location"] == "s3://bucket/events/2024/3/"
    glue.create_partition(
        DatabaseName=db,
        TableName=events,
        PartitionInput=partition_input(events, ["2025", "1"], Parameters={"rows": "10"}),
    )
    assert glue.get_partition(DatabaseName=db, TableName=events, PartitionValues=["2025", "1"])["Partition"]["Parameters"] == {"rows": "10"}


def test_partition_errors(glue, db, events):
    expect_error("AlreadyExistsException", glue.create_partition, DatabaseName=db, TableName=events, PartitionInput=partition_input(events, ["2024", "3"]))
    message = expect_error("InvalidInputException", glue.create_partition, DatabaseName=db, TableName=events, PartitionInput={"Values": ["2024"]})
    assert "partition" in message.lower()
    expect_error("EntityNotFoundException", glue.get_partition, DatabaseName=db, TableName=events, PartitionValues=["1999", "1"])
    expect_error("InvalidInputException", glue.get_partition, DatabaseName=db, TableName=events, PartitionValues=["2024"])
    expect_error("EntityNotFoundException", glue.get_partitions, DatabaseName=db, TableName="ghost")
    expect_error("EntityNotFoundException", glue.create_partition, DatabaseName=db, TableName="ghost", PartitionInput={"Values": ["x"]})


def test_batch_create_partition_reports_entry_errors(glue, db, events):
    out = glue.batch_create_partition(
        DatabaseName=db,
        TableName=events,
        PartitionInputList=[
            partition_input(events, ["2025", "1"]),
            partition_input(events, ["2024", "1"]),  # exists
            partition_input(events, ["2025"]),  # wrong number of values
            partition_input(events, ["2025", "2"]),
        ],
    )
    errors = {tuple(e["PartitionValues"]): e["ErrorDetail"] for e in out["Errors"]}
    assert set(errors) == {("2024", "1"), ("2025",)}
    assert errors[("2024", "1")]["ErrorCode"] == "AlreadyExistsException"
    assert errors[("2025",)]["ErrorCode"] == "InvalidInputException"
    assert errors[("2025",)]["ErrorMessage"]
    assert partition_values(glue, db, events, "year = '2025'") == [("2025", "1"), ("2025", "2")]


def test_batch_get_partition(glue, db, events):
    out = glue.batch_get_partition(
        DatabaseName=db,
        TableName=events,
        PartitionsToGet=[{"Values": ["2024", "1"]}, {"Values": ["1999", "1"]}, {"Values": ["2023", "12"]}],
    )
    assert sorted(tuple(p["Values"]) for p in out["Partitions"]) == [("2023", "12"), ("2024", "1")]
    assert out.get("UnprocessedKeys", []) == []
    assert all(p["CatalogId"] == ACCOUNT_ID for p in out["Partitions"])


def test_update_partition(glue, db, events):
    before = glue.get_partition(DatabaseName=db, TableName=events, PartitionValues=["2024", "1"])["Partition"]
    glue.update_partition(
        DatabaseName=db,
        TableName=events,
        PartitionValueList=["2024", "1"],
        PartitionInput=partition_input(events, ["2024", "1"], Parameters={"compacted": "true"}),
    )
    after = glue.get_partition(DatabaseName=db, TableName=events, PartitionValues=["2024", "1"])["Partition"]
    assert after["Parameters"] == {"compacted": "true"}
    assert after["CreationTime"] == before["CreationTime"]
    expect_error(
        "EntityNotFoundException",
        glue.update_partition,
        DatabaseName=db,
        TableName=events,
        PartitionValueList=["1999", "1"],
        PartitionInput=partition_input(events, ["1999", "1"]),
    )


def test_batch_update_partition(glue, db, events):
    out = glue.batch_update_partition(
        DatabaseName=db,
        TableName=events,
        Entries=[
            {"PartitionValueList": ["2024", "2"], "PartitionInput": partition_input(events, ["2024", "2"], Parameters={"v": "2"})},
            {"PartitionValueList": ["1999", "1"], "PartitionInput": partition_input(events, ["1999", "1"])},
        ],
    )
    assert [e["PartitionValueList"] for e in out["Errors"]] == [["1999", "1"]]
    assert out["Errors"][0]["ErrorDetail"]["ErrorCode"] == "EntityNotFoundException"
    updated = glue.get_partition(DatabaseName=db, TableName=events, PartitionValues=["2024", "2"])["Partition"]
    assert updated["Parameters"] == {"v": "2"}


def test_delete_partition(glue, db, events):
    glue.delete_partition(DatabaseName=db, TableName=events, PartitionValues=["2024", "5"])
    expect_error("EntityNotFoundException", glue.get_partition, DatabaseName=db, TableName=events, PartitionValues=["2024", "5"])
    expect_error("EntityNotFoundException", glue.delete_partition, DatabaseName=db, TableName=events, PartitionValues=["2024", "5"])
    assert ("2024", "5") not in partition_values(glue, db, events, "month = 5")


def test_batch_delete_partition(glue, db, events):
    out = glue.batch_delete_partition(
        DatabaseName=db,
        TableName=events,
        PartitionsToDelete=[{"Values": ["2024", "6"]}, {"Values": ["1999", "1"]}, {"Values": ["2023", "6"]}],
    )
    assert [e["PartitionValues"] for e in out["Errors"]] == [["1999", "1"]]
    assert out["Errors"][0]["ErrorDetail"]["ErrorCode"] == "EntityNotFoundException"
    assert partition_values(glue, db, events, "month = 6") == []


def test_delete_table_removes_partitions(glue, db, events):
    glue.delete_table(DatabaseName=db, Name=events)
    glue.create_table(DatabaseName=db, TableInput=table_input(events, keys=("year:string", "month:int")))
    assert glue.get_partitions(DatabaseName=db, TableName=events)["Partitions"] == []


def test_cli_partitions(cli, db, events):
    got = cli("get-partition", database_name=db, table_name=events, partition_values=["2024", "9"])["Partition"]
    assert got["Values"] == ["2024", "9"]
    out = cli("get-partitions", database_name=db, table_name=events, expression="month > 9")
    assert sorted(tuple(p["Values"]) for p in out["Partitions"]) == expected(lambda y, m: m > 9)
    # The CLI paginates by itself; a page size of 5 still yields everything once.
    out = cli("get-partitions", database_name=db, table_name=events, expression="year = '2023'", page_size=5)
    assert sorted(tuple(p["Values"]) for p in out["Partitions"]) == expected(lambda y, m: y == "2023")
    created = cli(
        "batch-create-partition",
        database_name=db,
        table_name=events,
        partition_input_list=[partition_input(events, ["2030", "1"]), partition_input(events, ["2024", "1"])],
    )
    assert [e["PartitionValues"] for e in created["Errors"]] == [["2024", "1"]]
    with pytest.raises(CliError) as info:
        cli("get-partitions", database_name=db, table_name=events, expression="month >")
    assert info.value.code == "InvalidInputException"
    cli("delete-partition", database_name=db, table_name=events, partition_values=["2030", "1"])
    with pytest.raises(CliError) as info:
        cli("get-partition", database_name=db, table_name=events, partition_values=["2030", "1"])
    assert info.value.code == "EntityNotFoundException"


def test_batch_create_with_the_same_values_twice(glue, db, events):
    out = glue.batch_create_partition(
        DatabaseName=db,
        TableName=events,
        PartitionInputList=[partition_input(events, ["2026", "1"]), partition_input(events, ["2026", "1"])],
    )
    assert [(e["PartitionValues"], e["ErrorDetail"]["ErrorCode"]) for e in out["Errors"]] == [(["2026", "1"], "AlreadyExistsException")]
    assert partition_values(glue, db, events, "year = '2026'") == [("2026", "1")]


def test_values_with_quotes_and_unicode(glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("people", keys=("name:string", "city:string")))
    values = [["O'Brien", "München"], ["plain", "São Paulo"], ['say "hi"', "a/b=c"], ["100%", "x_y"]]
    create_partitions(glue, db, "people", values)
    assert glue.get_partition(DatabaseName=db, TableName="people", PartitionValues=["O'Brien", "München"])["Partition"]["Values"] == ["O'Brien", "München"]
    assert partition_values(glue, db, "people", "name = 'O''Brien'") == [("O'Brien", "München")]
    assert partition_values(glue, db, "people", "city = 'München'") == [("O'Brien", "München")]
    assert partition_values(glue, db, "people", "city = \"São Paulo\"") == [("plain", "São Paulo")]
    assert partition_values(glue, db, "people", "name = 'say \"hi\"'") == [('say "hi"', "a/b=c")]
    assert partition_values(glue, db, "people", "city LIKE 'S%'") == [("plain", "São Paulo")]
    assert partition_values(glue, db, "people", "name LIKE '100%'") == [("100%", "x_y")]
    assert partition_values(glue, db, "people", "`city` = 'a/b=c'") == [('say "hi"', "a/b=c")]


def test_decimal_date_and_bigint_keys_are_typed(glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("typed2", keys=("price:decimal(10,2)", "day:date", "big:bigint")))
    create_partitions(glue, db, "typed2", [
        ["1.5", "2024-01-05", "9000000000"],
        ["1.50", "2024-01-20", "-3"],
        ["10.25", "2024-02-01", "9000000001"],
        ["2", "2023-12-31", "0"],
    ])
    assert [v[0] for v in partition_values(glue, db, "typed2", "price = 1.5")] == ["1.5", "1.50"]
    assert [v[0] for v in partition_values(glue, db, "typed2", "price > 2")] == ["10.25"]
    assert sorted(v[1] for v in partition_values(glue, db, "typed2", "day < '2024-01-10'")) == ["2023-12-31", "2024-01-05"]
    assert sorted(v[1] for v in partition_values(glue, db, "typed2", "day BETWEEN '2024-01-01' AND '2024-01-31'")) == ["2024-01-05", "2024-01-20"]
    assert sorted(v[2] for v in partition_values(glue, db, "typed2", "big > 8999999999")) == ["9000000000", "9000000001"]
    assert [v[2] for v in partition_values(glue, db, "typed2", "big < 0")] == ["-3"]
    assert len(partition_values(glue, db, "typed2", "price IS NOT NULL")) == 4
    assert partition_values(glue, db, "typed2", "price IS NULL") == []


def test_invalid_next_token(glue, db, events):
    expect_error("InvalidInputException", glue.get_partitions, DatabaseName=db, TableName=events, NextToken="not-a-token")
