"""Data quality evaluation runs through boto3, on SQLite and PostgreSQL: a ruleset evaluated on a
catalog table by the job service (StartDataQualityRulesetEvaluationRun), its run and results in
Glue's shapes (Get/List runs, Get/BatchGet/List results), a recommended ruleset saved under
CreatedRulesetName that passes on its table, errors for unknown rulesets, runs and results, a run
on a missing table failing with a reason, and anomaly detection learning from the statistics of
earlier runs: seven days of taxi rides, alternating ~1,400 and ~700 a day, where day six's 2,200
rides and fares of 95 are flagged and the normal seventh day is not; the statistics, their
annotations and the model's results through the API, and an excluded day six taken out of
training, which tightens the bounds."""

from __future__ import annotations

import random
import time
from pathlib import Path

from conftest import expect_error
from weir_harness import unique


def csv_table(glue, database: str, folder: Path, columns: list[tuple[str, str]]) -> str:
    name = unique("t")
    try:
        glue.create_database(DatabaseInput={"Name": database})
    except glue.exceptions.AlreadyExistsException:
        pass
    glue.create_table(DatabaseName=database, TableInput={
        "Name": name, "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
        "StorageDescriptor": {
            "Columns": [{"Name": c, "Type": t} for c, t in columns],
            "Location": f"file://{folder}/",
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                          "Parameters": {"field.delim": ","}}}})
    return name


def source(database: str, table: str) -> dict:
    return {"GlueTable": {"DatabaseName": database, "TableName": table}}


def finished(glue, run_id: str, timeout: float = 120.0, recommendation: bool = False) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if recommendation:
            run = glue.get_data_quality_rule_recommendation_run(RunId=run_id)
        else:
            run = glue.get_data_quality_ruleset_evaluation_run(RunId=run_id)
        if run["Status"] in ("SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT"):
            return run
        time.sleep(0.05)
    raise AssertionError(f"evaluation run {run_id} still {run['Status']} after {timeout}s")


