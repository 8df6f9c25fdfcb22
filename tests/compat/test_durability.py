"""Restart durability: a server stopped and started again on the same data dir (and the same
PostgreSQL database) serves everything that was written before, secrets included."""

from conftest import arn, create_partitions, partition_values, table_input, wait_for_indexes


def populate(glue) -> None:
    glue.create_database(DatabaseInput={"Name": "durable", "Description": "kept"}, Tags={"team": "data"})
    glue.create_table(
        DatabaseName="durable",
        TableInput=table_input("events", keys=("year:string", "month:int"), Description="v0"),
        PartitionIndexes=[{"IndexName": "by_month", "Keys": ["month"]}],
    )
    glue.update_table(DatabaseName="durable", TableInput=table_input("events", keys=("year:string", "month:int"), Description="v1"))
    create_partitions(glue, "durable", "events", [[y, str(m)] for y in ("2023", "2024") for m in range(1, 13)])
    glue.update_column_statistics_for_table(
        DatabaseName="durable",
        TableName="events",
        ColumnStatisticsList=[{
            "ColumnName": "id",
            "ColumnType": "bigint",
            "AnalyzedTime": 1714564800,
            "StatisticsData": {"Type": "LONG", "LongColumnStatisticsData": {"NumberOfNulls": 0, "NumberOfDistinctValues": 7}},
        }],
    )
    glue.create_user_defined_function(DatabaseName="durable", FunctionInput={"FunctionName": "f", "ClassName": "com.example.F"})
    glue.create_connection(
        ConnectionInput={
            "Name": "warehouse",
            "ConnectionType": "JDBC",
            "ConnectionProperties": {"JDBC_CONNECTION_URL": "jdbc:postgresql://h/db", "USERNAME": "u", "PASSWORD": "s3cr3t-after-restart"},
        }
    )


def verify(glue) -> None:
    assert glue.get_database(Name="durable")["Database"]["Description"] == "kept"
    assert glue.get_tags(ResourceArn=arn("database/durable"))["Tags"] == {"team": "data"}
    table = glue.get_table(DatabaseName="durable", Name="events")["Table"]
    assert table["Description"] == "v1" and table["VersionId"] == "1"
    versions = glue.get_table_versions(DatabaseName="durable", TableName="events")["TableVersions"]
    assert sorted(v["VersionId"] for v in versions) == ["0", "1"]
    assert len(partition_values(glue, "durable", "events")) == 24
    assert [v[1] for v in partition_values(glue, "durable", "events", "year = '2024' AND month > 9")] == ["10", "11", "12"]
    indexes = wait_for_indexes(glue, "durable", "events")
    assert [(name, i["IndexStatus"]) for name, i in indexes.items()] == [("by_month", "ACTIVE")]
    stats = glue.get_column_statistics_for_table(DatabaseName="durable", TableName="events", ColumnNames=["id"])
    assert stats["ColumnStatisticsList"][0]["StatisticsData"]["LongColumnStatisticsData"]["NumberOfDistinctValues"] == 7
    assert glue.get_user_defined_function(DatabaseName="durable", FunctionName="f")["UserDefinedFunction"]["ClassName"] == "com.example.F"
    connection = glue.get_connection(Name="warehouse")["Connection"]
    assert connection["ConnectionProperties"]["PASSWORD"] == "s3cr3t-after-restart", "the secrets key survives a restart"


def test_everything_survives_a_restart(backend):
    data_dir, metastore = backend.new_store()
    first = backend.server(data_dir, metastore).start()
    try:
        glue = first.client()
        populate(glue)
        verify(glue)
    finally:
        first.stop()
    assert first.process.returncode == 0, f"weir did not shut down cleanly:\n{first.log_tail()}"
    assert first.logged_errors() == []

    second = backend.server(data_dir, metastore).start()
    try:
        glue = second.client()
        verify(glue)
        # And the restarted server still writes.
        glue.update_table(
            DatabaseName="durable", TableInput=table_input("events", keys=("year:string", "month:int")), VersionId="1"
        )
        assert glue.get_table(DatabaseName="durable", Name="events")["Table"]["VersionId"] == "2"
    finally:
        second.stop()
    assert second.logged_errors() == []
