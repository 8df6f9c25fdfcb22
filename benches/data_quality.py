#!/usr/bin/env python3
"""Data quality benchmark: 20 common rules over 10M rows, Weir beside Great Expectations and Soda Core.

  data_quality.py --weir BIN [--rows 10000000 | --data FILE] [--rounds 3] [--json-out FILE]
                  [--skip-weir] [--ge-python PY] [--soda-python PY]

Peers (one venv holds both; run this script with its interpreter):
  python3 -m venv /tmp/dqenv
  /tmp/dqenv/bin/pip install great_expectations soda-core-duckdb duckdb pyarrow
  /tmp/dqenv/bin/python benches/data_quality.py --weir "$CARGO_TARGET_DIR/release/weir"
(soda-core-duckdb 3.5.x pins duckdb < 1.1, so pip installs DuckDB 1.0.0 beside GE 1.x.)

Data: one Parquet file of ROWS orders (pyarrow, fixed seed, written 1M rows at a time, one row
group each) with 10 columns: order_id bigint (0..N-1), customer_id bigint (uniform over N/10
customers), status string (PENDING/SHIPPED/DELIVERED/CANCELLED; 1% NULL, 0.2% 'RETURNED'), amount
double (0..1000, 0.5% NULL), quantity int (1..20), discount double (0..0.5), email string
(user<customer>@example.com; 2% malformed), country string (20 two-letter codes), order_date date
(in 2024), created_at timestamp. `--data FILE` reuses a file made before.

Rules: the 20 DQDL rules in RULES, each with the Great Expectations expectation and the SodaCL
check of the same meaning. All pass on this data except rule 15 (emails with threshold > 0.99,
where 98% match), so that agreement on pass/fail means something.

Each engine is timed as a whole process (start to exit), ROUNDS times in alternation:
- Weir: `weir dq evaluate --ruleset RULES.dqdl DATA.parquet --format json`.
- Great Expectations 1.x: an ephemeral context, a pandas filesystem data source with a Parquet
  asset (pandas reads the file once into a DataFrame), one suite of 20 expectations validated
  on that batch. GE evaluates each expectation with its own passes over the in-memory frame.
- Soda Core (soda-core-duckdb): an in-memory DuckDB with a view `orders` over
  `read_parquet(FILE)`, one scan of 20 SodaCL checks. Soda folds most metrics into one
  aggregation query and runs others (duplicates, user-defined queries, failed-row samples)
  as queries of their own.
Reported: median/min/max seconds, the ratio of each to Weir, peak RSS, how often each reads the
data (Weir: `Scans` in its output; Soda: its queries that read `orders`; GE: 1 read of the file,
and the expectations evaluated as passes over the frame), and the rules each passed. Nothing
asserts on timings. The script does check correctness: after the timings it prints each rule's
result from every engine and exits 1 if they disagree on any.

Where the peers cannot say exactly what DQDL says (DQDL's `between` excludes its bounds and a
NULL fails every positive ColumnValues condition):
- GE's `mostly` counts non-NULL rows only (a NULL is neither expected nor unexpected), and
  passes at >= the fraction. Rules 6 and 7 (status, amount: columns with NULLs) are the same
  rules with NULLs left out; on this data both pass either way.
- GE's ExpectColumnProportionOfUniqueValuesToBeBetween is distinct values / non-NULL rows; DQDL's
  Uniqueness is the share of rows whose value occurs exactly once (rule 19). GE's stdev is the
  sample standard deviation; DQDL's (Deequ's) is the population one (rule 12).
- Soda's `valid min`/`valid max` include their bounds (rules 7-10; no value in the data lies on
  a bound). Soda counts a NULL as missing, never invalid, unless the check says
  `include null: true`, which every ColumnValues check here does.
- DQDL's `matches` matches the whole value; both peers search, so their regex is anchored.
- Soda has no distinct-count, uniqueness, column-count or date-bound check: rules 16 and 17 are
  user-defined `expression` metrics (in its aggregation query) and rules 19 and 20
  user-defined `query` metrics (a GROUP BY query of their own; information_schema).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

STATUSES = ["PENDING", "SHIPPED", "DELIVERED", "CANCELLED"]
COUNTRIES = ["US", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "SE", "NO",
             "DK", "FI", "PL", "PT", "IE", "AT", "CH", "CA", "AU", "JP"]
EMAIL = "^[a-z0-9._]+@[a-z0-9.]+$"  # DQDL `matches` is a whole-value match; the peers search


@dataclass(frozen=True)
class Rule:
    dqdl: str
    ge: tuple[str, dict]  # the expectation's class in gx.expectations, its arguments
    soda: str  # one SodaCL check: the check, then its configuration lines indented by 2


RULES = [
    Rule('RowCount > 1000',
         ("ExpectTableRowCountToBeBetween", {"min_value": 1000, "strict_min": True}),
         "row_count > 1000"),
    Rule('IsComplete "order_id"',
         ("ExpectColumnValuesToNotBeNull", {"column": "order_id"}),
         "missing_count(order_id) = 0"),
    Rule('IsUnique "order_id"',
         ("ExpectColumnValuesToBeUnique", {"column": "order_id"}),
         "duplicate_count(order_id) = 0"),
    Rule('Completeness "amount" > 0.99',
         ("ExpectColumnValuesToNotBeNull", {"column": "amount", "mostly": 0.99}),
         "missing_percent(amount) < 1 %"),
    Rule('Completeness "status" > 0.98',
         ("ExpectColumnValuesToNotBeNull", {"column": "status", "mostly": 0.98}),
         "missing_percent(status) < 2 %"),
    Rule('ColumnValues "status" in ["PENDING","SHIPPED","DELIVERED","CANCELLED"] with threshold > 0.98',
         ("ExpectColumnValuesToBeInSet", {"column": "status", "value_set": STATUSES, "mostly": 0.98}),
         f"invalid_percent(status) < 2 %:\n  valid values: {json.dumps(STATUSES)}\n  include null: true"),
    Rule('ColumnValues "amount" between -1 and 1001 with threshold > 0.99',
         ("ExpectColumnValuesToBeBetween", {"column": "amount", "min_value": -1, "max_value": 1001,
                                            "strict_min": True, "strict_max": True, "mostly": 0.99}),
         "invalid_percent(amount) < 1 %:\n  valid min: -1\n  valid max: 1001\n  include null: true"),
    Rule('ColumnValues "quantity" >= 1',
         ("ExpectColumnValuesToBeBetween", {"column": "quantity", "min_value": 1}),
         "invalid_count(quantity) = 0:\n  valid min: 1\n  include null: true"),
    Rule('ColumnValues "quantity" <= 20',
         ("ExpectColumnValuesToBeBetween", {"column": "quantity", "max_value": 20}),
         "invalid_count(quantity) = 0:\n  valid max: 20\n  include null: true"),
    Rule('ColumnValues "discount" between -0.01 and 0.51',
         ("ExpectColumnValuesToBeBetween", {"column": "discount", "min_value": -0.01, "max_value": 0.51,
                                            "strict_min": True, "strict_max": True}),
         "invalid_count(discount) = 0:\n  valid min: -0.01\n  valid max: 0.51\n  include null: true"),
    Rule('Mean "amount" between 400 and 600',
         ("ExpectColumnMeanToBeBetween", {"column": "amount", "min_value": 400, "max_value": 600,
                                          "strict_min": True, "strict_max": True}),
         "avg(amount) between (400 and 600)"),
    Rule('StandardDeviation "amount" between 200 and 400',
         ("ExpectColumnStdevToBeBetween", {"column": "amount", "min_value": 200, "max_value": 400,
                                           "strict_min": True, "strict_max": True}),
         "stddev_pop(amount) between (200 and 400)"),
    Rule('Sum "quantity" > 0',
         ("ExpectColumnSumToBeBetween", {"column": "quantity", "min_value": 0, "strict_min": True}),
         "sum(quantity) > 0"),
    Rule('ColumnLength "country" = 2',
         ("ExpectColumnValueLengthsToEqual", {"column": "country", "value": 2}),
         "invalid_count(country) = 0:\n  valid length: 2\n  include null: true"),
    Rule(f'ColumnValues "email" matches "{EMAIL[1:-1]}" with threshold > 0.99',
         ("ExpectColumnValuesToMatchRegex", {"column": "email", "regex": EMAIL, "mostly": 0.99}),
         f"invalid_percent(email) < 1 %:\n  valid regex: '{EMAIL}'\n  include null: true"),
    Rule('DistinctValuesCount "country" between 10 and 30',
         ("ExpectColumnUniqueValueCountToBeBetween", {"column": "country", "min_value": 10, "max_value": 30,
                                                      "strict_min": True, "strict_max": True}),
         "country_distinct between (10 and 30):\n  country_distinct expression: COUNT(DISTINCT country)"),
    Rule('ColumnValues "order_date" > "2023-12-31"',
         ("ExpectColumnValuesToBeBetween", {"column": "order_date", "min_value": "2023-12-31", "strict_min": True}),
         "order_date_not_after = 0:\n  order_date_not_after expression: "
         "SUM(CASE WHEN order_date > DATE '2023-12-31' THEN 0 ELSE 1 END)"),
    Rule('IsComplete "customer_id"',
         ("ExpectColumnValuesToNotBeNull", {"column": "customer_id"}),
         "missing_count(customer_id) = 0"),
    Rule('Uniqueness "customer_id" < 0.5',
         ("ExpectColumnProportionOfUniqueValuesToBeBetween", {"column": "customer_id", "max_value": 0.5,
                                                              "strict_max": True}),
         "customer_id_uniqueness < 0.5:\n  customer_id_uniqueness query: |\n"
         "    SELECT SUM(CASE WHEN n = 1 THEN 1 ELSE 0 END) / SUM(n) FROM\n"
         "      (SELECT COUNT(*) AS n FROM orders WHERE customer_id IS NOT NULL GROUP BY customer_id)"),
    Rule('ColumnCount = 10',
         ("ExpectTableColumnCountToEqual", {"value": 10}),
         "column_count = 10:\n  column_count query: "
         "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'orders'"),
]
FAILING = {15}  # the rule (1-based) the data is made to fail


def dqdl() -> str:
    return "Rules = [\n" + ",\n".join(f"    {r.dqdl}" for r in RULES) + "\n]\n"


def sodacl() -> str:
    checks = []
    for i, rule in enumerate(RULES, 1):
        head, *body = rule.soda.split("\n")
        lines = [f"  - {head.rstrip(':')}:", f"      name: Rule_{i}"] + [f"    {line}" for line in body]
        checks.append("\n".join(lines))
    return "checks for orders:\n" + "\n".join(checks) + "\n"


def make_data(path: Path, rows: int, seed: int = 42, chunk: int = 1_000_000) -> None:
    """The orders file, one row group of up to `chunk` rows per chunk; the same for the same rows."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    customers = max(1, rows // 10)
    day_2024 = 19723  # days from 1970-01-01 to 2024-01-01
    statuses = pa.array(STATUSES + ["RETURNED"])
    countries = pa.array(COUNTRIES)
    writer = None
    try:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            rng = np.random.default_rng([seed, start])
            u = rng.random(n)
            status_index = np.where(u < 0.002, 4, rng.integers(0, 4, n))
            customer = rng.integers(0, customers, n)
            email = pc.binary_join_element_wise("user", pc.cast(pa.array(customer), pa.string()), "@example.com", "")
            bad_email = pc.binary_join_element_wise("User", pc.cast(pa.array(customer), pa.string()), "@Example.com", "")
            days = rng.integers(0, 366, n)
            table = pa.table({
                "order_id": pa.array(np.arange(start, start + n, dtype=np.int64)),
                "customer_id": pa.array(customer),
                "status": pa.DictionaryArray.from_arrays(
                    pa.array(status_index, mask=(u >= 0.002) & (u < 0.012)), statuses).cast(pa.string()),
                "amount": pa.array(np.round(rng.uniform(0, 1000, n), 2), mask=rng.random(n) < 0.005),
                "quantity": pa.array(rng.integers(1, 21, n, dtype=np.int32)),
                "discount": pa.array(np.round(rng.uniform(0, 0.5, n), 3)),
                "email": pc.if_else(pa.array(rng.random(n) < 0.02), bad_email, email),
                "country": pa.DictionaryArray.from_arrays(
                    pa.array(rng.integers(0, len(COUNTRIES), n)), countries).cast(pa.string()),
                "order_date": pa.array((day_2024 + days).astype(np.int32), pa.date32()),
                "created_at": pa.array((day_2024 + days) * 86_400_000_000 + rng.integers(0, 86_400_000_000, n),
                                       pa.timestamp("us")),
            })
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=chunk)
    finally:
        if writer is not None:
            writer.close()


