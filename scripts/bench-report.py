#!/usr/bin/env python3
# Copyright 2026 the PopLockGuard authors
# SPDX-License-Identifier: Apache-2.0
"""Renders one scripts/bench run directory (jmh.json, footprint.jsonl, scenario.json/.md) as results.md and
results.json, and copies the table to bench-results/latest.md.   usage: scripts/bench-report.py bench-results/<run>"""
import json, os, platform, subprocess, sys
out = sys.argv[1]
jmh = json.load(open(os.path.join(out, "jmh.json")))
res = {}
for b in jmh:
    name = b["benchmark"].rsplit(".", 1)[-1]
    impl = b.get("params", {}).get("impl", "?")
    sec = b.get("secondaryMetrics", {})
    # the contended cases count how their operations split (LockBenchmark.Outcome), summed over the whole run
    split = (sec["acquired"]["score"], sec["failed"]["score"]) if "acquired" in sec and "failed" in sec else None
    res[(name, impl)] = (b["primaryMetric"]["score"], b["primaryMetric"]["scoreError"], b["primaryMetric"]["scoreUnit"], b["threads"], split)
lines = ["| JMH benchmark | threads | stock | guarded | guarded + stats | unit | guarded/stock (+ stats) | target | locks taken / failed tries, stock vs guarded |",
         "|---|---|---|---|---|---|---|---|---|"]
def millions(split):
    return f"{split[0] / 1e6:.1f}M / {split[1] / 1e6:.1f}M" if split else ""
def verdict(ok):
    return "met" if ok else "**missed**"
for name in sorted({k[0] for k in res}):
    s, g, gs = res.get((name, "stock")), res.get((name, "guarded")), res.get((name, "guardedStats"))
    if not s or not g:
        continue
    ratio = g[0] / s[0]
    ratio_cell = f"{ratio:.2f}" + (f" ({gs[0] / s[0]:.2f})" if gs else "")
    target = ""
    if name.startswith("uncontended"):
        target = f"time <= 1.2: {verdict(ratio <= 1.2)}"
    elif name.startswith("contended") and s[4] and g[4]:
        # the same measurement time on both sides, so the ratio of locks taken is the ratio of lock rates; the target
        # is on the request cycle, the one a pop runs (the bare cycle is a thread outside every request)
        rate = g[4][0] / s[4][0]
        target = f"lock rate >= 0.9: {rate:.2f} {verdict(rate >= 0.9)}" if name == "contendedRequest" else f"lock rate {rate:.2f}"
    split = f"{millions(s[4])} vs {millions(g[4])}" if s[4] and g[4] else ""
    gs_cell = f"{gs[0]:.1f} ± {gs[1]:.1f}" if gs else "-"
    lines.append(f"| {name} | {s[3]} | {s[0]:.1f} ± {s[1]:.1f} | {g[0]:.1f} ± {g[1]:.1f} | {gs_cell} | {s[2]} | {ratio_cell} | {target} | {split} |")
foot = {}
for l in open(os.path.join(out, "footprint.jsonl")):
    l = l.strip()
    if l.startswith("{"):
        d = json.loads(l); foot[d["impl"]] = d["bytesPerIdleKey"]
g = foot.get("guarded")
lines.append("")
lines.append(f"| bytes per idle key | stock {foot.get('stock')} | guarded {g} | target <= 200 | {'met' if g is not None and g <= 200 else '**missed**'} |")
lines.append("|---|---|---|---|---|")
machine_file = os.path.join(out, "machine.txt")
if not os.path.exists(machine_file):  # first rendering, right after the run: describe this machine
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    open(machine_file, "w").write(f"{os.cpu_count()} cores, {cpu}, {gib} GiB, {java}, load average at the end {os.getloadavg()[0]:.1f}\n")
machine = open(machine_file).read().strip()
md = [f"Run {os.path.basename(out)} on: {machine}", "", "\n".join(lines), "", open(os.path.join(out, "scenario.md")).read()]
text = "\n".join(md)
open(os.path.join(out, "results.md"), "w").write(text)
open(os.path.join("bench-results", "latest.md"), "w").write(text)
json.dump({"machine": machine, "jmh": [dict(benchmark=k[0], impl=k[1], score=v[0], error=v[1], unit=v[2], threads=v[3],
                                            acquired=v[4][0] if v[4] else None, failed=v[4][1] if v[4] else None)
                                       for k, v in res.items()],
           "footprint": foot, "scenario": json.load(open(os.path.join(out, "scenario.json")))},
          open(os.path.join(out, "results.json"), "w"), indent=1)
print(text)