def orders(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["id,status,amount"] + [f"{i},{'NEW' if i % 2 else 'DONE'},{'' if i == 7 else i * 2}" for i in range(1, 21)]
    (folder / "part-0.csv").write_text("\n".join(rows) + "\n")


RULES = """Rules = [
    RowCount = 20,
    IsComplete "id",
    IsUnique "id",
    Completeness "amount" > 0.9,
    ColumnValues "status" in ["NEW", "DONE"],
    ColumnValues "amount" > 10,
    Mean "nope" > 1
]
Analyzers = [ DistinctValuesCount "status" ]"""


def test_an_evaluation_run_stores_results_in_glue_shapes(glue, tmp_path):
    database = unique("dq")
    orders(tmp_path / "orders")
    table = csv_table(glue, database, tmp_path / "orders", [("id", "int"), ("status", "string"), ("amount", "double")])
    ruleset = unique("rules")
    glue.create_data_quality_ruleset(Name=ruleset, Ruleset=RULES)
    before = time.time() - 1
    run_id = glue.start_data_quality_ruleset_evaluation_run(
        DataSource=source(database, table), Role="admin", RulesetNames=[ruleset])["RunId"]
    run = finished(glue, run_id)
    assert run["Status"] == "SUCCEEDED", run
    assert run["RunId"] == run_id and run["RulesetNames"] == [ruleset]
    assert run["DataSource"] == source(database, table)
    assert run["StartedOn"].timestamp() >= before and run["CompletedOn"] >= run["StartedOn"]
    assert len(run["ResultIds"]) == 1

    result = glue.get_data_quality_result(ResultId=run["ResultIds"][0])
    assert result["RulesetName"] == ruleset and result["RulesetEvaluationRunId"] == run_id
    assert result["DataSource"] == source(database, table)
    outcomes = {r["Name"]: (r["Description"], r["Result"]) for r in result["RuleResults"]}
    assert outcomes == {
        "Rule_1": ("RowCount = 20", "PASS"),
        "Rule_2": ('IsComplete "id"', "PASS"),
        "Rule_3": ('IsUnique "id"', "PASS"),
        "Rule_4": ('Completeness "amount" > 0.9', "PASS"),
        "Rule_5": ('ColumnValues "status" in ["NEW","DONE"]', "PASS"),
        "Rule_6": ('ColumnValues "amount" > 10', "FAIL"),
        "Rule_7": ('Mean "nope" > 1', "ERROR"),
    }
    by_name = {r["Name"]: r for r in result["RuleResults"]}
    assert by_name["Rule_1"]["EvaluatedMetrics"] == {"Dataset.*.RowCount": 20.0}
    assert by_name["Rule_4"]["EvaluatedMetrics"] == {"Column.amount.Completeness": 0.95}
    # amount is 2, 4, …, 40 with row 7 empty: 2–10 (5 rows) and the NULL fail.
    assert by_name["Rule_6"]["EvaluatedMetrics"] == {"Column.amount.ColumnValues.Compliance": 0.7}
    assert by_name["Rule_6"]["EvaluationMessage"].startswith("Value: 0.7 does not meet the constraint requirement!")
    assert by_name["Rule_7"]["EvaluationMessage"] == 'Column "nope" does not exist in the dataset'
    assert result["Score"] == 5 / 7
    assert result["AnalyzerResults"][0]["EvaluatedMetrics"] == {"Column.status.DistinctValuesCount": 2.0}
    assert result["AggregatedMetrics"]["TotalRowsProcessed"] == 20.0

    batch = glue.batch_get_data_quality_result(ResultIds=[run["ResultIds"][0], "dqresult-missing"])
    assert [r["ResultId"] for r in batch["Results"]] == run["ResultIds"]
    assert batch["ResultsNotFound"] == ["dqresult-missing"]
    listed = glue.list_data_quality_results(Filter={"DataSource": source(database, table)})["Results"]
    assert [r["ResultId"] for r in listed] == run["ResultIds"]
    assert listed[0]["DataSource"] == source(database, table)
    runs = glue.list_data_quality_ruleset_evaluation_runs(Filter={"DataSource": source(database, table)})["Runs"]
    assert [(r["RunId"], r["Status"]) for r in runs] == [(run_id, "SUCCEEDED")]


def test_a_recommended_ruleset_is_saved_and_passes_on_its_table(glue, tmp_path):
    database = unique("dq")
    orders(tmp_path / "orders")
    table = csv_table(glue, database, tmp_path / "orders", [("id", "int"), ("status", "string"), ("amount", "double")])
    name = unique("recommended")
    run_id = glue.start_data_quality_rule_recommendation_run(
        DataSource=source(database, table), Role="admin", CreatedRulesetName=name)["RunId"]
    run = finished(glue, run_id, recommendation=True)
    assert run["Status"] == "SUCCEEDED", run
    assert run["CreatedRulesetName"] == name
    recommended = run["RecommendedRuleset"]
    assert recommended.startswith("Rules = [")
    for rule in ('RowCount between 18 and 22', 'IsComplete "id"', 'IsUnique "id"',
                 'ColumnValues "status" in ["DONE","NEW"]', 'Completeness "amount" >= 0.95'):
        assert rule in recommended, recommended
    saved = glue.get_data_quality_ruleset(Name=name)
    assert saved["Ruleset"] == recommended
    assert saved["TargetTable"] == {"DatabaseName": database, "TableName": table}
    assert saved["RecommendationRunId"] == run_id
    runs = glue.list_data_quality_rule_recommendation_runs(Filter={"DataSource": source(database, table)})["Runs"]
    assert [(r["RunId"], r["Status"], r["CreatedRulesetName"]) for r in runs] == [(run_id, "SUCCEEDED", name)]
    # The recommendation passes on the data it describes.
    evaluation = finished(glue, glue.start_data_quality_ruleset_evaluation_run(
        DataSource=source(database, table), Role="admin", RulesetNames=[name])["RunId"])
    assert glue.get_data_quality_result(ResultId=evaluation["ResultIds"][0])["Score"] == 1.0
    message = expect_error("InvalidInputException", glue.start_data_quality_rule_recommendation_run,
                           DataSource=source(database, table), Role="admin", CreatedRulesetName=name)
    assert name in message


def test_unknown_rulesets_runs_and_results_are_errors(glue):
    missing = unique("nope")
    message = expect_error("EntityNotFoundException", glue.start_data_quality_ruleset_evaluation_run,
                           DataSource=source("db", "t"), Role="admin", RulesetNames=[missing])
    assert message == f"Data quality ruleset {missing} not found"
    assert "jr_missing" in expect_error("EntityNotFoundException",
                                        lambda: glue.get_data_quality_ruleset_evaluation_run(RunId="jr_missing"))
    assert "jr_missing" in expect_error("EntityNotFoundException",
                                        lambda: glue.cancel_data_quality_ruleset_evaluation_run(RunId="jr_missing"))
    assert "jr_missing" in expect_error("EntityNotFoundException",
                                        lambda: glue.get_data_quality_rule_recommendation_run(RunId="jr_missing"))
    assert "jr_missing" in expect_error("EntityNotFoundException",
                                        lambda: glue.cancel_data_quality_rule_recommendation_run(RunId="jr_missing"))
    assert "dqresult-missing" in expect_error("EntityNotFoundException",
                                              glue.get_data_quality_result, ResultId="dqresult-missing")


def test_a_run_on_a_missing_table_fails_saying_why(glue):
    ruleset = unique("rules")
    glue.create_data_quality_ruleset(Name=ruleset, Ruleset="Rules = [ RowCount > 0 ]")
    database = unique("dq")
    run_id = glue.start_data_quality_ruleset_evaluation_run(
        DataSource=source(database, "absent"), Role="admin", RulesetNames=[ruleset])["RunId"]
    run = finished(glue, run_id)
    assert run["Status"] == "FAILED"
    assert "absent" in run["ErrorString"], run["ErrorString"]
    assert "ResultIds" not in run


def taxi_day(folder: Path, rides: int, rng: random.Random, expensive: int = 0) -> None:
    lines = ["hour,fare"]
    for i in range(rides):
        fare = 95.0 if i < expensive else round(rng.uniform(10.0, 20.0), 2)
        lines.append(f"{i % 24},{fare}")
    (folder / "rides.csv").write_text("\n".join(lines) + "\n")


def test_anomalies_are_learned_from_earlier_runs(glue, tmp_path):
    database = unique("taxi")
    folder = tmp_path / "rides"
    folder.mkdir()
    table = csv_table(glue, database, folder, [("hour", "int"), ("fare", "double")])
    ruleset = unique("rules")
    glue.create_data_quality_ruleset(
        Name=ruleset, Ruleset='Rules = [ DetectAnomalies "RowCount", DetectAnomalies "Mean" "fare" ]')
    rng = random.Random(7)
    days = [(1410, 0), (690, 0), (1395, 0), (712, 0), (1402, 0), (2200, 100), (1398, 0)]
    seen = []
    profiles = []
    for rides, expensive in days:
        taxi_day(folder, rides, rng, expensive)
        run_id = glue.start_data_quality_ruleset_evaluation_run(
            DataSource=source(database, table), Role="admin", RulesetNames=[ruleset])["RunId"]
        run = finished(glue, run_id)
        assert run["Status"] == "SUCCEEDED", run
        result = glue.get_data_quality_result(ResultId=run["ResultIds"][0])
        seen.append(([r["Result"] for r in result["RuleResults"]], result.get("Observations", [])))
        profiles.append(result["ProfileId"])
    # Days one to five build the history: nothing is flagged.
    for outcomes, observations in seen[:5]:
        assert outcomes == ["PASS", "PASS"] and observations == []
    outcomes, observations = seen[5]
    assert outcomes == ["FAIL", "FAIL"]
    metrics = {o["MetricBasedObservation"]["MetricName"]: o["MetricBasedObservation"] for o in observations}
    assert set(metrics) == {"Dataset.*.RowCount", "Column.fare.Mean"}
    rows = metrics["Dataset.*.RowCount"]
    assert rows["MetricValues"]["ActualValue"] == 2200.0
    assert rows["MetricValues"]["UpperLimit"] < 2200.0
    assert 600 < rows["MetricValues"]["ExpectedValue"] < 800
    assert rows["NewRules"][0].startswith("RowCount between ")
    assert seen[6] == (["PASS", "PASS"], [])

    # The statistics of day six, and the model of its row count.
    day6 = glue.list_data_quality_statistics(ProfileId=profiles[5])["Statistics"]
    by_name = {s["StatisticName"]: s for s in day6}
    assert set(by_name) == {"RowCount", "Mean"}
    count = by_name["RowCount"]
    assert (count["DoubleValue"], count["EvaluationLevel"]) == (2200.0, "Dataset")
    assert count["InclusionAnnotation"]["Value"] == "INCLUDE"
    assert by_name["Mean"]["ColumnsReferenced"] == ["fare"]
    assert rows["StatisticId"] == count["StatisticId"]
    series = glue.list_data_quality_statistics(StatisticId=count["StatisticId"])["Statistics"]
    assert [s["DoubleValue"] for s in series] == [float(r) for r, _ in reversed(days)]
    assert glue.get_data_quality_model(
        StatisticId=count["StatisticId"], ProfileId=profiles[6])["Status"] == "SUCCEEDED"
    model = glue.get_data_quality_model_result(StatisticId=count["StatisticId"], ProfileId=profiles[6])["Model"]
    assert [m["ActualValue"] for m in model] == [float(r) for r, _ in days]
    assert all("UpperBound" not in m for m in model[:3])
    assert model[5]["UpperBound"] < 2200.0
    before = model[6]

    # Excluding day six takes it out of training: the seventh day's bounds narrow.
    failed = glue.batch_put_data_quality_statistic_annotation(InclusionAnnotations=[
        {"ProfileId": profiles[5], "StatisticId": count["StatisticId"], "InclusionAnnotation": "EXCLUDE"},
        {"ProfileId": "dqprofile-missing", "StatisticId": count["StatisticId"], "InclusionAnnotation": "EXCLUDE"},
    ])["FailedInclusionAnnotations"]
    assert [f["ProfileId"] for f in failed] == ["dqprofile-missing"]
    annotations = glue.list_data_quality_statistic_annotations(ProfileId=profiles[5])["Annotations"]
    assert [(a["StatisticId"], a["InclusionAnnotation"]["Value"]) for a in annotations] == [
        (count["StatisticId"], "EXCLUDE")]
    assert "LastModifiedOn" in annotations[0]["InclusionAnnotation"]
    model = glue.get_data_quality_model_result(StatisticId=count["StatisticId"], ProfileId=profiles[6])["Model"]
    assert model[5]["InclusionAnnotation"] == "EXCLUDE"
    after = model[6]
    assert after["UpperBound"] - after["LowerBound"] < before["UpperBound"] - before["LowerBound"]
    assert after["LowerBound"] < after["ActualValue"] < after["UpperBound"]
    assert "dqprofile-missing" in expect_error(
        "EntityNotFoundException", glue.put_data_quality_profile_annotation,
        ProfileId="dqprofile-missing", InclusionAnnotation="EXCLUDE")
    glue.put_data_quality_profile_annotation(ProfileId=profiles[5], InclusionAnnotation="INCLUDE")
    model = glue.get_data_quality_model_result(StatisticId=count["StatisticId"], ProfileId=profiles[6])["Model"]
    assert model[5]["InclusionAnnotation"] == "INCLUDE" and model[6]["UpperBound"] == before["UpperBound"]
