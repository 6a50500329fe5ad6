# The fixed cost of an `mql` process (docs/performance.md, "The start of a process"):
# medians of wall time, CPU time (user + sys) and peak RSS (os.wait4) over RUNS
# alternating runs of
#   - `mql --help` (argument parsing and output only: no dataset),
#   - `mql --data EMPTY -c 'count children'` (the 180-child example dataset, CSV only),
#   - `mql --data BIG -c 'count children'` and `… where street = "布吉"` (a dataset with a
#     snapshot, e.g. 1,000,000 children from `mql gen` after a checkpoint),
#   - the same statement as a whole `sqlite3` process on SQLITE_DB, if given,
#   - a reference: `true` (fork + exec alone),
# with the ratios of mql against the sqlite3 process and against OLD_MQL. The wall times
# include waiting for a core, so on a loaded machine the CPU times are the steadier figure.
#
#   python3 benchmarks/startup.py MQL EMPTY_DIR BIG_DIR [RUNS] [--sqlite DB] [--before OLD_MQL]
#
# EMPTY_DIR and BIG_DIR are only read (no statement changes them). With --before, every
# mql command is also run with OLD_MQL, alternating, so before/after share the same load.
import argparse, os, shutil, statistics, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("mql")
ap.add_argument("empty")
ap.add_argument("big")
ap.add_argument("runs", nargs="?", type=int, default=15)
ap.add_argument("--sqlite", help="a SQLite database of the same children (benchmarks/run.py builds one)")
ap.add_argument("--before", help="another mql binary to run alternately with the same arguments")
args = ap.parse_args()

street = 'count children where street = "布吉"'
mqls = [("mql", args.mql)] + ([("before", args.before)] if args.before else [])
commands = {"true": ["true"]}
for label, binary in mqls:
    commands[f"{label} --help"] = [binary, "--help"]
    commands[f"{label} empty: count children"] = [binary, "--data", args.empty, "-c", "count children"]
    commands[f"{label} big: count children"] = [binary, "--data", args.big, "-c", "count children"]
    commands[f"{label} big: count … street"] = [binary, "--data", args.big, "-c", street]
if args.sqlite and shutil.which("sqlite3"):
    commands["sqlite3 count(*)"] = ["sqlite3", "-readonly", args.sqlite, "select count(*) from children"]
    commands["sqlite3 count(*) street"] = ["sqlite3", "-readonly", args.sqlite, "select count(*) from children where street = '布吉'"]

# One untimed run of each: the page cache holds the files and binaries afterwards.
for argv in commands.values():
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
results = {k: [] for k in commands}
for _ in range(args.runs):
    for name, argv in commands.items():
        start = time.perf_counter()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        results[name].append((time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, status))

# Peak RSS from os.wait4 counts the forked Python before exec (about 15 MB here), so the
# peak of each command is also taken from GNU time, which forks from a small process.
peaks = {}
if os.path.exists("/usr/bin/time"):
    for name, argv in commands.items():
        p = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        last = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""
        peaks[name] = f"{int(last) / 1024:6.1f} MB" if last.isdigit() else "     ?"

print("load average:", " ".join(open("/proc/loadavg").read().split()[:3]), f"  runs: {args.runs}")
medians = {}
for name, v in results.items():
    wall = statistics.median(x[0] for x in v) * 1000
    cpu = statistics.median(x[1] for x in v) * 1000
    rss = statistics.median(x[2] for x in v) / 1024
    failed = sum(1 for x in v if x[3] != 0)
    medians[name] = wall
    note = f"   ({failed} runs failed)" if failed else ""
    peak = f"   time -f %M {peaks[name]}" if name in peaks else ""
    print(f"{name:34s} wall {wall:7.1f} ms   cpu {cpu:6.1f} ms   peak RSS {rss:6.1f} MB{peak}{note}")

def ratio(a, b):
    if a in medians and b in medians and medians[b] > 0:
        print(f"{a + ' / ' + b:62s} {medians[a] / medians[b]:6.2f}")

for label, _ in mqls:
    ratio(f"{label} big: count children", "sqlite3 count(*)")
    ratio(f"{label} big: count … street", "sqlite3 count(*) street")
if args.before:
    for what in ["--help", "empty: count children", "big: count children", "big: count … street"]:
        ratio(f"mql {what}", f"before {what}")
