"""Concurrent writers: conflicts surface as Glue errors (AlreadyExists, ConcurrentModification),
never as internal errors, and optimistic locking on UpdateTable loses no commit."""

import threading
from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import ClientError

from conftest import arn, error_code, partition_values, table_input, unique

WRITERS = 8
#: Races are repeated: a lost race shows up in some rounds only.
ROUNDS = 10


def race(weir, work, n: int = WRITERS) -> list[str]:
    """Runs `work(client, i)` on n threads released together; returns each outcome: "ok" or an error code."""
    barrier = threading.Barrier(n)
    clients = [weir.client() for _ in range(n)]

    def run(i: int) -> str:
        barrier.wait()
        try:
            work(clients[i], i)
            return "ok"
        except ClientError as e:
            return error_code(e)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_concurrent_creates_of_one_database(weir, glue):
    name = unique("race")
    outcomes = race(weir, lambda c, i: c.create_database(DatabaseInput={"Name": name, "Description": str(i)}))
    try:
        assert sorted(outcomes) == ["AlreadyExistsException"] * (WRITERS - 1) + ["ok"]
    finally:
        glue.delete_database(Name=name)


def test_concurrent_updates_with_one_version_id(weir, glue, db):
    for round_ in range(ROUNDS):
        table = f"t{round_}"
        glue.create_table(DatabaseName=db, TableInput=table_input(table))
        outcomes = race(
            weir,
            lambda c, i: c.update_table(DatabaseName=db, TableInput=table_input(table, Description=f"writer {i}"), VersionId="0"),
        )
        assert sorted(outcomes) == ["ConcurrentModificationException"] * (WRITERS - 1) + ["ok"], f"round {round_}"
        winner = outcomes.index("ok")
        got = glue.get_table(DatabaseName=db, Name=table)["Table"]
        assert got["VersionId"] == "1" and got["Description"] == f"writer {winner}"


def test_a_failed_write_does_not_break_other_writers(weir, glue, db):
    """Requests that fail after writing (CreateTable with a bad partition index, TagResource past
    50 tags) race with good writes: only the bad ones fail, with their own error."""
    glue.tag_resource(ResourceArn=arn(f"database/{db}"), TagsToAdd={f"k{i}": "v" for i in range(50)})
    writers, rounds = 16, 40  # many rounds: the window between a failed write and its rollback is narrow

    def work(client, i):
        if i % 4 == 0:
            client.create_table(
                DatabaseName=db,
                TableInput=table_input(unique("bad"), keys=("dt:string",)),
                PartitionIndexes=[{"IndexName": "i", "Keys": ["no_such_key"]}],
            )
        elif i % 4 == 2:
            client.tag_resource(ResourceArn=arn(f"database/{db}"), TagsToAdd={unique("extra"): "v"})
        else:
            client.create_table(DatabaseName=db, TableInput={"Name": unique("good")})

    expected = ["InvalidInputException" if i % 2 == 0 else "ok" for i in range(writers)]
    failed_rounds = [r for r in range(rounds) if race(weir, work, writers) != expected]
    assert failed_rounds == [], f"{len(failed_rounds)} of {rounds} rounds had unexpected outcomes"
    names = [t["Name"] for p in glue.get_paginator("get_tables").paginate(DatabaseName=db) for t in p["TableList"]]
    assert not any(n.startswith("bad_") for n in names), "a failed CreateTable leaves no table behind"
    assert len(names) == rounds * writers // 2
    assert len(glue.get_tags(ResourceArn=arn(f"database/{db}"))["Tags"]) == 50


def test_optimistic_commit_loop_loses_nothing(weir, glue, db):
    """Iceberg-style commits: read VersionId, update with it, retry on ConcurrentModification."""
    glue.create_table(DatabaseName=db, TableInput=table_input("t", Parameters={"commits": ""}))
    per_writer = 5

    def commit_all(client, i):
        for n in range(per_writer):
            while True:
                table = client.get_table(DatabaseName=db, Name="t")["Table"]
                commits = table["Parameters"]["commits"] + f"{i}.{n};"
                try:
                    client.update_table(
                        DatabaseName=db,
                        TableInput=table_input("t", Parameters={"commits": commits}),
                        VersionId=table["VersionId"],
                    )
                    break
                except client.exceptions.ConcurrentModificationException:
                    continue

    writers = 4
    assert race(weir, commit_all, writers) == ["ok"] * writers
    table = glue.get_table(DatabaseName=db, Name="t")["Table"]
    assert table["VersionId"] == str(writers * per_writer)
    done = [c for c in table["Parameters"]["commits"].split(";") if c]
    assert sorted(done) == sorted(f"{i}.{n}" for i in range(writers) for n in range(per_writer)), "no commit was lost"
    pages = glue.get_paginator("get_table_versions").paginate(DatabaseName=db, TableName="t")
    assert len([v for p in pages for v in p["TableVersions"]]) == writers * per_writer + 1


def test_concurrent_batch_creates_of_overlapping_partitions(weir, glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("t", keys=("n:int",)))
    errors: list[list[dict]] = [[] for _ in range(WRITERS)]

    def create(client, i):
        # Writer i creates 0..59 shifted by 5*i: neighbours overlap.
        out = client.batch_create_partition(
            DatabaseName=db, TableName="t", PartitionInputList=[{"Values": [str(5 * i + k)]} for k in range(60)]
        )
        errors[i] = out.get("Errors", [])

    # Conflicts are per entry: no whole call fails.
    assert race(weir, create) == ["ok"] * WRITERS
    assert all(e["ErrorDetail"]["ErrorCode"] == "AlreadyExistsException" for errs in errors for e in errs)
    expected = sorted((str(v),) for v in range(5 * (WRITERS - 1) + 60))
    assert partition_values(glue, db, "t") == expected, "every partition exists exactly once"
