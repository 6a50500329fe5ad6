#!/usr/bin/env python3
"""Durability tests with real processes (issue 4): torn journal tails, two writers, and
SIGKILL at random moments during a stream of changes.

Usage: python3 tests/durability.py [PATH-TO-mql] [--rounds N]
Each check prints PASS/FAIL; exit 1 if any failed.
"""
import fcntl, json, os, random, shutil, signal, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = [a for a in sys.argv[1:] if not a.startswith("--")]
MQL = args[0] if args else os.path.join(ROOT, ".build/debug/mql")
ROUNDS = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 30
results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else "  -- " + str(detail)[:500]))


def fresh_dataset():
    d = tempfile.mkdtemp(prefix="mql-durability-")
    for f in os.listdir(os.path.join(ROOT, "examples/data")):
        p = os.path.join(ROOT, "examples/data", f)
        if os.path.isdir(p):  # attachments/
            shutil.copytree(p, os.path.join(d, f))
        else:
            shutil.copy(p, d)
    return d


def mql(data, *argv, stdin=None, timeout=60):
    p = subprocess.run([MQL, "--data", data, "--today", "2019-11-30", "--format", "json", *argv],
                       input=stdin, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def chain_intact(data, what):
    """Kills, racing writers and checkpoints never look like tampering to `mql check`."""
    p = subprocess.run([MQL, "check", "--data", data, "--today", "2019-11-30"], capture_output=True, text=True, timeout=120)
    check(what + ": journal hash chain intact", "history was edited" not in p.stdout and "cannot be verified" not in p.stdout,
          p.stdout[-600:] + p.stderr)


def count(data, query):
    rc, out, err = mql(data, "-c", "count " + query)
    assert rc == 0, err
    return int(out.strip())


def insert_street(name):
    return 'insert streets {name: "%s", quota: 3, liaison: "测试"}' % name


# 1. A torn tail is dropped with a warning, the rest loads, the next write replaces it.
d = fresh_dataset()
rc, out, err = mql(d, "-c", insert_street("甲"))
check("a change is reported", rc == 0 and json.loads(out) == {"changed": 1}, out + err)
with open(os.path.join(d, "journal.mqlj"), "ab") as f:
    f.write(b'MQLJ 120 0badc0de\n{"at": "2019-11-30 10:')
rc, out, err = mql(d, "-c", 'count streets where name = "甲"')
check("torn tail: earlier change kept", rc == 0 and out.strip() == "1", out + err)
check("torn tail: warning on stderr", "torn or corrupt journal tail" in err, err)
rc, out, err = mql(d, "-c", insert_street("乙"))
rc2, out2, err2 = mql(d, "-c", 'count streets where name in ["甲", "乙"]')
check("torn tail: next write replaces the tail", rc == 0 and out2.strip() == "2" and "torn" not in err2, out2 + err2)
# A corrupt checksum in the middle counts as a tail too: nothing after it is trusted.
data = open(os.path.join(d, "journal.mqlj"), "rb").read()
check("journal and dataset files are private (0600)",
      (os.stat(os.path.join(d, "journal.mqlj")).st_mode & 0o777) == 0o600, oct(os.stat(os.path.join(d, "journal.mqlj")).st_mode))
shutil.rmtree(d)

# 2. Two writers: the second waits briefly, then fails clearly; readers are not blocked.
d = fresh_dataset()
lock = open(os.path.join(d, ".mql-writer.lock"), "a+")
fcntl.flock(lock, fcntl.LOCK_EX)
start = time.time()
rc, out, err = mql(d, "-c", insert_street("丙"))
waited = time.time() - start
check("second writer fails with a clear message", rc == 1 and "another mql process is changing" in err, err)
check("second writer waited before failing", waited >= 1.5, waited)
start = time.time()
rc, out, err = mql(d, "-c", "count children")
check("a reader is not blocked by a writer", rc == 0 and time.time() - start < 1.5, err)
fcntl.flock(lock, fcntl.LOCK_UN)
lock.close()
rc, out, err = mql(d, "-c", insert_street("丙"))
check("after the first writer is done, the second succeeds", rc == 0, err)

# Two real writer processes racing: every change lands exactly once.
procs = [subprocess.Popen([MQL, "--data", d, "--today", "2019-11-30", "--format", "json"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
         for _ in range(2)]
outs = [p.communicate("\n".join(insert_street("并%d_%d" % (i, k)) for k in range(15)) + "\n", timeout=120)
        for i, p in enumerate(procs)]
done = sum(o[0].count('"changed":1') for o in outs)
check("two writers: 30 changes reported", done == 30, outs)
check("two writers: all 30 present once", count(d, 'streets where name like "并%"') == 30)
ids = count(d, "changes where collection = \"streets\" and op = \"insert\"")
check("two writers: audit has each change once", ids == 31, ids)
chain_intact(d, "two writers")
shutil.rmtree(d)

# 3. SIGKILL at random moments during a stream of changes, many times.
d = fresh_dataset()
random.seed(4)
reported = set()
attempted = 0
for round in range(ROUNDS):
    p = subprocess.Popen([MQL, "--data", d, "--today", "2019-11-30", "--format", "json"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    names = ["杀%d_%d" % (round, k) for k in range(200)]
    attempted += len(names)
    for n in names:
        p.stdin.write((insert_street(n) + "\n").encode())
    p.stdin.flush()
    time.sleep(random.uniform(0.05, 0.6))
    p.send_signal(signal.SIGKILL)
    out = p.stdout.read().decode(errors="replace")
    p.wait()
    for i, line in enumerate(out.splitlines()):
        if line.strip() == '{"changed":1}':
            reported.add(names[i])
    if round % 7 == 3:
        # A checkpoint in the middle of it all, itself killed now and then.
        c = subprocess.Popen([MQL, "--data", d, "--today", "2019-11-30", "-c", ".checkpoint"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0.0, 0.2))
        c.send_signal(signal.SIGKILL)
        c.wait()
rc, out, err = mql(d, "-c", 'streets where name like "杀%" select name')
present = [r["name"] for r in json.loads(out)] if rc == 0 else []
check("crash test: dataset loads after %d kills" % ROUNDS, rc == 0, err)
check("crash test: every change reported done is there (%d reported)" % len(reported),
      reported.issubset(set(present)), sorted(reported - set(present))[:10])
check("crash test: no change appears twice", len(present) == len(set(present)), len(present))
check("crash test: some changes happened", len(reported) > 0, len(reported))
rc, out, err = mql(d, "-c", "count changes")
check("crash test: audit rows match the changes present", rc == 0 and int(out) == len(present), (out, len(present)))
chain_intact(d, "crash test")
shutil.rmtree(d)

passed = sum(results)
print("%d passed, %d failed" % (passed, len(results) - passed))
sys.exit(0 if passed == len(results) else 1)
