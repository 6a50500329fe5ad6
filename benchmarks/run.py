#!/usr/bin/env python3
"""MQL vs SQLite vs DuckDB on the same generated datasets (issue 6).

    python3 benchmarks/run.py                      # 10k, 100k, 1M children, 5 repetitions
    python3 benchmarks/run.py --quick              # CI: 10k, 1 repetition, fails if engines disagree
    python3 benchmarks/run.py --sizes 10000,100000 --reps 3 --markdown /tmp/perf.md

What it does, per dataset size N:

1. Generates the dataset with `mql gen --children N --seed S` into the cache directory
   (default /tmp/mql-bench/children-N-seed-S; reused when complete).
2. Loads the same CSVs into SQLite and DuckDB:
   - SQLite: the sqlite3 CLI `.import`s each CSV into a staging table of text columns,
     then INSERT … SELECT converts to typed tables (empty cell → NULL, `YYYY-MM` → the 1st,
     tags kept as the `;`-joined text and also split into child_tags(child, tag)), builds
     indexes and runs ANALYZE. The load time is that script run on `:memory:`; the same
     script builds a database file, which Python copies into an in-memory database
     (`Connection.backup`) for the suite. Without the sqlite3 CLI, Python's csv module
     fills the staging tables instead.
   - DuckDB: read_csv(all_varchar) → CREATE TABLE AS SELECT with the same conversions,
     in memory (timed), tags as VARCHAR[]; no indexes. With the DuckDB CLI, the same
     script builds a database file for the whole-process comparison.
3. Runs the suite (benchmarks/suite.py) on all three engines and checks they return the
   same rows: values compared as text (dates YYYY-MM-DD, numbers normalised: whole numbers
   as integers, others to 6 significant digits, sets `;`-joined, null as ∅); rows sorted
   unless the statement's order by is reproducible in SQL.
   - mql, timing: each repetition is ONE `mql --timer` process running a file that holds
     the suite twice; the timer lines on stderr (check — in the second pass a lookup in
     the statement cache instead —, plan, execute, build the result rows; not parsing or
     printing) give each statement a first ("1st") and a second ("warm")
     time. mql builds its secondary indexes (posting lists, sorted indexes) lazily on first
     use, so the first run of a statement may pay for an index that SQLite built during
     its load; the warm time is the comparable one and the ratios use it. Medians over
     the repetitions.
   - mql, results: a separate `mql --format json --unmask` process.
   - SQLite / DuckDB: K executions of each statement on the loaded in-memory database,
     timing execute + fetchall (building the result rows as Python tuples); medians.
4. Measures load time, memory and whole-process time:
   - mql load: mql is started with stdin a pipe it reads only after loading the dataset
     and checking the rules; the time until its main thread blocks in read(0) (seen in
     /proc/PID/syscall) is startup + load + rule check. The same on an empty dataset
     directory is subtracted, leaving the load. Resident memory (VmRSS) is read at that
     moment, with the peak (VmHWM) and the empty-dataset baseline.
   - SQLite load: the CLI script above on `:memory:` (whole sqlite3 process).
     DuckDB load: CREATE TABLE AS SELECT … read_csv in the Python process.
   - Memory: mql RSS after load; SQLite database file size and in-memory page bytes;
     DuckDB's own accounting (duckdb_memory()); the CSV bytes.
   - Whole process for one indexed query: `mql --data DIR -c …` (loads the CSVs),
     `sqlite3 FILE.db …` and `duckdb -readonly FILE.duckdb -c …`.
   - With --whole-process, every statement of the suite as its own process, as a script
     runs it: `mql --data COPY -c STATEMENT --format json` on a copy of the dataset with a
     binary snapshot (process start, snapshot load, rule files, parse, check, plan,
     execute, JSON on stdout), and `sqlite3 -readonly -json FILE.db SQL`; medians over
     --process-reps. Compared with the engines' in-process times and with the sqlite3
     process.
5. Prints Markdown tables (per size; load/memory/process figures across sizes with their
   growth; per-statement growth), also written to --markdown FILE. Exits 1 when any engine
   disagrees on any statement (that is the whole of the --quick test: no timing is asserted).
"""

import argparse
import collections
import csv
import datetime
import decimal
import hashlib
import json
import math
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(HERE))
from suite import SUITE, PROCESS_QUERY, TODAY  # noqa: E402

# ----------------------------------------------------------------------------- schema

# Columns of data.md: (name, kind). Kinds: int, date, month (date, `YYYY-MM` accepted),
# text, set (text elements joined by `;`), idref (reference by id).
SCHEMA = {
    "streets": [("name", "text"), ("quota", "int"), ("liaison", "text"), ("liaison_phone", "text")],
    "communities": [("name", "text"), ("street", "text")],
    "children": [("id", "int"), ("name", "text"), ("gender", "text"), ("birth", "month"), ("street", "text"),
                 ("community", "text"), ("guardian", "text"), ("guardian_phone", "text"), ("address", "text"),
                 ("tags", "set"), ("reason", "text"), ("household_size", "int"), ("household_income", "int"),
                 ("medical_cost", "int"), ("status", "text"), ("review", "text"), ("registered", "month")],
    "mothers": [("id", "int"), ("name", "text"), ("org", "text"), ("title", "text"), ("phone", "text"),
                ("level", "text"), ("street", "text"), ("community", "text"), ("roles", "set")],
    "pairings": [("id", "int"), ("mother", "int"), ("child", "int"), ("since", "date"), ("until", "date"),
                 ("channels", "set"), ("note", "text")],
    "visits": [("id", "int"), ("pairing", "int"), ("date", "date"), ("kind", "text"), ("note", "text")],
}
KEYS = {"streets": "PRIMARY KEY (name)", "communities": "PRIMARY KEY (street, name)"}

