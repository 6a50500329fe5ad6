#!/usr/bin/env python3
"""One change per `mql` process at scale: each run on a fresh copy of a dataset.

    python3 benchmarks/one_change.py DATASET [--runs 5] BINARY [BINARY…]

DATASET is a generated dataset with its snapshot (`mql gen --children 1000000 --seed 1
--out DIR`, then one load so it has `snapshot.mqls`). Every run copies it with the data
files hard-linked (a change never writes them; a checkpoint would replace them by rename)
and the journal and lock files copied, then runs one change as a whole process
(`mql --data COPY --today 2019-11-30 -c CHANGE`, the journal's fsync included). The
binaries alternate within each run; the median wall time of each is printed."""
import argparse, os, shutil, statistics, subprocess, tempfile, time

CHANGES = [
    "visit child 4 on 2019-11-29",
    "pair mother 9 with child 3 since 2019-11-29",
    "end pairing 110 on 2019-11-29",
    "update children where id = 44 set household_income = 1234",
    "delete visits where id = 1000",
]


def fresh_copy(master, copy):
    shutil.rmtree(copy, ignore_errors=True)
    subprocess.run(["cp", "-al", master, copy], check=True)
    for name in os.listdir(master):
        if name.startswith("journal") or name.startswith(".mql"):
            os.remove(os.path.join(copy, name))
            subprocess.run(["cp", "-a", os.path.join(master, name), os.path.join(copy, name)], check=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dataset")
    p.add_argument("binaries", nargs="+")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="mql-one-change-", dir=os.path.dirname(os.path.abspath(args.dataset)))
    copy = os.path.join(work, "data")
    try:
        for change in CHANGES:
            times = {b: [] for b in args.binaries}
            for _ in range(args.runs):
                for binary in args.binaries:
                    fresh_copy(args.dataset, copy)
                    started = time.perf_counter()
                    run = subprocess.run([binary, "--data", copy, "--today", "2019-11-30", "-c", change],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                    elapsed = (time.perf_counter() - started) * 1000
                    if run.returncode != 0:
                        raise SystemExit(f"{binary}: {change}: exit {run.returncode}: {run.stderr.decode()[:300]}")
                    times[binary].append(elapsed)
            print(f"{change:60} " + "  ".join(f"{statistics.median(v):7.1f} ms" for v in times.values()))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
