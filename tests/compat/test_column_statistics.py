"""Column statistics of tables and partitions:
Get/Update/Delete ColumnStatisticsForTable and ColumnStatisticsForPartition."""

from datetime import datetime, timezone

import pytest

from conftest import expect_error, table_input
from weir_harness import CliError

ANALYZED = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def long_stats(column: str, lo: int, hi: int) -> dict:
    return {
        "ColumnName": column,
        "ColumnType": "bigint",
        "AnalyzedTime": ANALYZED,
        "StatisticsData": {
            "Type": "LONG",
            "LongColumnStatisticsData": {"MinimumValue": lo, "MaximumValue": hi, "NumberOfNulls": 0, "NumberOfDistinctValues": hi - lo + 1},
        },
    }


def string_stats(column: str) -> dict:
    return {
        "ColumnName": column,
        "ColumnType": "string",
        "AnalyzedTime": ANALYZED,
        "StatisticsData": {
            "Type": "STRING",
            "StringColumnStatisticsData": {"MaximumLength": 40, "AverageLength": 12.5, "NumberOfNulls": 3, "NumberOfDistinctValues": 900},
        },
    }


@pytest.fixture
def orders(glue, db) -> str:
    glue.create_table(DatabaseName=db, TableInput=table_input("orders", cols=("id:bigint", "customer:string"), keys=("dt:string",)))
    glue.create_partition(DatabaseName=db, TableName="orders", PartitionInput={"Values": ["2024-05-01"]})
    return "orders"


def test_table_column_statistics(glue, db, orders):
    out = glue.update_column_statistics_for_table(
        DatabaseName=db, TableName=orders, ColumnStatisticsList=[long_stats("id", 1, 1000), string_stats("customer"), long_stats("nope", 0, 1)]
    )
    assert len(out["Errors"]) == 1
    assert out["Errors"][0]["ColumnStatistics"]["ColumnName"] == "nope"
    assert out["Errors"][0]["Error"]["ErrorCode"] == "EntityNotFoundException"

    got = glue.get_column_statistics_for_table(DatabaseName=db, TableName=orders, ColumnNames=["id", "customer", "nope"])
    stats = {s["ColumnName"]: s for s in got["ColumnStatisticsList"]}
    assert set(stats) == {"id", "customer"}
    assert stats["id"]["StatisticsData"]["LongColumnStatisticsData"]["MaximumValue"] == 1000
    assert stats["id"]["AnalyzedTime"] == ANALYZED
    assert stats["customer"]["StatisticsData"]["StringColumnStatisticsData"]["AverageLength"] == 12.5
    assert [e["ColumnName"] for e in got["Errors"]] == ["nope"]
    assert "nope" in got["Errors"][0]["Error"]["ErrorMessage"]

    # An update replaces the statistics of that column.
    glue.update_column_statistics_for_table(DatabaseName=db, TableName=orders, ColumnStatisticsList=[long_stats("id", 5, 50)])
    got = glue.get_column_statistics_for_table(DatabaseName=db, TableName=orders, ColumnNames=["id"])
    assert got["ColumnStatisticsList"][0]["StatisticsData"]["LongColumnStatisticsData"]["MinimumValue"] == 5

    glue.delete_column_statistics_for_table(DatabaseName=db, TableName=orders, ColumnName="id")
    got = glue.get_column_statistics_for_table(DatabaseName=db, TableName=orders, ColumnNames=["id", "customer"])
    assert [s["ColumnName"] for s in got["ColumnStatisticsList"]] == ["customer"]
    assert [e["ColumnName"] for e in got["Errors"]] == ["id"]
    expect_error("EntityNotFoundException", glue.delete_column_statistics_for_table, DatabaseName=db, TableName=orders, ColumnName="id")
    expect_error("EntityNotFoundException", glue.delete_column_statistics_for_table, DatabaseName=db, TableName=orders, ColumnName="nope")
    expect_error("EntityNotFoundException", glue.get_column_statistics_for_table, DatabaseName=db, TableName="ghost", ColumnNames=["id"])