GE_RUNNER = """
import json, sys, datetime
from pathlib import Path
import great_expectations as gx

data, rules = Path(sys.argv[1]), json.loads(sys.argv[2])
context = gx.get_context(mode="ephemeral")
asset = context.data_sources.add_pandas_filesystem("files", base_directory=data.parent).add_parquet_asset("orders")
batch = asset.add_batch_definition_path("whole file", path=data.name).get_batch()
suite = gx.ExpectationSuite(name="rules")
for i, (name, kwargs) in enumerate(rules, 1):
    kwargs = {k: datetime.date.fromisoformat(v) if k.endswith("_value") and isinstance(v, str) else v
              for k, v in kwargs.items()}
    suite.add_expectation(getattr(gx.expectations, name)(**kwargs, meta={"rule": i}))
outcome = batch.validate(suite)
passed = {r.expectation_config.meta["rule"]: r.success for r in outcome.results}
observed = {r.expectation_config.meta["rule"]: r.result.get("observed_value", r.result.get("unexpected_percent"))
            for r in outcome.results}
print(json.dumps({"passed": [passed[i] for i in range(1, len(rules) + 1)],
                  "observed": [observed[i] for i in range(1, len(rules) + 1)],
                  "reads": 1, "passes": len(outcome.results),
                  "versions": {"great_expectations": gx.__version__, "pandas": __import__("pandas").__version__}},
                 default=str))
"""

