#!/usr/bin/env python3
"""Turns one bench.py run (--json FILE.jsonl) into the README's table: per variant, Weir (ours/vN)
beside each peer, median wall, CPU, peak RSS, and the ratio Weir / peer (below 1 = Weir faster).

  ratios.py /tmp/bench-q1.jsonl [--bound 0.220]

The V2 bound is the run's own bound/rust-q1 when it has one, else --bound (the published figure).
"""
import argparse, json, statistics

ap = argparse.ArgumentParser()
ap.add_argument("jsonl")
ap.add_argument("--bound", type=float, default=0.220, help="hand-written arrow-rs Q1 on V2, s (results-2026-11-27.md)")
a = ap.parse_args()

runs = {}
for line in open(a.jsonl):
    r = json.loads(line)
    runs[r["job"]] = r["runs"]


def med(job, key):
    return statistics.median(x[key] for x in runs[job])


def spread(job):
    w = [x["wall"] for x in runs[job]]
    return f"{min(w):.2f}-{max(w):.2f}"


peers = sorted({j.split("/")[0] for j in runs} - {"ours", "bound"})
print("| variant | engine | wall s median (min-max) | CPU s | peak RSS MiB | Weir / engine (wall) |")
print("|---|---|---|---|---|---|")
for v in ["noop", "v2", "v1", "v3"]:
    ours = f"ours/{v}"
    if ours not in runs:
        continue
    w = med(ours, "wall")
    print(f"| {v} | **Weir** | **{w:.2f}** ({spread(ours)}) | {med(ours, 'cpu'):.2f} | {med(ours, 'peak_mb'):.0f} | 1 |")
    for p in peers:
        j = f"{p}/{v}"
        if j in runs:
            pw = med(j, "wall")
            print(f"| {v} | {p} | {pw:.2f} ({spread(j)}) | {med(j, 'cpu'):.2f} | {med(j, 'peak_mb'):.0f} | {w / pw:.2f} |")
    if v == "v2" and "bound/rust-q1" in runs:
        b = med("bound/rust-q1", "wall")
        print(f"| v2 | hand-written arrow-rs Q1 (this run) | {b:.2f} ({spread('bound/rust-q1')}) | {med('bound/rust-q1', 'cpu'):.2f} "
              f"| {med('bound/rust-q1', 'peak_mb'):.0f} | {w / b:.2f} |")
    elif v == "v2":
        print(f"| v2 | hand-written arrow-rs Q1 (published, not this run) | {a.bound:.2f} | | | {w / a.bound:.2f} |")
if "ours/version" in runs:
    print(f"\n`weir --version`: {med('ours/version', 'wall'):.3f} s, {med('ours/version', 'peak_mb'):.0f} MiB")
bad = {j: sorted({x['rc'] for x in rs}) for j, rs in runs.items() if any(x["rc"] for x in rs)}
if bad:
    print("\nnon-zero exit codes:", bad)
