# The corruption fuzzer: damages journal.mqlj and snapshot.mqls of a small dataset — a
# truncation at a byte offset, a flipped bit, a few random bytes, a huge number in an entry
# header — and checks that reading the dataset and `mql check` never crash, and that every
# journal entry before the damage is still applied (the data equals the state after those
# entries, or a later one), while a damaged snapshot falls back to the CSV files and loses
# nothing at all.
import os, re, shutil

from harness import DUMP_SCRIPT, Failure

JOURNAL, SNAPSHOT = "journal.mqlj", "snapshot.mqls"
BEFORE_CHECKPOINT = ['insert streets {name: "甲街", quota: 3, liaison: "测试"}',
                     'update children where id = 1 set review = "复核"']
AFTER_CHECKPOINT = ['insert streets {name: "乙街", quota: 3, liaison: "测试"}',
                    'update children where id = 2 set household_size = 5, tags = ["低保", "单亲"]',
                    'delete visits where id = 3',
                    'insert visits {pairing: 1, date: 2019-10-01, kind: "家访", note: "测试"}']
HUGE = [b"9223372036854775807", b"9223372036854775800", b"-1", b"99999999999999999999", b"4294967296"]


class CorruptionCase:
    def __init__(self, cls, text, check):
        self.cls, self.text, self.check = cls, text, check


def entry_ends(journal):
    """Byte offsets where each well-formed entry ends, and where each header's length field is."""
    ends, fields, pos = [], [], 0
    for m in re.finditer(rb"MQLJ (\d+) [0-9a-f]+\n", journal):
        if m.start() != pos:
            break
        end = m.end() + int(m.group(1)) + 1
        fields.append((m.start(1), m.end(1)))
        ends.append(end)
        pos = end
    return ends, fields


def build(h):
    """A dataset with a checkpoint (so a snapshot) and journalled changes after it; the dump
    after each journalled change."""
    d = h.fresh_copy()
    for stmt in BEFORE_CHECKPOINT:
        o = h.run(["--data", d, "-c", stmt])
        assert o.rc == 0, o.err
    o = h.run(["--data", d], stdin=".checkpoint\n")
    assert o.rc == 0, o.err
    states = [h.run(["--data", d, "--unmask", "--format", "json"], stdin=DUMP_SCRIPT).out]
    for stmt in AFTER_CHECKPOINT:
        o = h.run(["--data", d, "-c", stmt])
        assert o.rc == 0, o.err
        states.append(h.run(["--data", d, "--unmask", "--format", "json"], stdin=DUMP_SCRIPT).out)
    files = {f: open(os.path.join(d, f), "rb").read() for f in (JOURNAL, SNAPSHOT) if os.path.exists(os.path.join(d, f))}
    return d, states, files