SODA_RUNNER = """
import json, sys, re
import duckdb
from soda.scan import Scan
import soda.__version__ as soda_version

data, checks = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute(f"CREATE VIEW orders AS SELECT * FROM read_parquet('{data}')")
scan = Scan()
scan.set_data_source_name("duckdb")
scan.add_duckdb_connection(con, data_source_name="duckdb")
scan.add_sodacl_yaml_str(checks)
scan.execute()
if scan.has_error_logs():
    sys.exit(scan.get_error_logs_text())
results = {c["name"]: c for c in scan.get_scan_results()["checks"]}
reads = [q for q in scan._queries if re.search(r"\\bFROM\\s+\\"?orders\\b", q.sql or "", re.I)]
print(json.dumps({"passed": [results[f"Rule_{i}"]["outcome"] == "pass" for i in range(1, len(results) + 1)],
                  "observed": [results[f"Rule_{i}"].get("diagnostics", {}).get("value")
                               for i in range(1, len(results) + 1)],
                  "reads": len(reads), "queries": [q.query_name for q in reads],
                  "versions": {"soda-core": soda_version.SODA_CORE_VERSION, "duckdb": duckdb.__version__}},
                 default=str))
"""


def timed(cmd: list[str], env: dict, cwd: Path) -> tuple[float, str, float]:
    """Seconds from start to exit, stdout, and peak RSS (MB) of one process; exits on failure."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd[:3])} failed ({proc.returncode}): {err.read().decode()[-3000:]}")
        return elapsed, out.read().decode(), usage.ru_maxrss / 1024


def run_weir(args, data: Path, work: Path) -> tuple[float, dict, float]:
    ruleset = work / "rules.dqdl"
    ruleset.write_text(dqdl())
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIR__")}
    env["WEIR__LOG"] = "warn"
    t, out, rss = timed([args.weir, "dq", "evaluate", "--ruleset", str(ruleset), str(data), "--format", "json"],
                        env, work)
    report = json.loads(out)
    results = report["RuleResults"]
    if len(results) != len(RULES):
        sys.exit(f"weir returned {len(results)} rule results for {len(RULES)} rules: {out[:3000]}")
    return t, {"passed": [r["Result"] == "PASS" for r in results],
               "results": [r["Result"] for r in results],
               "observed": [r.get("EvaluatedMetrics") for r in results],
               "scans": report.get("Scans")}, rss


def run_ge(args, data: Path, work: Path) -> tuple[float, dict, float]:
    env = dict(os.environ, GX_ANALYTICS_ENABLED="false")
    t, out, rss = timed([args.ge_python, "-c", GE_RUNNER, str(data), json.dumps([r.ge for r in RULES])], env, work)
    result = json.loads(out.strip().splitlines()[-1])
    result["scans"] = f"{result['reads']} read + {result['passes']} expectation passes"
    return t, result, rss


def run_soda(args, data: Path, work: Path) -> tuple[float, dict, float]:
    # Soda reads (and would write) its config in $HOME/.soda: a private home without usage telemetry.
    home = work / "soda-home"
    (home / ".soda").mkdir(parents=True, exist_ok=True)
    (home / ".soda" / "config.yml").write_text("send_anonymous_usage_stats: false\n")
    env = dict(os.environ, HOME=str(home))
    t, out, rss = timed([args.soda_python, "-c", SODA_RUNNER, str(data), sodacl()], env, home)
    result = json.loads(out.strip().splitlines()[-1])
    samples = sum("failed_rows" in q for q in result["queries"])
    result["scans"] = f"{result['reads'] - samples} (+{samples} failed-row samples, LIMIT 100)"
    return t, result, rss


ENGINES = {"weir": run_weir, "great_expectations": run_ge, "soda": run_soda}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weir", help="the weir binary")
    parser.add_argument("--skip-weir", action="store_true", help="time the peers only")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--data", help="an orders Parquet file made before (by this script) instead of a new one")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ge-python", default=sys.executable, help="a Python with great_expectations")
    parser.add_argument("--soda-python", default=sys.executable, help="a Python with soda-core-duckdb")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    if not args.skip_weir and not args.weir:
        parser.error("--weir BIN is required (or --skip-weir)")
    engines = {k: v for k, v in ENGINES.items() if not (k == "weir" and args.skip_weir)}

    work = Path(tempfile.mkdtemp(prefix="weir-dq-bench-"))
    try:
        if args.data:
            data = Path(args.data).resolve()
        else:
            data = work / "orders.parquet"
            started = time.perf_counter()
            make_data(data, args.rows)
            print(f"data: {args.rows:,} rows, {data.stat().st_size / 1e6:.0f} MB, "
                  f"made in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        times: dict[str, list[float]] = {k: [] for k in engines}
        rss: dict[str, list[float]] = {k: [] for k in engines}
        outcomes: dict[str, dict] = {}
        unstable: list[str] = []
        for r in range(args.rounds):
            for name, run in engines.items():
                t, outcome, mb = run(args, data, work)
                times[name].append(t)
                rss[name].append(mb)
                print(f"round {r + 1}: {name:18} {t:8.2f} s", file=sys.stderr)
                if name in outcomes and outcomes[name]["passed"] != outcome["passed"]:
                    unstable.append(name)
                outcomes.setdefault(name, outcome)

        medians = {k: statistics.median(v) for k, v in times.items()}
        summary = {}
        print(f"\n| engine | median s | min s | max s | ratio to Weir | peak RSS MB | scans of the data | rules passed |")
        print("|---|---:|---:|---:|---:|---:|---|---:|")
        for name in engines:
            ratio = medians[name] / medians["weir"] if "weir" in medians else None
            passed = sum(outcomes[name]["passed"])
            summary[name] = {"median_s": round(medians[name], 3), "min_s": round(min(times[name]), 3),
                             "max_s": round(max(times[name]), 3), "times_s": [round(t, 3) for t in times[name]],
                             "ratio_to_weir": round(ratio, 3) if ratio else None,
                             "peak_rss_mb": round(max(rss[name])), "scans": outcomes[name]["scans"],
                             "rules_passed": passed, **{k: v for k, v in outcomes[name].items() if k != "scans"}}
            print(f"| {name} | {medians[name]:.2f} | {min(times[name]):.2f} | {max(times[name]):.2f} | "
                  f"{f'{ratio:.2f}x' if ratio else '—'} | {max(rss[name]):.0f} | {outcomes[name]['scans']} | "
                  f"{passed}/{len(RULES)} |")

        expected = [i not in FAILING for i in range(1, len(RULES) + 1)]
        disagree = []
        print(f"\n| # | rule | {' | '.join(engines)} |")
        print("|---:|---|" + "---|" * len(engines))
        for i, rule in enumerate(RULES):
            cells = [outcomes[n].get("results", ["PASS" if p else "FAIL" for p in outcomes[n]["passed"]])[i]
                     for n in engines]
            verdicts = {outcomes[n]["passed"][i] for n in engines}
            mark = "" if len(verdicts) == 1 else "  **disagree**"
            if mark:
                disagree.append(i + 1)
            print(f"| {i + 1} | `{rule.dqdl}` | {' | '.join(cells)} |{mark}")
        if any(outcomes[n]["passed"] != expected for n in engines):
            print(f"\nnote: expected every rule to pass but {sorted(FAILING)}", file=sys.stderr)

        if args.json_out:
            Path(args.json_out).write_text(json.dumps({
                "rows": args.rows if not args.data else None, "data": str(data) if args.data else None,
                "rounds": args.rounds, "engines": summary, "rules": [r.dqdl for r in RULES],
                "disagreeing_rules": disagree, "unstable_engines": unstable}, indent=2, default=str))
        if unstable:
            sys.exit(f"\nresults changed between rounds in: {', '.join(unstable)}")
        if disagree:
            sys.exit(f"\nengines disagree on rules {', '.join(map(str, disagree))}")
        print(f"\nall engines agree on all {len(RULES)} rules")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
