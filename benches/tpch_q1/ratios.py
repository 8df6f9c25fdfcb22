#!/usr/bin/env python3
"""Turns bench.py runs (--json FILE.jsonl) into the README's table: per variant, Weir (ours/vN)
beside each peer, median wall, CPU, peak RSS, and the ratio Weir / engine (below 1 = Weir faster).

  ratios.py /tmp/bench-q1.jsonl [--bound 0.220]
  ratios.py SF1=/tmp/bench-sf1.jsonl SF10=/tmp/bench-sf10.jsonl     # the scaling table

With several runs (LABEL=FILE, one per scale factor) each engine gets one row per variant and
each run its own columns, so that growth from one scale to the next reads across a row.
The V2 bound is a run's own bound/rust-q1 when it has one, else --bound (the published figure,
for a single run only).
"""
import argparse, json, statistics

ap = argparse.ArgumentParser()
ap.add_argument("runs", nargs="+", help="FILE.jsonl, or LABEL=FILE.jsonl per scale factor")
ap.add_argument("--bound", type=float, default=0.220, help="hand-written arrow-rs Q1 on V2, s (results-2026-11-27.md)")
a = ap.parse_args()

VARIANTS = ["noop", "v2", "v1", "v3"]
BOUND = "bound/rust-q1"


def load(path):
    runs = {}
    for line in open(path):
        r = json.loads(line)
        runs[r["job"]] = r["runs"]
    return runs


def med(runs, job, key):
    return statistics.median(x[key] for x in runs[job])


def spread(runs, job):
    w = [x["wall"] for x in runs[job]]
    return f"{min(w):.2f}-{max(w):.2f}"


def engines(runs):
    return sorted({j.split("/")[0] for j in runs} - {"ours", "bound"})


def single(runs):
    print("| variant | engine | wall s median (min-max) | CPU s | peak RSS MiB | Weir / engine (wall) |")
    print("|---|---|---|---|---|---|")
    for v in VARIANTS:
        ours = f"ours/{v}"
        if ours not in runs:
            continue
        w = med(runs, ours, "wall")
        print(f"| {v} | **Weir** | **{w:.2f}** ({spread(runs, ours)}) | {med(runs, ours, 'cpu'):.2f} "
              f"| {med(runs, ours, 'peak_mb'):.0f} | 1 |")
        for p in engines(runs):
            j = f"{p}/{v}"
            if j in runs:
                pw = med(runs, j, "wall")
                print(f"| {v} | {p} | {pw:.2f} ({spread(runs, j)}) | {med(runs, j, 'cpu'):.2f} "
                      f"| {med(runs, j, 'peak_mb'):.0f} | {w / pw:.2f} |")
        if v == "v2" and BOUND in runs:
            b = med(runs, BOUND, "wall")
            print(f"| v2 | hand-written arrow-rs Q1 (this run) | {b:.2f} ({spread(runs, BOUND)}) "
                  f"| {med(runs, BOUND, 'cpu'):.2f} | {med(runs, BOUND, 'peak_mb'):.0f} | {w / b:.2f} |")
        elif v == "v2":
            print(f"| v2 | hand-written arrow-rs Q1 (published, not this run) | {a.bound:.2f} | | | {w / a.bound:.2f} |")


def scaling(labelled):
    labels = [label for label, _ in labelled]
    head = "".join(f" {l} wall s | {l} CPU s | {l} peak MiB | {l} Weir / engine |" for l in labels)
    print(f"| variant | engine |{head}")
    print("|---|---|" + "---|" * (4 * len(labels)))
    names = sorted({e for _, runs in labelled for e in engines(runs)})
    for v in VARIANTS:
        rows = [("**Weir**", f"ours/{v}")] + [(p, f"{p}/{v}") for p in names]
        if v == "v2":
            rows.append(("hand-written arrow-rs Q1", BOUND))
        for name, job in rows:
            cells = []
            for _, runs in labelled:
                ours = f"ours/{v}"
                if job not in runs or ours not in runs:
                    cells.append(" | | | |")
                    continue
                w = med(runs, job, "wall")
                ratio = med(runs, ours, "wall") / w
                cells.append(f" {w:.2f} ({spread(runs, job)}) | {med(runs, job, 'cpu'):.2f} "
                             f"| {med(runs, job, 'peak_mb'):.0f} | {ratio:.2f} |")
            if any(c != " | | | |" for c in cells):
                print(f"| {v} | {name} |" + "".join(cells))


def exit_codes(labelled):
    for label, runs in labelled:
        bad = {j: sorted({x['rc'] for x in rs}) for j, rs in runs.items() if any(x["rc"] for x in rs)}
        if bad:
            print(f"\nnon-zero exit codes{f' ({label})' if label else ''}:", bad)


labelled = [tuple(r.split("=", 1)) if "=" in r else ("", r) for r in a.runs]
labelled = [(label, load(path)) for label, path in labelled]
if len(labelled) == 1:
    runs = labelled[0][1]
    single(runs)
    if "ours/version" in runs:
        print(f"\n`weir --version`: {med(runs, 'ours/version', 'wall'):.3f} s, {med(runs, 'ours/version', 'peak_mb'):.0f} MiB")
else:
    scaling(labelled)
exit_codes(labelled)
