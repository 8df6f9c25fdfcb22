"""Partition indexes: CreatePartitionIndex (and CreateTable.PartitionIndexes),
GetPartitionIndexes, DeletePartitionIndex, and GetPartitions through an index."""

import pytest

from conftest import create_partitions, expect_error, partition_values, table_input, wait_for_indexes
from weir_harness import CliError

KEYS = ("region:string", "year:int", "dt:date")

REGIONS = ["eu", "us", "ap"]
YEARS = [2019, 2020, 2021, 2022, 2023]
DATES = ["2024-01-31", "2024-02-29", "2024-12-01"]

#: Expressions an index may serve (=, ranges, BETWEEN) or only help with (IN, LIKE, OR, NOT).
EXPRESSIONS = [
    "region = 'eu'",
    "region = 'eu' AND year > 2020",
    "year = 2021",
    "year >= 2022",
    "year < 2020 OR region = 'us'",
    "year BETWEEN 2020 AND 2022",
    "year IN (2019, 2023)",
    "region IN ('ap', 'us') AND year <> 2020",
    "region LIKE 'e%'",
    "NOT region = 'eu'",
    "dt = '2024-02-29'",
    "dt > '2024-02-01' AND year = 2019",
    "dt BETWEEN '2024-01-01' AND '2024-06-30'",
    "region = 'nowhere'",
    "year > 3000",
    # Stored values that are not canonical (or not valid) for the key's type; see ODD_VALUES.
    "year = 7",
    "year = 8",
    "year < 0",
    "year <> 2020",
    "NOT year = 2020",
    "year NOT IN (2020, 7)",
    "year > 100000",
    "dt < '2024-02-01'",
    "dt <> '2024-02-29'",
]

#: Values an int/date index must treat exactly as the typed filter does.
ODD_VALUES = [
    ["eu", "007", "2024-01-31"],
    ["eu", "+8", "2024-01-31"],
    ["us", "-1", "2024-02-29"],
    ["us", "__HIVE_DEFAULT_PARTITION__", "2024-02-29"],
    ["ap", "99999999999999999999", "2024-12-01"],
    ["ap", "2020", "__HIVE_DEFAULT_PARTITION__"],
    ["ap", "2021", "2024-2-3"],
]


def all_values():
    return [[r, str(y), d] for r in REGIONS for y in YEARS for d in DATES]


def results(glue, db, table):
    return {e: partition_values(glue, db, table, e) for e in EXPRESSIONS}


@pytest.fixture
def indexed(glue, db) -> str:
    """A table created with one partition index on `region`, filled with 45 partitions."""
    glue.create_table(
        DatabaseName=db,
        TableInput=table_input("indexed", keys=KEYS),
        PartitionIndexes=[{"IndexName": "by_region", "Keys": ["region"]}],
    )
    create_partitions(glue, db, "indexed", all_values())
    wait_for_indexes(glue, db, "indexed")
    return "indexed"


def descriptors(glue, db, table) -> dict:
    """The table's indexes by name, once every one is ACTIVE."""
    return wait_for_indexes(glue, db, table)


def test_create_table_with_partition_index(glue, db, indexed):
    index = descriptors(glue, db, indexed)["by_region"]
    assert index["IndexStatus"] == "ACTIVE"
    assert index["Keys"] == [{"Name": "region", "Type": "string"}]


def test_create_partition_index_has_typed_keys(glue, db, indexed):
    glue.create_partition_index(DatabaseName=db, TableName=indexed, PartitionIndex={"IndexName": "by_year_dt", "Keys": ["year", "dt"]})
    index = descriptors(glue, db, indexed)["by_year_dt"]
    assert index["IndexStatus"] == "ACTIVE"
    assert index["Keys"] == [{"Name": "year", "Type": "int"}, {"Name": "dt", "Type": "date"}]


def test_results_identical_with_and_without_index(glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("plain", keys=KEYS))
    create_partitions(glue, db, "plain", all_values() + ODD_VALUES)
    without = results(glue, db, "plain")
    assert without["region = 'eu'"] and without["year = 2021"] and without["dt = '2024-02-29'"]
    assert ("eu", "007", "2024-01-31") in without["year = 7"], "int keys compare numerically"
    assert ("us", "__HIVE_DEFAULT_PARTITION__", "2024-02-29") in without["year <> 2020"]

    glue.create_partition_index(DatabaseName=db, TableName="plain", PartitionIndex={"IndexName": "i_region", "Keys": ["region"]})
    glue.create_partition_index(DatabaseName=db, TableName="plain", PartitionIndex={"IndexName": "i_year", "Keys": ["year"]})
    glue.create_partition_index(DatabaseName=db, TableName="plain", PartitionIndex={"IndexName": "i_dt", "Keys": ["dt"]})
    wait_for_indexes(glue, db, "plain")
    assert results(glue, db, "plain") == without

    # Partitions written after the indexes exist are found through them too.
    glue.batch_create_partition(
        DatabaseName=db,
        TableName="plain",
        PartitionInputList=[{"Values": ["eu", "2030", "2030-01-01"]}, {"Values": ["sa", "2021", "2024-02-29"]}],
    )
    glue.update_partition(
        DatabaseName=db, TableName="plain", PartitionValueList=["us", "2019", "2024-01-31"],
        PartitionInput={"Values": ["us", "2019", "2024-01-31"], "Parameters": {"touched": "yes"}},
    )
    glue.delete_partition(DatabaseName=db, TableName="plain", PartitionValues=["eu", "2021", "2024-01-31"])
    assert ("eu", "2030", "2030-01-01") in partition_values(glue, db, "plain", "region = 'eu'")
    assert ("sa", "2021", "2024-02-29") in partition_values(glue, db, "plain", "year = 2021")
    assert ("eu", "2021", "2024-01-31") not in partition_values(glue, db, "plain", "year = 2021")
    assert ("us", "2019", "2024-01-31") in partition_values(glue, db, "plain", "region = 'us' AND year = 2019")

    # An unindexed twin with the same partitions answers identically.
    glue.create_table(DatabaseName=db, TableInput=table_input("twin", keys=KEYS))
    current = partition_values(glue, db, "plain")
    create_partitions(glue, db, "twin", [list(v) for v in current])
    assert results(glue, db, "plain") == results(glue, db, "twin")


