#!/usr/bin/env python3
"""The fuzzers of issue 9: nothing crashes, hangs or silently changes data.

  python3 tests/fuzz/run.py --ci [--mql PATH]     bounded, fixed seeds (scripts/test)
  python3 tests/fuzz/run.py --minutes N [--seed S] [--mql PATH]
                                                  longer, random seed; new failures are
                                                  minimised into tests/fuzz/findings/

A failure whose oracle and text match a line of known_defects.txt is reported as known;
any other failure makes the run exit 1. See tests/fuzz/README.md.
"""
import argparse, faulthandler, hashlib, os, random, re, signal, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generator import ROOT, Generator, Mutator, Values, command_line, import_file  # noqa: E402
from harness import Harness  # noqa: E402
import corruption  # noqa: E402
import minimise  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CI_SEED = 20261130
# Cases per class in --ci; sized so the whole run stays under a minute with the debug binary.
CI_CASES = {"query": 16, "count": 8, "fmt": 8, "equivalent": 8, "arithmetic": 5, "change": 10, "transaction": 6, "id-sequence": 3, "import": 6, "command-line": 6, "aggregate": 3, "order-group": 6, "rule": 4,
            "define-chain": 1, "dot": 6, "mutated-query": 16, "mutated-change": 8, "mutated-rule": 4}


def load_known(path):
    """Lines `ID | ORACLE | REGEX | minimal input`; REGEX is searched in the input, stderr and detail."""
    known = []
    if not os.path.exists(path):
        return known
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split(" | ", 3)]
        if len(parts) < 3:
            continue
        known.append((parts[0], parts[1], re.compile(parts[2], re.S)))
    return known


def classify(failure, known):
    for ident, oracle, pattern in known:
        if oracle in (failure.oracle, "*") and pattern.search(failure.signature_text()):
            return ident
    return None


class Case:
    """One generated input and how to check it; `check(text)` returns the failures."""

    def __init__(self, cls, text, check):
        self.cls, self.text, self.check = cls, text, check


# Inputs of the defect classes known when the fuzzers were written, run in every --ci run
# so that each fix stays guarded whatever the random cases happen to cover.
PINNED = [
    ("change", 'update changes where id > 0 set user = "x"'),
    ("change", "delete changes where id = 1"),
    ("transaction+keep-going", 'begin\nupdate children where id = 1 set review = "A"\nupdate children where id = 2 set household_size = "x"\ncommit'),
    ("query", "streets select name, name"),
    ("change", 'update children where id = 3 set review = "a\\u{1B}[2Jb"'),
    ("change", 'delete visits where id = 872\ninsert visits {pairing: 1, date: 2019-10-01, kind: "家访"}'),
    ("change", "update children where id = 2 set household_size = household_size * 9223372036854775807"),
    ("change", "update children where id = 2 set birth = birth + 8000 years"),
    ("fmt", "define children.fz =  # fuzz-comment-1 inside\n    id > 3  # fuzz-comment-2 inside\n    and id < 5"),
    ("fmt", "# fuzz-comment-3 before\nchildren where id = 1  # fuzz-comment-4 after"),
    ("aggregate", "update children where id <= 10 set household_income = 999999999999999999"),
    ("command-line", "export visits --out out.csv"),
    # 测试街 was inserted by the fuzz dataset's journal (PRISTINE_CHANGES).
    ("change", 'update streets where name = "测试街" set liaison = "新"'),
]


def pinned_case(cls, text, h):
    if cls == "query":
        return Case("pinned-" + cls, text, lambda s: h.check_query(cls, s)[0])
    if cls == "fmt":
        return Case("pinned-" + cls, text, lambda s: h.check_fmt(cls, s))
    if cls == "command-line":
        return Case("pinned-" + cls, "mql " + text, lambda s: h.check_command_line(cls, text.split(" "), True))
    if cls == "aggregate":
        return Case("pinned-" + cls, text, lambda s: h.check_aggregates(cls, s, "household_income"))
    keep = cls.endswith("keep-going")
    return Case("pinned-" + cls, text, lambda s: h.check_change(cls, s, keep_going=keep, single_transaction=keep))