SQLITE_INDEXES = [
    "CREATE INDEX children_street ON children(street)",
    "CREATE INDEX children_community ON children(community)",
    "CREATE INDEX children_status ON children(status)",
    "CREATE INDEX children_birth ON children(birth)",
    "CREATE INDEX children_income ON children(household_income)",
    "CREATE INDEX children_cost ON children(medical_cost)",
    "CREATE INDEX children_registered ON children(registered)",
    "CREATE INDEX child_tags_tag ON child_tags(tag, child)",
    "CREATE INDEX mothers_level ON mothers(level)",
    "CREATE INDEX mothers_street ON mothers(street)",
    "CREATE INDEX pairings_child ON pairings(child)",
    "CREATE INDEX pairings_mother ON pairings(mother)",
    "CREATE INDEX visits_pairing ON visits(pairing, kind, date)",
    "CREATE INDEX visits_date ON visits(date)",
    "CREATE INDEX visits_kind ON visits(kind)",
]


def q(name):
    return '"' + name + '"'


def csv_header(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [h.strip() for h in next(csv.reader(f))]


def sqlite_expr(col, kind):
    c = q(col)
    if kind == "int":
        return f"CAST(NULLIF({c}, '') AS INTEGER)"
    if kind == "month":
        return f"CASE WHEN length({c}) = 7 THEN {c} || '-01' ELSE NULLIF({c}, '') END"
    if kind == "set":
        return f"COALESCE({c}, '')"          # an empty set is not null
    return f"NULLIF({c}, '')"


def sqlite_type(kind):
    return {"int": "INTEGER", "set": "TEXT"}.get(kind, "TEXT")


def sqlite_load_steps(data_dir):
    """The SQLite load as steps: ('sql', text) or ('import', csv path, staging table, columns)."""
    steps = [("sql", "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")]
    for table, columns in SCHEMA.items():
        path = Path(data_dir) / f"{table}.csv"
        header = csv_header(path)
        stage = f"s_{table}"
        steps.append(("sql", f"CREATE TABLE {stage} ({', '.join(q(h) + ' TEXT' for h in header)});"))
        steps.append(("import", str(path), stage, header))
        defs = ", ".join(f"{q(n)} {sqlite_type(k)}{' PRIMARY KEY' if n == 'id' else ''}" for n, k in columns)
        if table in KEYS:
            defs += ", " + KEYS[table]
        steps.append(("sql", f"CREATE TABLE {table} ({defs});"))
        select = ", ".join(sqlite_expr(n, k) for n, k in columns)
        steps.append(("sql", f"INSERT INTO {table} SELECT {select} FROM {stage};"))
        steps.append(("sql", f"DROP TABLE {stage};"))
    steps.append(("sql", "CREATE TABLE child_tags (child INTEGER, tag TEXT);"))
    steps.append(("sql", "INSERT INTO child_tags SELECT c.id, trim(j.value) FROM children c, "
                         "json_each('[\"' || replace(c.tags, ';', '\",\"') || '\"]') j "
                         "WHERE c.tags <> '' AND trim(j.value) <> '';"))
    for ix in SQLITE_INDEXES:
        steps.append(("sql", ix + ";"))
    steps.append(("sql", "ANALYZE;"))
    return steps


def sqlite_cli_script(steps):
    lines = []
    for step in steps:
        if step[0] == "sql":
            lines.append(step[1])
        else:
            _, path, stage, _ = step
            lines.append(f'.import --csv --skip 1 "{path}" {stage}')
    return "\n".join(lines) + "\n"


def sqlite_python_load(con, steps):
    """Fallback without the sqlite3 CLI: Python's csv module fills the staging tables."""
    for step in steps:
        if step[0] == "sql":
            con.executescript(step[1])
        else:
            _, path, stage, header = step
            with open(path, encoding="utf-8-sig", newline="") as f:
                reader = csv.reader(f)
                next(reader)
                marks = ", ".join("?" * len(header))
                con.executemany(f"INSERT INTO {stage} VALUES ({marks})", reader)
    con.commit()


def duckdb_expr(col, kind):
    c = q(col)
    if kind == "int":
        return f"CAST(NULLIF({c}, '') AS BIGINT) AS {c}"
    if kind == "date":
        return f"CAST(NULLIF({c}, '') AS DATE) AS {c}"
    if kind == "month":
        return f"CAST(CASE WHEN length({c}) = 7 THEN {c} || '-01' ELSE NULLIF({c}, '') END AS DATE) AS {c}"
    if kind == "set":
        return (f"CASE WHEN {c} IS NULL OR {c} = '' THEN []::VARCHAR[] ELSE list_filter(list_transform("
                f"string_split({c}, ';'), lambda e: trim(e)), lambda e: e <> '') END AS {c}")
    return f"NULLIF({c}, '') AS {c}"


def duckdb_load_sql(data_dir):
    stmts = []
    for table, columns in SCHEMA.items():
        path = str(Path(data_dir) / f"{table}.csv").replace("'", "''")
        select = ", ".join(duckdb_expr(n, k) for n, k in columns)
        stmts.append(f"CREATE TABLE {table} AS SELECT {select} FROM read_csv('{path}', header = true, "
                     f"all_varchar = true, delim = ',', quote = '\"', escape = '\"');")
    return stmts


# ----------------------------------------------------------------------------- SQL macros

MACRO = re.compile(r"@(TAG|AGE)\(([^()]*(?:\([^()]*\)[^()]*)*)\)")
TODAY_Y, TODAY_MD = int(TODAY[:4]), TODAY[5:]


def expand(sql, engine):
    def one(m):
        name, args = m.group(1), m.group(2)
        if name == "TAG":
            alias, tag = [a.strip() for a in args.split(",", 1)]
            if engine == "sqlite":
                return f"{alias}.id IN (SELECT child FROM child_tags WHERE tag = {tag})"
            return f"list_contains({alias}.tags, {tag})"
        if name == "AGE":
            e = args.strip()
            if engine == "sqlite":
                return (f"({TODAY_Y} - CAST(substr({e}, 1, 4) AS INTEGER) - "
                        f"(substr({e}, 6, 5) > '{TODAY_MD}'))")
            return (f"({TODAY_Y} - year({e}) - CASE WHEN strftime({e}, '%m-%d') > '{TODAY_MD}' "
                    f"THEN 1 ELSE 0 END)")
        raise ValueError(name)
    return MACRO.sub(one, sql)


# ----------------------------------------------------------------------------- helpers

def log(*a):
    print(*a, file=sys.stderr, flush=True)


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def norm(v):
    if v is None:
        return "∅"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, decimal.Decimal):
        v = float(v)
    if isinstance(v, float):
        if math.isfinite(v) and v == round(v) and abs(v) < 1e15:
            return str(int(v))
        return f"{v:.6g}"
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, (list, tuple)):
        return ";".join(norm(x) for x in v)
    return str(v)


