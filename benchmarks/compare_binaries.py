"""Alternates two mql binaries on the same statements, each on its own copy of the data,
one whole process per run (`mql --data D -c STATEMENT --format json`); prints the median
wall ms of each, their ratio, and whether the outputs agree.

usage: compare_binaries.py BEFORE_MQL BEFORE_DATA AFTER_MQL AFTER_DATA REPS ID...   (ids from suite.py; none: all)"""
import os, subprocess, sys, time, statistics
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from suite import SUITE

before, bdata, after, adata, reps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
ids = sys.argv[6:]
entries = [(i + 1, e) for i, e in enumerate(SUITE) if not ids or e[0] in ids or str(i + 1) in ids]

def run(mql, data, statement):
    t = time.perf_counter()
    out = subprocess.run([mql, "--data", data, "--today", "2019-11-30", "-c", statement, "--format", "json"],
                         capture_output=True, text=True)
    return (time.perf_counter() - t) * 1000, out.stdout, out.stderr

print("| # | id | statement | before ms | after ms | after/before | same output |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for n, (qid, mql, *_rest) in entries:
    tb, ta = [], []
    ob = oa = None
    run(before, bdata, mql); run(after, adata, mql)  # warm the page cache
    for _ in range(reps):
        t, ob, eb = run(before, bdata, mql); tb.append(t)
        t, oa, ea = run(after, adata, mql); ta.append(t)
    b, a = statistics.median(tb), statistics.median(ta)
    print(f"| {n} | {qid} | `{mql}` | {b:.1f} | {a:.1f} | {a / b:.2f} | {'yes' if ob == oa else 'NO'} |", flush=True)
    if ob != oa:
        print("   before:", ob[:200], eb[:200], "\n   after:", oa[:200], ea[:200], file=sys.stderr)