def make_case(cls, gen, mut, h):
    if cls == "query":
        t = gen.query_statement()
        return Case(cls, t, lambda s: h.check_query(cls, s)[0])
    if cls == "count":
        c = gen.source()
        cond = gen.condition(c)
        return Case(cls, "%s where %s" % (c, cond), lambda s: h.check_count_agrees(cls, *s.split(" where ", 1)))
    if cls == "fmt":
        is_query = gen.chance(0.6)
        t = gen.query() if is_query else gen.rule_statement()

        def fmt(s):
            fails, o = h.check_query(cls, s) if is_query else ([], None)
            return fails + h.check_fmt(cls, s, o, is_query)
        return Case(cls, t, fmt)
    if cls == "change":
        t = gen.change()
        return Case(cls, t, lambda s: h.check_change(cls, s))
    if cls == "transaction":
        t = gen.transaction()
        keep = gen.chance(0.5)
        return Case(cls + ("+keep-going" if keep else ""), t,
                    lambda s: h.check_change(cls, s, keep_going=keep, single_transaction=s.startswith("begin") and s.rstrip().endswith(("commit", "rollback"))))
    if cls == "order-group":
        c = gen.choice(["children", "children", "mothers", "pairings", "visits"])
        from generator import SCHEMA
        # Not community: two communities print the same name (布吉's and 平湖's 凤凰), so rows
        # cannot tell their groups apart.
        scalar = [f for f, t in SCHEMA[c] if (t in ("int", "date", "text") or t.startswith("ref")) and f != "community"]
        key, value = gen.choice(scalar), gen.choice([f for f, t in SCHEMA[c] if t in ("int", "date")])
        cond = gen.condition(c, 1) if gen.chance(0.5) else ""
        args = (c, cond, key, value, gen.chance(0.5), gen.rng.randint(0, 12), gen.rng.randint(0, 8))
        return Case(cls, "%s where %s order by %s" % (c, cond, key), lambda s: h.check_order_and_groups(cls, *args))
    if cls == "aggregate":
        field = gen.choice(["household_income", "medical_cost", "household_size"])
        big = gen.choice(["999999999999999999", "400000000000000000", "9007199254740993", "123456789", "-999999999999999999"])
        update = "update children where id <= %d set %s = %s" % (gen.choice([1, 3, 10, 20]), field, big)
        return Case(cls, update, lambda s: h.check_aggregates(cls, s, field))
    if cls == "command-line":
        argv, changes_nothing = command_line(gen)
        return Case(cls, "mql " + " ".join(argv), lambda s: h.check_command_line(cls, argv, changes_nothing))
    if cls == "import":
        # Each case gets its own file: the case's text names it, so minimising keeps it.
        path = os.path.join(h.tmp, "import-%d.csv" % h.runs)
        t = import_file(gen, mut, path)
        return Case(cls, t, lambda s: h.check_change(cls, s))
    if cls == "id-sequence":
        t = gen.id_sequence()
        return Case(cls, t, lambda s: h.check_change(cls, s, atomic=s.startswith("begin")))
    if cls == "rule":
        t = gen.rule_statement()
        return Case(cls, t, lambda s: h.check_rule(cls, s) + h.check_fmt(cls, s))
    if cls == "equivalent":
        original = gen.query()
        variant, ways = gen.equivalent(*gen.last_clauses)
        # The input is the variant (what a minimised finding should show); the original is fixed.
        return Case(cls, variant, lambda s: h.check_equivalent(cls, original, s, ways))
    if cls == "arithmetic":
        c, key, expr = gen.arithmetic()
        return Case(cls, "%s where %s select %s as x" % (c, key, expr),
                    lambda s: h.check_arithmetic(cls, c, key, s.split(" select ", 1)[1].rsplit(" as x", 1)[0]) if " select " in s else [])
    if cls == "define-chain":
        t = gen.define_chain(20000 if h.ci else gen.choice([300, 2000, 20000, 50000]))
        return Case(cls, t, lambda s: h.check_rule(cls, s, with_tests=False, timeout=60))
    if cls == "dot":
        t = gen.dot_command()
        return Case(cls, t, lambda s: h.check_dot(cls, s))
    if cls == "mutated-query":
        t = mut.mutate(gen.query_statement())
        return Case(cls, t, lambda s: h.check_query(cls, s)[0])
    if cls == "mutated-change":
        t = mut.mutate(gen.change() if gen.chance(0.7) else gen.transaction())
        return Case(cls, t, lambda s: h.check_change(cls, s))
    if cls == "mutated-rule":
        t = mut.mutate(gen.rule_statement())
        return Case(cls, t, lambda s: h.check_rule(cls, s))
    raise ValueError(cls)


