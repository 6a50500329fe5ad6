#!/usr/bin/env python3
"""#8 and #9 of the suite (key lookups) as run.py times them, for several mql binaries.

    python3 benchmarks/key_lookup.py .build/release/mql [OTHER_MQL ...] [--reps 3]

mql: each repetition is one `mql --timer` process running the whole suite twice (as
run.py does); the figure is the second pass's time of the statement, which follows #7
there, median over the repetitions. SQLite: the in-memory copy of run.py's database,
three executions back to back (run.py's `time_sql`), median over the repetitions.
Expects run.py's 1M cache: /tmp/mql-bench/children-1000000-seed-1 and its SQLite file.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(HERE))
import run as R  # noqa: E402
from suite import SUITE, TODAY  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("mql", nargs="+")
p.add_argument("--reps", type=int, default=3)
p.add_argument("--data", default="/tmp/mql-bench/children-1000000-seed-1")
p.add_argument("--sqlite-db", default="/tmp/mql-bench/db/children-1000000-seed-1.sqlite")
args = p.parse_args()

text = "".join(s[1] + "\n" for s in SUITE)
suite = Path(os.environ.get("TMPDIR", "/tmp")) / "mql-key-lookup-suite-x2.mql"
suite.write_text(text + text, encoding="utf-8")
n = len(SUITE)
ids = [i for i, s in enumerate(SUITE) if s[0] in ("key-full-row", "key-range-full")]
for mql in args.mql:
    warm = {i: [] for i in ids}
    for _ in range(args.reps):
        r = subprocess.run([mql, "--data", args.data, "--rules", str(HERE.parent / "examples/rules"), "--today", TODAY,
                            "--timer", "--keep-going", "--format", "tsv", str(suite)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in r.stderr.splitlines():
            m = re.match(r"timer: .*:(\d+): ([0-9.]+) ms$", line)
            if m and int(m.group(1)) - 1 - n in warm:
                warm[int(m.group(1)) - 1 - n].append(float(m.group(2)))
    for i, v in warm.items():
        print(f"mql {mql} #{i + 1} {SUITE[i][1]}: {statistics.median(v):.3f} ms {v}")
sq = R.SQLiteEngine(args.sqlite_db)
for i in ids:
    runs = [R.time_sql(sq, R.expand(SUITE[i][2], "sqlite"), 3)[0] for _ in range(args.reps)]
    print(f"sqlite #{i + 1} {SUITE[i][1]}: {statistics.median(runs):.3f} ms {[round(x, 3) for x in runs]}")