def test_partition_column_statistics(glue, db, orders):
    part = ["2024-05-01"]
    out = glue.update_column_statistics_for_partition(
        DatabaseName=db, TableName=orders, PartitionValues=part, ColumnStatisticsList=[long_stats("id", 1, 10), long_stats("nope", 0, 1)]
    )
    assert [e["ColumnStatistics"]["ColumnName"] for e in out["Errors"]] == ["nope"]

    got = glue.get_column_statistics_for_partition(DatabaseName=db, TableName=orders, PartitionValues=part, ColumnNames=["id", "nope"])
    assert [s["ColumnName"] for s in got["ColumnStatisticsList"]] == ["id"]
    assert [e["ColumnName"] for e in got["Errors"]] == ["nope"]

    # Partition statistics are separate from table statistics.
    table_level = glue.get_column_statistics_for_table(DatabaseName=db, TableName=orders, ColumnNames=["id"])
    assert table_level["ColumnStatisticsList"] == []

    glue.delete_column_statistics_for_partition(DatabaseName=db, TableName=orders, PartitionValues=part, ColumnName="id")
    got = glue.get_column_statistics_for_partition(DatabaseName=db, TableName=orders, PartitionValues=part, ColumnNames=["id"])
    assert got["ColumnStatisticsList"] == []
    expect_error(
        "EntityNotFoundException",
        glue.get_column_statistics_for_partition,
        DatabaseName=db, TableName=orders, PartitionValues=["1999-01-01"], ColumnNames=["id"],
    )
    expect_error(
        "EntityNotFoundException",
        glue.update_column_statistics_for_partition,
        DatabaseName=db, TableName=orders, PartitionValues=["1999-01-01"], ColumnStatisticsList=[long_stats("id", 1, 2)],
    )


def test_partition_statistics_go_with_the_partition(glue, db, orders):
    part = ["2024-05-01"]
    glue.update_column_statistics_for_partition(DatabaseName=db, TableName=orders, PartitionValues=part, ColumnStatisticsList=[long_stats("id", 1, 10)])
    glue.delete_partition(DatabaseName=db, TableName=orders, PartitionValues=part)
    glue.create_partition(DatabaseName=db, TableName=orders, PartitionInput={"Values": part})
    got = glue.get_column_statistics_for_partition(DatabaseName=db, TableName=orders, PartitionValues=part, ColumnNames=["id"])
    assert got["ColumnStatisticsList"] == []


def test_cli_column_statistics(cli, db, orders):
    stats = {
        "ColumnName": "id",
        "ColumnType": "bigint",
        "AnalyzedTime": 1714564800,
        "StatisticsData": {"Type": "LONG", "LongColumnStatisticsData": {"MinimumValue": 1, "MaximumValue": 9, "NumberOfNulls": 0, "NumberOfDistinctValues": 9}},
    }
    out = cli("update-column-statistics-for-table", database_name=db, table_name=orders, column_statistics_list=[stats])
    assert out.get("Errors", []) == []
    got = cli("get-column-statistics-for-table", database_name=db, table_name=orders, column_names=["id", "customer"])
    assert got["ColumnStatisticsList"][0]["StatisticsData"]["LongColumnStatisticsData"]["MaximumValue"] == 9
    assert [e["ColumnName"] for e in got["Errors"]] == ["customer"]
    cli("delete-column-statistics-for-table", database_name=db, table_name=orders, column_name="id")
    with pytest.raises(CliError) as info:
        cli("delete-column-statistics-for-table", database_name=db, table_name=orders, column_name="id")
    assert info.value.code == "EntityNotFoundException"


def test_table_statistics_go_with_the_table(glue, db, orders):
    glue.update_column_statistics_for_table(DatabaseName=db, TableName=orders, ColumnStatisticsList=[long_stats("id", 1, 10)])
    glue.delete_table(DatabaseName=db, Name=orders)
    glue.create_table(DatabaseName=db, TableInput=table_input(orders, cols=("id:bigint", "customer:string"), keys=("dt:string",)))
    got = glue.get_column_statistics_for_table(DatabaseName=db, TableName=orders, ColumnNames=["id"])
    assert got["ColumnStatisticsList"] == []


def test_column_names_match_the_schema_case_insensitively(glue, db, orders):
    glue.update_column_statistics_for_table(DatabaseName=db, TableName=orders, ColumnStatisticsList=[long_stats("ID", 1, 10)])
    got = glue.get_column_statistics_for_table(DatabaseName=db, TableName=orders, ColumnNames=["id"])
    assert [s["ColumnName"] for s in got["ColumnStatisticsList"]] == ["id"], "stored under the table's own spelling"
    assert got["Errors"] == []
    # A second spelling updates the same statistics rather than adding another entry.
    glue.update_column_statistics_for_table(DatabaseName=db, TableName=orders, ColumnStatisticsList=[long_stats("Id", 1, 99)])
    got = glue.get_column_statistics_for_table(DatabaseName=db, TableName=orders, ColumnNames=["id", "ID"])
    assert [s["StatisticsData"]["LongColumnStatisticsData"]["MaximumValue"] for s in got["ColumnStatisticsList"]] == [99, 99]
    glue.delete_column_statistics_for_table(DatabaseName=db, TableName=orders, ColumnName="ID")
    got = glue.get_column_statistics_for_table(DatabaseName=db, TableName=orders, ColumnNames=["id"])
    assert got["ColumnStatisticsList"] == []