def key_of(failure):
    """What makes two failures the same defect: the oracle and the first error line, digits folded."""
    detail = re.sub(r"\d+", "N", failure.detail.split(":")[0] if failure.oracle != "crash" else failure.detail.split(" (")[0])
    return failure.oracle + ": " + detail[:160]


def save_finding(findings_dir, case, failure, minimal):
    os.makedirs(findings_dir, exist_ok=True)
    digest = hashlib.sha1(key_of(failure).encode()).hexdigest()[:10]
    path = os.path.join(findings_dir, "%s-%s.txt" % (failure.oracle, digest))
    with open(path, "w", encoding="utf-8", errors="surrogatepass") as f:
        f.write("# class: %s\n# oracle: %s\n# detail: %s\n# reproduce: see tests/fuzz/README.md\n%s\n" % (
            case.cls, failure.oracle, failure.detail.replace("\n", " ")[:500], minimal))
    return path


def write_index_corpus(n, seed):
    gen = Generator(random.Random(seed), Values())
    path = os.path.join(HERE, "corpus", "index_queries.txt")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("# %d generated queries (seed %d) for Tests/MQLTests/FuzzIndexScanTests.swift:\n" % (n, seed))
        f.write("# indexed rows = full-scan rows. Regenerate: python3 tests/fuzz/run.py --write-index-corpus %d\n" % n)
        for _ in range(n):
            c = gen.choice(["children", "children", "mothers", "pairings", "visits", "streets", "communities"])
            q = gen.query(c)
            while " where " not in q:
                q = gen.query(c)
            f.write(q.replace("\n", " ") + "\n")
    print("wrote " + os.path.relpath(path, ROOT))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mql", default=os.path.join(ROOT, ".build/debug/mql"))
    ap.add_argument("--ci", action="store_true", help="fixed seeds, bounded cases; no minimising")
    ap.add_argument("--minutes", type=float, help="run this long with a random seed")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--known", default=os.path.join(HERE, "known_defects.txt"))
    ap.add_argument("--findings", default=os.path.join(HERE, "findings"))
    ap.add_argument("--no-corruption", action="store_true")
    ap.add_argument("--corruption-full", action="store_true",
                    help="only the corruption fuzzer, at every byte offset of the journal (a few thousand runs)")
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--ci-budget", type=float, default=55,
                    help="seconds after which --ci stops starting generated cases (pinned ones and corruption always run)")
    ap.add_argument("--write-index-corpus", type=int, metavar="N",
                    help="write N generated queries to tests/fuzz/corpus/index_queries.txt for the Swift index = scan test")
    args = ap.parse_args()
    # `kill -USR1 PID` prints where a long run is, should it seem stuck.
    faulthandler.register(signal.SIGUSR1)
    if args.write_index_corpus:
        write_index_corpus(args.write_index_corpus, args.seed if args.seed is not None else CI_SEED)
        return
    if not os.path.exists(args.mql):
        sys.exit("no mql binary at %s (swift build first, or --mql PATH)" % args.mql)

    seed = CI_SEED if args.ci or args.seed is None and not args.minutes else (args.seed if args.seed is not None else random.randrange(1 << 32))
    if args.seed is not None:
        seed = args.seed
    print("fuzz seed %d (%s)" % (seed, "ci" if args.ci else "%s minutes" % args.minutes if args.minutes else "one round"), flush=True)
    known = load_known(args.known)
    rng = random.Random(seed)
    values = Values()
    gen, mut = Generator(rng, values), Mutator(rng)
    h = Harness(args.mql, timeout=args.timeout)
    h.ci = args.ci
    started = time.time()
    deadline = started + args.minutes * 60 if args.minutes else None
    tried, failed, known_hits, new_keys = {}, {}, {}, {}
    saved = []

    spent, last = {}, [time.time()]

    def record(case, failures):
        tried[case.cls] = tried.get(case.cls, 0) + 1
        now = time.time()
        spent[case.cls] = spent.get(case.cls, 0) + now - last[0]
        for f in failures:
            failed[f.oracle] = failed.get(f.oracle, 0) + 1
            ident = classify(f, known)
            if ident:
                known_hits[ident] = known_hits.get(ident, 0) + 1
                continue
            k = key_of(f)
            if k in new_keys:
                new_keys[k][2] += 1
                continue
            minimal = case.text
            if not args.ci and case.check is not None:
                # Minimising only what is new and saving it; then the clock restarts for the next case.
                minimal = minimise.minimise(case.text, lambda s: any(key_of(g) == k for g in case.check(s)))
            new_keys[k] = [f, minimal, 1]
            print("NEW %s [%s] %s\n    input: %r" % (f.oracle, case.cls, f.detail[:300], minimal[:300]), flush=True)
            if not args.ci:
                saved.append(save_finding(args.findings, case, f, minimal))
        last[0] = time.time()

    try:
        if args.corruption_full:
            for case, fails in corruption.run(h, rng, budget="full"):
                record(case, fails)
        elif args.ci:
            # Pinned inputs and the corruption fuzzer first, then the classes round-robin, so
            # that a loaded machine that reaches the time budget still has tried every class.
            for cls, text in PINNED:
                case = pinned_case(cls, text, h)
                record(case, case.check(case.text))
            if not args.no_corruption:
                for case, fails in corruption.run(h, rng, budget="ci"):
                    record(case, fails)
            queue = {cls: n for cls, n in CI_CASES.items()}
            skipped = 0
            while any(queue.values()):
                for cls in CI_CASES:
                    if not queue[cls]:
                        continue
                    queue[cls] -= 1
                    case = make_case(cls, gen, mut, h)
                    if time.time() - started > args.ci_budget:
                        skipped += 1
                        continue
                    record(case, case.check(case.text))
            if skipped:
                print("time budget of %d s reached: %d generated cases not run" % (args.ci_budget, skipped))
        else:
            # A round is one case of each class; the slow ones (seconds a case) come less often.
            classes = [c for c in CI_CASES if c != "define-chain"]
            rounds = 0
            while True:
                for cls in classes + (["define-chain"] if rounds % 20 == 0 else []):
                    case = make_case(cls, gen, mut, h)
                    record(case, case.check(case.text))
                rounds += 1
                if not deadline or time.time() > deadline:
                    break
                if not args.no_corruption and rounds % 30 == 1:
                    for case, fails in corruption.run(h, rng, budget="long"):
                        record(case, fails)
    finally:
        h.close()

    elapsed = time.time() - started
    print("\n== fuzz summary (seed %d, %.0f s, %d mql runs)" % (seed, elapsed, h.runs))
    print("inputs tried per class: " + ", ".join("%s %d" % kv for kv in sorted(tried.items())))
    print("seconds per class:      " + ", ".join("%s %.1f" % kv for kv in sorted(spent.items())))
    print("failures per oracle:    " + (", ".join("%s %d" % kv for kv in sorted(failed.items())) or "none"))
    print("known defects hit:      " + (", ".join("%s %d" % kv for kv in sorted(known_hits.items())) or "none"))
    print("new defects:            %d" % len(new_keys))
    for k, (f, minimal, n) in new_keys.items():
        print("  NEW %s ×%d  %s\n      input: %r" % (f.oracle, n, f.detail[:200], minimal[:200]))
    for p in saved:
        print("  saved " + os.path.relpath(p, ROOT))
    sys.exit(1 if new_keys else 0)


if __name__ == "__main__":
    main()