def norm_rows(rows):
    return [tuple(norm(v) for v in row) for row in rows]


def compare(a, b, ordered):
    """True when equal; else a short description of the difference."""
    if ordered:
        if a == b:
            return True
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return f"row {i + 1} differs: {x} vs {y}"
        return f"{len(a)} vs {len(b)} rows"
    ca, cb = collections.Counter(a), collections.Counter(b)
    if ca == cb:
        return True
    only_a = list((ca - cb).elements())[:3]
    only_b = list((cb - ca).elements())[:3]
    return f"{len(a)} vs {len(b)} rows; only left: {only_a}; only right: {only_b}"


def fmt_ms(x):
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def fmt_ratio(a, b):
    if a is None or b is None or b <= 0:
        return "–"
    r = a / b
    return f"{r:.2f}" if r < 10 else f"{r:.0f}"


def fmt_bytes(n):
    if n is None:
        return "–"
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def fmt_s(x):
    if x is None:
        return "–"
    if x < 1:
        return f"{x * 1000:.0f} ms" if x >= 0.01 else f"{x * 1000:.1f} ms"
    return f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def md_escape(s):
    return s.replace("|", "\\|")


def find_mql(explicit):
    if explicit:
        return explicit
    if os.environ.get("MQL_BIN"):
        return os.environ["MQL_BIN"]
    for p in (".build-bench/release/mql", ".build/release/mql", ".build/debug/mql"):
        if (REPO / p).exists():
            return str(REPO / p)
    sys.exit("no mql binary: build it (swift build -c release --scratch-path .build-bench) or pass --mql PATH")


def timed_run(cmd, **kw):
    t = time.perf_counter()
    r = subprocess.run(cmd, **kw)
    return time.perf_counter() - t, r


# ----------------------------------------------------------------------------- engines

