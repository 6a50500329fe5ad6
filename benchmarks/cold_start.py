# Whole-process cold start (docs/performance.md, "Cold start, issue 14"): `mql -c` on a
# dataset with a snapshot against DuckDB through Python on a persistent database file of
# the same CSV files (no DuckDB CLI can be installed here: the PyPI wheel holds only the
# Python module), and Python's own start-up to subtract. Runs alternate; prints medians of
# wall time, CPU time (user + sys) and peak RSS from os.wait4.
#
#   python3 benchmarks/cold_start.py MQL DATA_DIR DUCKDB_FILE [RUNS] [MQL_BEFORE DATA_BEFORE]
#
# DUCKDB_FILE is built once: for each T.csv, `create table T as select * from
# read_csv('DATA_DIR/T.csv', header=true)`, then `checkpoint`.
import os, statistics, subprocess, sys, time

mql, data, duck = sys.argv[1], sys.argv[2], sys.argv[3]
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 15
query = 'count children where street = "布吉"'
sql = "select count(*) from children where street = '布吉'"
commands = {}
if len(sys.argv) > 6:
    commands["mql before"] = [sys.argv[5], "--data", sys.argv[6], "-c", query]
commands["mql"] = [mql, "--data", data, "-c", query]
commands["python3 -c pass"] = ["python3", "-c", "pass"]
commands["python3 -c 'import duckdb'"] = ["python3", "-c", "import duckdb"]
commands["python3 duckdb query"] = ["python3", "-c", f"import duckdb; print(duckdb.connect({duck!r}, read_only=True).execute({sql!r}).fetchall()[0][0])"]
results = {k: [] for k in commands}
for _ in range(runs):
    for name, argv in commands.items():
        start = time.perf_counter()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(p.pid, 0)
        results[name].append((time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss))
print("load average:", " ".join(open("/proc/loadavg").read().split()[:3]))
for name, v in results.items():
    wall = statistics.median(x[0] for x in v) * 1000
    cpu = statistics.median(x[1] for x in v) * 1000
    rss = statistics.median(x[2] for x in v) / 1024
    print(f"{name:28s} wall {wall:7.1f} ms   cpu {cpu:6.1f} ms   peak RSS {rss:6.1f} MB")