def run(h, rng, budget="ci"):
    """Yields (case, failures) for each damaged file tried. budget: "ci" (a few dozen),
    "long" (a sample of offsets, for each round of --minutes), "full" (every byte offset of
    the journal, 128 header and 400 random offsets of the snapshot)."""
    d, states, files = build(h)
    try:
        journal, snapshot = files.get(JOURNAL, b""), files.get(SNAPSHOT)
        ends, fields = entry_ends(journal)
        if len(ends) != len(AFTER_CHECKPOINT) or snapshot is None:
            yield CorruptionCase("corruption-setup", "", None), [Failure("corruption-setup", "corruption", "",
                                                                          "expected %d journal entries and a snapshot, found %d entries, snapshot %s" % (len(AFTER_CHECKPOINT), len(ends), snapshot is not None))]
            return

        def restore():
            for f, b in files.items():
                with open(os.path.join(d, f), "wb") as fh:
                    fh.write(b)

        def read_back(cls, text, damaged_file, data, at_least):
            """Writes the damaged file, reads the dataset, runs check; data must be one of states[at_least:]."""
            restore()
            with open(os.path.join(d, damaged_file), "wb") as fh:
                fh.write(data)
            fails = []
            o = h.run(["--data", d, "--unmask", "--format", "json"], stdin=DUMP_SCRIPT)
            f = h.survive(cls, text, o, "read")
            if f:
                fails.append(f)
            elif o.rc != 0:
                fails.append(Failure("corrupt-unreadable", cls, text, "reading the damaged dataset fails: " + o.err.strip()[:300], o.err))
            elif o.out not in states[at_least:]:
                got = next((i for i, s in enumerate(states) if s == o.out), None)
                fails.append(Failure("corrupt-lost-entry", cls, text,
                                     "after damage at %s the data is %s, expected the state after ≥ %d entries" % (
                                         text, "state %d" % got if got is not None else "no known state", at_least), o.err))
            c = h.run(["check", "--data", d])
            f = h.survive(cls, text, c, "mql check")
            if f:
                fails.append(f)
            return fails

        def entries_before(offset):
            return sum(1 for e in ends if e <= offset)

        n = len(journal)
        boundaries = sorted({x for e in [0] + ends for x in ((e - 1, e, e + 1) if budget != "ci" else (e - 1, e)) if 0 <= x < n})
        if budget == "ci":
            offsets = sorted(set(boundaries + rng.sample(range(n), min(n, 2))))
        elif budget == "long":
            offsets = sorted(set(rng.sample(boundaries, 4) + rng.sample(range(n), min(n, 16))))
        else:
            offsets = list(range(n))
        for o in offsets:
            text = "journal truncated at %d of %d" % (o, n)
            yield CorruptionCase("journal-truncate", text, None), read_back("journal-truncate", text, JOURNAL, journal[:o], entries_before(o))
        flips = offsets if budget != "ci" else sorted(set(boundaries[:6] + rng.sample(range(n), min(n, 6))))
        flips = flips if budget != "long" else sorted(set(rng.sample(range(n), min(n, 20))))
        for o in flips:
            b = bytearray(journal)
            bit = rng.randrange(8)
            b[o] ^= 1 << bit
            text = "journal bit %d flipped at %d of %d" % (bit, o, n)
            yield CorruptionCase("journal-bitflip", text, None), read_back("journal-bitflip", text, JOURNAL, bytes(b), entries_before(o))
        for _ in range(2 if budget == "ci" else 8):
            b = bytearray(journal)
            o = rng.randrange(n)
            k = rng.randint(2, 16)
            for i in range(o, min(n, o + k)):
                b[i] = rng.randrange(256)
            text = "journal %d random bytes at %d of %d" % (k, o, n)
            yield CorruptionCase("journal-random", text, None), read_back("journal-random", text, JOURNAL, bytes(b), entries_before(o))
        for i, (start, end) in enumerate(fields if budget != "ci" else [fields[0], fields[-1]]):
            for big in (HUGE[:1] if budget != "full" else HUGE) if budget == "ci" or rng.random() < 0.5 else HUGE[1:]:
                b = journal[:start] + big + journal[end:]
                text = "journal entry %d header length %s" % (i, big.decode())
                yield CorruptionCase("journal-header-number", text, None), read_back("journal-header-number", text, JOURNAL, b, fields.index((start, end)))

        m = len(snapshot)
        if budget == "ci":
            soffsets = sorted(set(list(range(0, 64, 16)) + rng.sample(range(m), min(m, 4))))
        elif budget == "long":
            soffsets = sorted(set(rng.sample(range(128), 8) + rng.sample(range(m), min(m, 8))))
        else:
            soffsets = sorted(set(list(range(0, 128)) + rng.sample(range(m), min(m, 400))))
        everything = len(states) - 1
        for o in soffsets[: (4 if budget == "ci" else None)]:
            text = "snapshot truncated at %d of %d" % (o, m)
            yield CorruptionCase("snapshot-truncate", text, None), read_back("snapshot-truncate", text, SNAPSHOT, snapshot[:o], everything)
        for o in soffsets:
            b = bytearray(snapshot)
            bit = rng.randrange(8)
            b[o] ^= 1 << bit
            text = "snapshot bit %d flipped at %d of %d" % (bit, o, m)
            yield CorruptionCase("snapshot-bitflip", text, None), read_back("snapshot-bitflip", text, SNAPSHOT, bytes(b), everything)
    finally:
        shutil.rmtree(d, ignore_errors=True)