class Mql:
    def __init__(self, binary, rules):
        self.binary = binary
        self.rules = rules

    def base(self, data_dir):
        return [self.binary, "--data", str(data_dir), "--rules", str(self.rules), "--today", TODAY]

    def timings(self, data_dir, suite_file, n, reps):
        """Per statement: lists of first-pass and warm-pass ms over `reps` processes."""
        first = [[] for _ in range(n)]
        warm = [[] for _ in range(n)]
        for rep in range(reps):
            r = subprocess.run(self.base(data_dir) + ["--timer", "--keep-going", "--format", "tsv", str(suite_file)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for line in r.stderr.splitlines():
                m = re.match(r"timer: .*:(\d+): ([0-9.]+) ms$", line)
                if not m:
                    continue
                ln, ms = int(m.group(1)), float(m.group(2))
                i = ln - 1
                if i < n:
                    first[i].append(ms)
                elif i < 2 * n:
                    warm[i - n].append(ms)
        return first, warm

    def results(self, data_dir, suite_file, statements):
        """Rows of every statement (None and the error text when it failed)."""
        r = subprocess.run(self.base(data_dir) + ["--keep-going", "--unmask", "--format", "json", str(suite_file)],
                           capture_output=True, text=True)
        failed = {}
        for line in r.stderr.splitlines():
            m = re.match(r".*?:(\d+):(\d+): error: (.*)", line)
            if m:
                failed.setdefault(int(m.group(1)) - 1, m.group(3))
        out = [line for line in r.stdout.splitlines() if line.strip()]
        results, k = [], 0
        for i, _ in enumerate(statements):
            if i in failed:
                results.append((None, failed[i]))
                continue
            if k >= len(out):
                results.append((None, "no output"))
                continue
            value = json.loads(out[k])
            k += 1
            if isinstance(value, list):
                results.append(([list(row.values()) for row in value], None))
            else:
                results.append(([[value]], None))
        return results

    def probe(self, data_dir):
        """(seconds until loaded and waiting on stdin, VmRSS bytes, VmHWM bytes)."""
        t0 = time.perf_counter()
        p = subprocess.Popen(self.base(data_dir) + ["--format", "tsv"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        loaded, rss, hwm = None, None, None
        try:
            while p.poll() is None:
                try:
                    with open(f"/proc/{p.pid}/syscall") as f:
                        s = f.read()
                except OSError:
                    break
                if s.startswith("0 0x0 "):       # read(0, …): loaded, rules checked, reading stdin
                    loaded = time.perf_counter() - t0
                    with open(f"/proc/{p.pid}/status") as f:
                        for line in f:
                            if line.startswith("VmRSS:"):
                                rss = int(line.split()[1]) * 1024
                            elif line.startswith("VmHWM:"):
                                hwm = int(line.split()[1]) * 1024
                    break
                time.sleep(0.002)
        finally:
            p.communicate(b"count streets\n")
        return loaded, rss, hwm


class SQLiteEngine:
    def __init__(self, db_file):
        src = sqlite3.connect(str(db_file))
        self.con = sqlite3.connect(":memory:")
        src.backup(self.con)
        src.close()

    def size(self):
        pc = self.con.execute("PRAGMA page_count").fetchone()[0]
        ps = self.con.execute("PRAGMA page_size").fetchone()[0]
        return pc * ps

    def run(self, sql):
        return self.con.execute(sql).fetchall()


class DuckEngine:
    def __init__(self, data_dir, threads=None):
        import duckdb
        self.con = duckdb.connect(":memory:")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        t = time.perf_counter()
        for s in duckdb_load_sql(data_dir):
            self.con.execute(s)
        self.load_seconds = time.perf_counter() - t

    def memory(self):
        try:
            return int(self.con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchone()[0])
        except Exception:
            return None

    def threads(self):
        return self.con.execute("SELECT current_setting('threads')").fetchone()[0]

    def run(self, sql):
        return self.con.execute(sql).fetchall()


def time_sql(engine, sql, reps):
    times, rows, error = [], None, None
    for _ in range(reps):
        t = time.perf_counter()
        try:
            r = engine.run(sql)
        except Exception as e:
            return None, None, f"{type(e).__name__}: {e}"
        times.append((time.perf_counter() - t) * 1000)
        if rows is None:
            rows = r
    return median(times), rows, error


# ----------------------------------------------------------------------------- one size

def ensure_dataset(mql, cache, n, seed):
    d = cache / f"children-{n}-seed-{seed}"
    marker = d / ".complete"
    if marker.exists():
        return d, False
    log(f"[{n}] generating dataset into {d}")
    if d.exists():
        shutil.rmtree(d)
    subprocess.run([mql.binary, "gen", "--children", str(n), "--seed", str(seed), "--out", str(d)], check=True)
    marker.write_text("ok\n")
    return d, True


def snapshot_copy(mql, data_dir, copy_dir):
    """A copy of the dataset (hard links) with a binary snapshot written by the binary under
    test, as a checkpoint leaves a dataset: what a script's `mql` process loads. The cached
    CSVs stay as generated. A snapshot found in the cache is not trusted: one written by an
    older binary (another format or schema) is ignored by `mql`, which then loads the CSVs,
    and every whole-process figure would silently measure a CSV load."""
    shutil.rmtree(copy_dir, ignore_errors=True)
    copy_dir.mkdir(parents=True)
    for t in SCHEMA:
        source = data_dir / f"{t}.csv"
        if source.exists():
            os.link(source, copy_dir / f"{t}.csv")
    log(f"checkpoint of {copy_dir} (writes the snapshot)")
    subprocess.run(mql.base(copy_dir), input=".checkpoint\n", text=True, check=True, capture_output=True)
    return copy_dir


def build_sqlite(data_dir, db_file, sqlite_cli, fresh):
    """Builds the SQLite database file (reused when present); returns the in-memory load time."""
    steps = sqlite_load_steps(data_dir)
    load_seconds = None
    if sqlite_cli:
        script = sqlite_cli_script(steps)
        load_seconds, r = timed_run([sqlite_cli, ":memory:"], input=script, capture_output=True, text=True)
        if r.returncode != 0 or r.stderr.strip():
            raise RuntimeError("sqlite3 load failed: " + r.stderr[:2000])
        if fresh or not db_file.exists():
            if db_file.exists():
                db_file.unlink()
            r = subprocess.run([sqlite_cli, str(db_file)], input=script, capture_output=True, text=True)
            if r.returncode != 0 or r.stderr.strip():
                raise RuntimeError("sqlite3 load failed: " + r.stderr[:2000])
    else:
        con = sqlite3.connect(":memory:")
        t = time.perf_counter()
        sqlite_python_load(con, steps)
        load_seconds = time.perf_counter() - t
        if fresh or not db_file.exists():
            if db_file.exists():
                db_file.unlink()
            out = sqlite3.connect(str(db_file))
            con.backup(out)
            out.close()
        con.close()
    return load_seconds


def build_duckdb_file(data_dir, db_file, duckdb_cli, fresh):
    if not duckdb_cli:
        return False
    if db_file.exists() and not fresh:
        return True
    for p in (db_file, Path(str(db_file) + ".wal")):
        if p.exists():
            p.unlink()
    script = "\n".join(duckdb_load_sql(data_dir)) + "\n"
    r = subprocess.run([duckdb_cli, str(db_file)], input=script, capture_output=True, text=True)
    if r.returncode != 0:
        log("duckdb CLI load failed: " + r.stderr[:2000])
        return False
    return True


def run_size(args, mql, n):
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    data_dir, fresh = ensure_dataset(mql, cache, n, args.seed)
    csv_bytes = sum((data_dir / f"{t}.csv").stat().st_size for t in SCHEMA)
    info = {"n": n, "csv_bytes": csv_bytes}
    statements = [s for s in SUITE if not args.only or s[0] in args.only]
    count = len(statements)

    # Suite files: once (results) and twice (timing: 1st and warm pass in one process).
    work = cache / "work"
    work.mkdir(exist_ok=True)
    text = "".join(s[1] + "\n" for s in statements)
    digest = hashlib.sha1(text.encode()).hexdigest()[:10]
    once, twice = work / f"suite-{digest}.mql", work / f"suite-{digest}-x2.mql"
    once.write_text(text, encoding="utf-8")
    twice.write_text(text + text, encoding="utf-8")

    # SQLite and DuckDB loads.
    dbdir = cache / "db"
    dbdir.mkdir(exist_ok=True)
    sqlite_db = dbdir / f"children-{n}-seed-{args.seed}.sqlite"
    duck_db = dbdir / f"children-{n}-seed-{args.seed}.duckdb"
    log(f"[{n}] loading SQLite")
    info["sqlite_load"] = build_sqlite(data_dir, sqlite_db, args.sqlite_cli, fresh)
    info["sqlite_load_how"] = "sqlite3 CLI `.import`" if args.sqlite_cli else "Python csv module"
    sq = SQLiteEngine(sqlite_db)
    info["sqlite_file"] = sqlite_db.stat().st_size
    info["sqlite_mem"] = sq.size()
    log(f"[{n}] loading DuckDB")
    dk = DuckEngine(data_dir, args.duckdb_threads)
    info["duckdb_load"] = dk.load_seconds
    info["duckdb_mem"] = dk.memory()
    info["duckdb_threads"] = dk.threads()

    # mql: results, then timings.
    log(f"[{n}] mql results")
    mql_results = mql.results(data_dir, once, statements)
    log(f"[{n}] mql timings ({args.reps} processes)")
    first, warm = mql.timings(data_dir, twice, count, args.reps)

    snapshot_dir = snapshot_copy(mql, data_dir, cache / "work" / f"snapshot-{n}-seed-{args.seed}") if args.whole_process else None

    rows_out, disagreements = [], []
    for i, (sid, mq, sql, ordered) in enumerate(statements):
        log(f"[{n}] {i + 1:2d}/{count} {sid}")
        s_ms, s_rows, s_err = time_sql(sq, expand(sql, "sqlite"), args.reps)
        d_ms, d_rows, d_err = time_sql(dk, expand(sql, "duckdb"), args.reps)
        m_rows, m_err = mql_results[i]
        results = {"mql": (m_rows, m_err), "SQLite": (s_rows, s_err), "DuckDB": (d_rows, d_err)}
        normed = {}
        problems = []
        for eng, (rows, err) in results.items():
            if err:
                problems.append(f"{eng} failed: {err}")
            else:
                r = norm_rows(rows)
                normed[eng] = r if ordered else sorted(r)
        verdicts = {}
        for a, b in (("mql", "SQLite"), ("mql", "DuckDB"), ("SQLite", "DuckDB")):
            if a in normed and b in normed:
                c = compare(normed[a], normed[b], ordered)
                verdicts[(a, b)] = c
                if c is not True:
                    problems.append(f"{a} ≠ {b}: {c}")
        agree = "✓" if not problems else "✗"
        if problems:
            disagreements.append((n, i + 1, sid, mq, problems))
        row = {
            "i": i + 1, "id": sid, "mql": mq, "rows": len(m_rows) if m_rows is not None else None,
            "mql_ms": median(warm[i]), "mql_first_ms": median(first[i]),
            "sqlite_ms": s_ms, "duckdb_ms": d_ms, "agree": agree,
        }
        if args.whole_process:
            row["mql_process_ms"] = median([timed_run(mql.base(snapshot_dir) + ["--format", "json", "-c", mq],
                                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)[0] * 1000
                                            for _ in range(args.process_reps)])
            if args.sqlite_cli:
                row["sqlite_process_ms"] = median([
                    timed_run([args.sqlite_cli, "-readonly", "-json", str(sqlite_db), expand(sql, "sqlite")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)[0] * 1000
                    for _ in range(args.process_reps)])
        rows_out.append(row)

    # Extras: load, memory, whole-process.
    if not args.no_extras:
        log(f"[{n}] mql load and memory ({args.process_reps} processes)")
        empty = cache / "empty-dataset"
        empty.mkdir(exist_ok=True)
        e_probe = [mql.probe(empty) for _ in range(args.process_reps)]
        probes = [mql.probe(data_dir) for _ in range(args.process_reps)]
        t_empty = median([p[0] for p in e_probe])
        t_full = median([p[0] for p in probes])
        info["mql_startup"] = t_empty
        info["mql_load"] = (t_full - t_empty) if t_full is not None and t_empty is not None else None
        info["mql_rss"] = median([p[1] for p in probes])
        info["mql_hwm"] = median([p[2] for p in probes])
        info["mql_rss_empty"] = median([p[1] for p in e_probe])

        log(f"[{n}] whole-process query")
        mq, sql = PROCESS_QUERY
        times = []
        for _ in range(args.process_reps):
            t, r = timed_run(mql.base(data_dir) + ["-c", mq], capture_output=True, text=True)
            times.append(t)
            info["mql_process_out"] = r.stdout.strip()
        info["mql_process"] = median(times)
        if args.sqlite_cli:
            times = []
            for _ in range(args.process_reps):
                t, r = timed_run([args.sqlite_cli, "-readonly", str(sqlite_db), sql], capture_output=True, text=True)
                times.append(t)
                info["sqlite_process_out"] = r.stdout.strip()
            info["sqlite_process"] = median(times)
        if build_duckdb_file(data_dir, duck_db, args.duckdb_cli, fresh):
            times = []
            for _ in range(args.process_reps):
                t, r = timed_run([args.duckdb_cli, "-readonly", str(duck_db), "-csv", "-noheader", "-c", sql],
                                 capture_output=True, text=True)
                times.append(t)
                info["duckdb_process_out"] = r.stdout.strip()
            info["duckdb_process"] = median(times)
        outs = {k: info.get(k) for k in ("mql_process_out", "sqlite_process_out", "duckdb_process_out") if info.get(k)}
        if len(set(outs.values())) > 1:
            disagreements.append((n, 0, "process-query", mq, [f"whole-process outputs differ: {outs}"]))
    return rows_out, info, disagreements


# ----------------------------------------------------------------------------- report

def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def size_table(n, rows):
    out = [f"### {n:,} children", "",
           "| # | statement | rows | mql ms | mql 1st ms | SQLite ms | DuckDB ms | mql/SQLite | mql/DuckDB | agree |",
           "|--:|---|--:|--:|--:|--:|--:|--:|--:|:-:|"]
    for r in rows:
        out.append(f"| {r['i']} | `{md_escape(r['mql'])}` | {r['rows'] if r['rows'] is not None else '–'} | "
                   f"{fmt_ms(r['mql_ms'])} | {fmt_ms(r['mql_first_ms'])} | {fmt_ms(r['sqlite_ms'])} | "
                   f"{fmt_ms(r['duckdb_ms'])} | {fmt_ratio(r['mql_ms'], r['sqlite_ms'])} | "
                   f"{fmt_ratio(r['mql_ms'], r['duckdb_ms'])} | {r['agree']} |")
    gs = geomean([r["mql_ms"] / r["sqlite_ms"] for r in rows if r["mql_ms"] and r["sqlite_ms"]])
    gd = geomean([r["mql_ms"] / r["duckdb_ms"] for r in rows if r["mql_ms"] and r["duckdb_ms"]])
    meet_s = sum(1 for r in rows if r["mql_ms"] is not None and r["sqlite_ms"] and r["mql_ms"] <= 0.5 * r["sqlite_ms"])
    meet_d = sum(1 for r in rows if r["mql_ms"] is not None and r["duckdb_ms"] and r["mql_ms"] <= r["duckdb_ms"])
    total = lambda k: sum(r[k] for r in rows if r[k] is not None)
    out += ["",
            f"Totals: mql {fmt_ms(total('mql_ms'))} ms (1st pass {fmt_ms(total('mql_first_ms'))} ms), "
            f"SQLite {fmt_ms(total('sqlite_ms'))} ms, DuckDB {fmt_ms(total('duckdb_ms'))} ms. "
            f"Geometric mean of ratios: mql/SQLite {gs:.2f}, mql/DuckDB {gd:.2f}. "
            f"Statements meeting the targets: mql ≤ 0.5× SQLite {meet_s}/{len(rows)}, "
            f"mql ≤ 1× DuckDB {meet_d}/{len(rows)}.", ""]
    return out


def process_table(n, rows):
    """Whole process per statement (--whole-process): what a script pays for one statement."""
    out = [f"### {n:,} children, whole process", "",
           "`mql --data DIR -c STATEMENT --format json` (process start, load from the snapshot, parse, check, "
           "plan, execute, JSON output) against each engine's in-process time, and against a whole "
           "`sqlite3 -readonly -json FILE.db SQL` process.", "",
           "| # | id | rows | mql process ms | mql in-process ms | sqlite3 process ms | mql proc/SQLite | "
           "mql proc/DuckDB | mql proc/sqlite3 proc |",
           "|--:|---|--:|--:|--:|--:|--:|--:|--:|"]
    for r in rows:
        out.append(f"| {r['i']} | {r['id']} | {r['rows'] if r['rows'] is not None else '–'} | "
                   f"{fmt_ms(r.get('mql_process_ms'))} | {fmt_ms(r['mql_ms'])} | {fmt_ms(r.get('sqlite_process_ms'))} | "
                   f"{fmt_ratio(r.get('mql_process_ms'), r['sqlite_ms'])} | {fmt_ratio(r.get('mql_process_ms'), r['duckdb_ms'])} | "
                   f"{fmt_ratio(r.get('mql_process_ms'), r.get('sqlite_process_ms'))} |")
    gd = geomean([r["mql_process_ms"] / r["duckdb_ms"] for r in rows if r.get("mql_process_ms") and r["duckdb_ms"]])
    meet_d = sum(1 for r in rows if r.get("mql_process_ms") and r["duckdb_ms"] and r["mql_process_ms"] <= r["duckdb_ms"])
    meet_p = sum(1 for r in rows if r.get("mql_process_ms") and r.get("sqlite_process_ms")
                 and r["mql_process_ms"] <= r["sqlite_process_ms"])
    out += ["", f"Geometric mean mql process / DuckDB in process: {gd:.2f}" if gd else "",
            f"Statements whose whole mql process is within DuckDB's in-process time: {meet_d}/{len(rows)}; "
            f"within a whole sqlite3 process: {meet_p}/{len(rows)}.", ""]
    return out


def growth(values, sizes):
    pts = [(n, v) for n, v in zip(sizes, values) if v]
    if len(pts) < 2:
        return "–"
    (n0, v0), (n1, v1) = pts[0], pts[-1]
    k = math.log(v1 / v0) / math.log(n1 / n0)
    return f"×{v1 / v0:.1f} (N^{k:.2f})"


def summary_tables(sizes, infos, all_rows):
    heads = " | ".join(f"{n:,}" for n in sizes)
    out = ["### Load, memory and whole-process time", "",
           f"| figure | {heads} | growth, smallest → largest |",
           "|---|" + "--:|" * len(sizes) + "---|"]

    def line(label, key, fmt, derive=None):
        vals = [(derive(i) if derive else i.get(key)) for i in infos]
        out.append(f"| {label} | " + " | ".join(fmt(v) for v in vals) + f" | {growth(vals, sizes)} |")

    line("CSV bytes", "csv_bytes", fmt_bytes)
    line("load: mql (CSV → ready, in process)", "mql_load", fmt_s)
    line(f"load: SQLite ({infos[0].get('sqlite_load_how')} + convert + indexes, :memory:)", "sqlite_load", fmt_s)
    line("load: DuckDB (read_csv → tables, in memory)", "duckdb_load", fmt_s)
    line("load ratio mql/DuckDB", None, lambda v: f"{v:.2f}" if v else "–",
         lambda i: i["mql_load"] / i["duckdb_load"] if i.get("mql_load") and i.get("duckdb_load") else None)
    line("mql resident memory after load (VmRSS)", "mql_rss", fmt_bytes)
    line("mql RSS minus empty-dataset process", None, fmt_bytes,
         lambda i: i["mql_rss"] - i["mql_rss_empty"] if i.get("mql_rss") and i.get("mql_rss_empty") else None)
    line("(mql RSS minus empty-dataset process) / CSV bytes", None, lambda v: f"{v:.2f}" if v else "–",
         lambda i: (i["mql_rss"] - i["mql_rss_empty"]) / i["csv_bytes"] if i.get("mql_rss") and i.get("mql_rss_empty") else None)
    line("mql peak RSS (VmHWM) during load", "mql_hwm", fmt_bytes)
    line("mql RSS / CSV bytes", None, lambda v: f"{v:.2f}" if v else "–",
         lambda i: i["mql_rss"] / i["csv_bytes"] if i.get("mql_rss") else None)
    line("SQLite database file", "sqlite_file", fmt_bytes)
    line("SQLite in-memory pages", "sqlite_mem", fmt_bytes)
    line("DuckDB memory (duckdb_memory())", "duckdb_mem", fmt_bytes)
    line("whole process: `mql -c` (loads the CSVs)", "mql_process", fmt_s)
    line("whole process: `sqlite3 file.db`", "sqlite_process", fmt_s)
    line("whole process: `duckdb -readonly file.duckdb -c`", "duckdb_process", fmt_s)
    line("mql process startup, empty dataset", "mql_startup", fmt_s)
    out.append("")
    out.append(f"Whole-process query: `{PROCESS_QUERY[0]}` / `{PROCESS_QUERY[1]}`")
    out.append("")

    out += ["### Per-statement growth (mql warm ms, and mql/DuckDB)", "",
            "| # | id | " + " | ".join(f"mql ms {n:,}" for n in sizes) + " | "
            + " | ".join(f"mql/DuckDB {n:,}" for n in sizes) + " | growth of mql ms |",
            "|--:|---|" + "--:|" * (2 * len(sizes)) + "---|"]
    for j, r0 in enumerate(all_rows[0]):
        vals = [rows[j]["mql_ms"] for rows in all_rows]
        ratios = [fmt_ratio(rows[j]["mql_ms"], rows[j]["duckdb_ms"]) for rows in all_rows]
        out.append(f"| {r0['i']} | {r0['id']} | " + " | ".join(fmt_ms(v) for v in vals) + " | "
                   + " | ".join(ratios) + f" | {growth(vals, sizes)} |")
    out.append("")
    return out


def machine_line(args, mql):
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / (1 << 20):.0f} GiB RAM"
    except OSError:
        pass
    rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "Sources", "Package.swift"],
                           capture_output=True, text=True).stdout.strip()
    import duckdb
    cli_versions = []
    if args.sqlite_cli:
        cli_versions.append("sqlite3 CLI " + subprocess.run([args.sqlite_cli, "--version"], capture_output=True,
                                                             text=True).stdout.split()[0])
    if args.duckdb_cli:
        v = subprocess.run([args.duckdb_cli, "--version"], capture_output=True, text=True).stdout.strip()
        cli_versions.append("DuckDB CLI " + v.split()[0] if v else "DuckDB CLI")
    return (f"Machine: {cpu}, {os.cpu_count()} cores, {mem}, {platform.system()} {platform.release()}. "
            f"Date: {datetime.date.today().isoformat()}. mql {rev}{' (Sources modified)' if dirty else ''} "
            f"({mql.binary}); SQLite {sqlite3.sqlite_version} (Python module); DuckDB {duckdb.__version__} "
            f"(Python module); {', '.join(cli_versions) or 'no CLIs'}. "
            f"Command: `python3 benchmarks/run.py {' '.join(args.argv)}`".rstrip())


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="CI check: 10,000 children, 1 repetition; exit 1 on any disagreement")
    p.add_argument("--sizes", help="comma-separated numbers of children (default 10000,100000,1000000)")
    p.add_argument("--reps", type=int, help="repetitions per statement (default 5; 1 with --quick)")
    p.add_argument("--process-reps", type=int, help="repetitions of whole-process, load and memory runs (default 3)")
    p.add_argument("--cache", default=os.environ.get("MQL_BENCH_CACHE", "/tmp/mql-bench"),
                   help="where datasets and databases are kept (default /tmp/mql-bench)")
    p.add_argument("--seed", type=int, default=2019)
    p.add_argument("--mql", help="the mql binary (default: .build-bench/release/mql, .build/release/mql, .build/debug/mql)")
    p.add_argument("--sqlite-cli", default=shutil.which("sqlite3"), help="sqlite3 CLI (default: on PATH)")
    p.add_argument("--duckdb-cli", default=shutil.which("duckdb"), help="DuckDB CLI (default: on PATH)")
    p.add_argument("--duckdb-threads", type=int, help="DuckDB threads (default: DuckDB's own, all cores)")
    p.add_argument("--only", help="comma-separated statement ids to run")
    p.add_argument("--no-extras", action="store_true", help="skip load/memory/whole-process measurements")
    p.add_argument("--whole-process", action="store_true",
                   help="also time every statement as its own `mql -c … --format json` process (start, load, "
                        "parse, plan, execute, JSON output) and as its own `sqlite3 -json` process")
    p.add_argument("--markdown", help="also write the Markdown report to this file")
    args = p.parse_args(argv)
    args.argv = argv
    if args.quick:
        sizes = [10000]
        args.reps = args.reps or 1
        args.process_reps = args.process_reps or 1
    else:
        sizes = [10000, 100000, 1000000]
        args.reps = args.reps or 5
        args.process_reps = args.process_reps or 3
    if args.sizes:
        sizes = [int(s.replace("_", "").replace(",", "")) for s in args.sizes.split(",") if s.strip()]
    args.only = set(args.only.split(",")) if args.only else None
    try:
        import duckdb  # noqa: F401
    except ImportError:
        sys.exit("DuckDB's Python module is missing: pip install duckdb")

    mql = Mql(find_mql(args.mql), REPO / "examples" / "rules")
    started = time.perf_counter()
    all_rows, infos, disagreements = [], [], []
    for n in sizes:
        rows, info, dis = run_size(args, mql, n)
        all_rows.append(rows)
        infos.append(info)
        disagreements += dis

    report = ["## MQL vs SQLite vs DuckDB", "", machine_line(args, mql), "",
              f"Times are medians over {args.reps} repetition(s) (whole-process and load figures: "
              f"{args.process_reps}). mql ms = second run of the statement in the same process (indexes "
              f"built); mql 1st ms = first run (pays for lazily built indexes). SQLite and DuckDB: in memory, "
              f"execute + fetchall from Python; DuckDB threads: {infos[0].get('duckdb_threads')}. "
              f"Ratios < 1 mean mql is faster.", ""]
    for n, rows in zip(sizes, all_rows):
        report += size_table(n, rows)
        if args.whole_process:
            report += process_table(n, rows)
    report += summary_tables(sizes, infos, all_rows)
    if disagreements:
        report += ["### Disagreements", ""]
        for n, i, sid, mq, problems in disagreements:
            report.append(f"- {n:,} children, #{i} {sid} `{mq}`:")
            for pr in problems:
                report.append(f"  - {pr[:1500]}")
        report.append("")
    else:
        report += ["All three engines returned the same rows for every statement at every size.", ""]
    text = "\n".join(report)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n", encoding="utf-8")
    log(f"done in {time.perf_counter() - started:.0f} s; {len(disagreements)} disagreement(s)")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