def test_index_pagination_and_segments(glue, db, indexed):
    everything = partition_values(glue, db, indexed, "region = 'us'")
    pages = list(glue.get_paginator("get_partitions").paginate(
        DatabaseName=db, TableName=indexed, Expression="region = 'us'", PaginationConfig={"PageSize": 4}
    ))
    paged = sorted(tuple(p["Values"]) for page in pages for p in page["Partitions"])
    assert paged == everything and len(pages) >= 4
    segments = [
        v for i in range(3)
        for v in partition_values(glue, db, indexed, "region = 'us'", Segment={"SegmentNumber": i, "TotalSegments": 3})
    ]
    assert sorted(segments) == everything and len(set(segments)) == len(segments)


def test_fourth_index_exceeds_limit(glue, db, indexed):
    glue.create_partition_index(DatabaseName=db, TableName=indexed, PartitionIndex={"IndexName": "i2", "Keys": ["year"]})
    glue.create_partition_index(DatabaseName=db, TableName=indexed, PartitionIndex={"IndexName": "i3", "Keys": ["dt"]})
    message = expect_error(
        "ResourceNumberLimitExceededException",
        glue.create_partition_index,
        DatabaseName=db,
        TableName=indexed,
        PartitionIndex={"IndexName": "i4", "Keys": ["region", "year"]},
    )
    assert "3" in message
    assert sorted(descriptors(glue, db, indexed)) == ["by_region", "i2", "i3"]


def test_index_errors(glue, db, indexed):
    message = expect_error(
        "InvalidInputException",
        glue.create_partition_index,
        DatabaseName=db,
        TableName=indexed,
        PartitionIndex={"IndexName": "bad", "Keys": ["payload"]},
    )
    assert "payload" in message
    expect_error(
        "AlreadyExistsException",
        glue.create_partition_index,
        DatabaseName=db,
        TableName=indexed,
        PartitionIndex={"IndexName": "by_region", "Keys": ["year"]},
    )
    expect_error("EntityNotFoundException", glue.delete_partition_index, DatabaseName=db, TableName=indexed, IndexName="nope")
    expect_error("EntityNotFoundException", glue.get_partition_indexes, DatabaseName=db, TableName="ghost")
    # A bad index in CreateTable fails the whole call: no table is left behind.
    expect_error(
        "InvalidInputException",
        glue.create_table,
        DatabaseName=db,
        TableInput=table_input("half", keys=KEYS),
        PartitionIndexes=[{"IndexName": "bad", "Keys": ["nope"]}],
    )
    expect_error("EntityNotFoundException", glue.get_table, DatabaseName=db, Name="half")


def test_delete_partition_index(glue, db, indexed):
    before = results(glue, db, indexed)
    glue.delete_partition_index(DatabaseName=db, TableName=indexed, IndexName="by_region")
    assert descriptors(glue, db, indexed) == {}
    assert results(glue, db, indexed) == before
    glue.create_partition_index(DatabaseName=db, TableName=indexed, PartitionIndex={"IndexName": "by_region", "Keys": ["region"]})
    wait_for_indexes(glue, db, indexed)
    assert results(glue, db, indexed) == before


def test_cli_partition_indexes(cli, glue, db, indexed):
    cli("create-partition-index", database_name=db, table_name=indexed, partition_index={"IndexName": "by_year", "Keys": ["year"]})
    wait_for_indexes(glue, db, indexed)
    listed = cli("get-partition-indexes", database_name=db, table_name=indexed)["PartitionIndexDescriptorList"]
    by_name = {d["IndexName"]: d for d in listed}
    assert by_name["by_year"]["IndexStatus"] == "ACTIVE"
    assert by_name["by_year"]["Keys"] == [{"Name": "year", "Type": "int"}]
    out = cli("get-partitions", database_name=db, table_name=indexed, expression="year = 2020 AND region = 'eu'")
    assert sorted(tuple(p["Values"]) for p in out["Partitions"]) == [("eu", "2020", d) for d in sorted(DATES)]
    cli("delete-partition-index", database_name=db, table_name=indexed, index_name="by_year")
    with pytest.raises(CliError) as info:
        cli("delete-partition-index", database_name=db, table_name=indexed, index_name="by_year")
    assert info.value.code == "EntityNotFoundException"
