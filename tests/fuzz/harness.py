# Runs generated statements against the real `mql` binary and checks the oracles of issue 9:
# no crash (signal or exit ≥ 3), no hang, a refused change leaves the dataset's files
# byte-identical, an accepted change is what a fresh process reads back, the audit trail
# only grows, a query's rows and its count agree and `E` / `not (E)` partition the rows,
# and `mql fmt` is stable and keeps a query's meaning.
import hashlib, json, os, re, shutil, subprocess, tempfile

from generator import ROOT, DATA, RULES

TODAY = "2019-11-30"
COLLECTIONS = ["streets", "communities", "children", "mothers", "pairings", "visits", "changes"]
DUMP_SCRIPT = "\n".join(COLLECTIONS) + "\n"
PRISTINE_CHANGES = ['update children where id = 1 set review = "经社区走访核实，同意。"',
                    'insert streets {name: "测试街", quota: 3, liaison: "测试"}']


class Failure:
    def __init__(self, oracle, cls, text, detail, stderr=""):
        self.oracle, self.cls, self.text, self.detail, self.stderr = oracle, cls, text, detail, stderr

    def signature_text(self):
        return self.text + "\n" + self.stderr + "\n" + self.detail


class Outcome:
    def __init__(self, rc, out, err, hung=False):
        self.rc, self.out, self.err, self.hung = rc, out, err, hung


def crash_reason(err):
    """The runtime's message and the first frame of the project's code: what names a crash."""
    message = ""
    m = re.search(r"\*\*\* (Swift runtime failure: [^*]+?) \*\*\*|(Fatal error: [^\n]*)|\*\*\* (Program crashed: [^*]+?) at ", err)
    if m:
        message = next(g for g in m.groups() if g)
    frame = re.search(r"^\s*\d+\s+(?:\[ra\]\s+)?0x[0-9a-f]+ (.+?) \+ \d+ in mql at \S*/Sources/", err, re.M)
    where = frame.group(1) if frame else ""
    if not message and not where:
        return first_error_line(err)
    return "%s in %s" % (message or "crash", where or "?")


def first_error_line(err):
    for line in err.splitlines():
        if "Fatal error" in line or "fatal" in line.lower() or "error:" in line:
            return line.strip()[:300]
    return err.strip().splitlines()[-1][:300] if err.strip() else ""


class Harness:
    def __init__(self, mql, timeout=10):
        self.mql = os.path.abspath(mql)
        self.timeout = timeout
        self.runs = 0
        self.tmp = tempfile.mkdtemp(prefix="mql-fuzz-")
        self.pristine = os.path.join(self.tmp, "pristine")
        shutil.copytree(DATA, self.pristine, ignore=shutil.ignore_patterns(".mql-*", "journal.mqlj*", "snapshot.mqls"))
        # A few audit rows, so that a change rewriting `changes` has something to rewrite.
        for statement in PRISTINE_CHANGES:
            o = self.run(["--data", self.pristine, "-c", statement])
            if o.rc != 0:
                raise SystemExit("cannot prepare the fuzz dataset: " + o.err)
        base = self.run(["--data", self.pristine, "--unmask", "--format", "json"], stdin=DUMP_SCRIPT)
        if base.rc != 0:
            raise SystemExit("cannot dump the example dataset: " + base.err)
        self.pristine_dump = base.out.splitlines()

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run(self, argv, stdin=None, cwd=None, timeout=None):
        self.runs += 1
        env = dict(os.environ, LANG="C.UTF-8", MQL_HOME=ROOT, HOME=self.tmp)
        try:
            explicit = argv and (argv[0] in ("fmt", "check", "test", "export", "import", "impact", "gen") or "--today" in argv)
            p = subprocess.run([self.mql, *argv] if explicit else [self.mql, "--today", TODAY, *argv],
                               input=(stdin or "").encode("utf-8", "surrogatepass"), capture_output=True,
                               timeout=timeout or self.timeout, cwd=cwd or self.tmp, env=env)
        except subprocess.TimeoutExpired as e:
            return Outcome(None, (e.stdout or b"").decode("utf-8", "replace"), (e.stderr or b"").decode("utf-8", "replace"), hung=True)
        return Outcome(p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"))

    # ---- basic oracles, on every run
    def survive(self, cls, text, o, what="run"):
        if o.hung:
            return Failure("hang", cls, text, "%s did not finish in time" % what, o.err[-2000:])
        if o.rc < 0 or o.rc >= 128:
            return Failure("crash", cls, text, "%s (%s, exit %s)" % (crash_reason(o.err), what, o.rc), o.err[-2000:])
        if o.rc not in (0, 1, 2):
            return Failure("exit-status", cls, text, "%s: exit %s" % (what, o.rc), o.err[-2000:])
        return None

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as f:
            f.write(text)
        return path

    def statements(self, text):
        # Long inputs go through a file: the argument list has a size limit.
        if len(text.encode("utf-8", "surrogatepass")) < 100_000 and "\x00" not in text:
            return ["-c", text]
        return [self.write("long.mql", text + "\n")]

    # ---- queries and other read-only statements on the shipped data
    def check_query(self, cls, text, extra=None):
        o = self.run(["--format", "json"] + self.statements(text))
        fails = [f for f in [self.survive(cls, text, o)] if f]
        if not fails:
            fails += self.distinct_columns(cls, text, o)
            fails += self.masked(cls, text, o)
        if fails or extra is None:
            return fails, o
        return fails + extra(o), o

    def masked(self, cls, text, o):
        """Without --unmask no phone number or full address of the data reaches stdout or stderr."""
        if not hasattr(self, "personal"):
            from generator import Values
            v = Values()
            self.personal = set()
            for c, f in [("children", "guardian_phone"), ("mothers", "phone"), ("streets", "liaison_phone"), ("children", "address")]:
                self.personal.update(x for x in v.by_field.get((c, f), []) if len(x) >= 8)
        shown = o.out + o.err
        for value in re.findall(r"\d{11}", shown) + [a for a in re.findall(r"龙岗区[^\s\"',|]{8,}", shown)]:
            if value in self.personal and value not in text:
                return [Failure("unmasked", cls, text, "personal data shown without --unmask: %s…" % value[:3])]
        return []

    @staticmethod
    def distinct_columns(cls, text, o):
        """A result's columns have distinct names (JSON objects with one key twice lose a value)."""
        duplicates = []

        def hook(pairs):
            keys = [k for k, _ in pairs]
            if len(set(keys)) != len(keys):
                duplicates.append(sorted({k for k in keys if keys.count(k) > 1}))
            return dict(pairs)
        for line in o.out.splitlines():
            try:
                json.loads(line, object_pairs_hook=hook)
            except ValueError:
                pass
            if duplicates:
                return [Failure("duplicate-columns", cls, text, "a result has two columns named %s" % duplicates[0])]
        return []

    def check_equivalent(self, cls, text, variant, ways):
        """Two spellings of one query print the same."""
        o = self.run(["--format", "json", "-c", text])
        fails = [f for f in [self.survive(cls, text, o)] if f]
        v = self.run(["--format", "json", "-c", variant])
        fails += [f for f in [self.survive(cls, variant, v)] if f]
        def values(out):
            # Column names are the source text of their expressions, so they may differ.
            shown = []
            for line in out.splitlines():
                try:
                    r = json.loads(line)
                except ValueError:
                    return out
                shown.append([list(x.values()) if isinstance(x, dict) else x for x in r] if isinstance(r, list) else r)
            return shown
        if not fails and o.rc == 0 and (v.rc != 0 or values(v.out) != values(o.out)):
            fails.append(Failure("equivalent-differs", cls, variant, "written with %s it gives exit %s %r, as generated %r (%s)" % (
                ", ".join(ways), v.rc, (v.out or first_error_line(v.err))[:200], o.out[:200], text), v.err))
        return fails

    def check_arithmetic(self, cls, collection, key, expression):
        """Arithmetic on non-null values is a value or an error, never a silent null."""
        text = "%s where %s select %s as x" % (collection, key, expression)
        o = self.run(["--format", "json", "-c", text])
        f = self.survive(cls, text, o)
        if f:
            return [f]
        if o.rc == 0:
            try:
                rows = json.loads(o.out.splitlines()[0])
            except (ValueError, IndexError):
                return [Failure("output-shape", cls, text, "unexpected output: %r" % o.out[:300], o.err)]
            if rows and rows[0].get("x") is None:
                return [Failure("silent-null", cls, text, "arithmetic on non-null values gives null, not an error: %s" % expression)]
        return []

    def check_count_agrees(self, cls, collection, condition):
        """`C where E select key` has as many rows as `count C where E`; E and not (E) partition C."""
        text = "%s where %s" % (collection, condition)
        script = "%s\ncount %s\ncount %s where not (%s)\ncount %s\n" % (text, text, collection, condition, collection)
        o = self.run(["--format", "json"], stdin=script)
        f = self.survive(cls, text, o)
        if f:
            return [f]
        if o.rc != 0:
            return []
        lines = o.out.splitlines()
        try:
            rows, n, m, total = len(json.loads(lines[0])), int(lines[1]), int(lines[2]), int(lines[3])
        except (ValueError, IndexError):
            return [Failure("output-shape", cls, text, "unexpected output: %r" % o.out[:300], o.err)]
        fails = []
        if rows != n:
            fails.append(Failure("count-vs-rows", cls, text, "%d rows but count %d" % (rows, n)))
        if n + m != total:
            fails.append(Failure("not-partition", cls, text, "count E %d + count not E %d != %d" % (n, m, total)))
        return fails

    def check_fmt(self, cls, text, original=None, is_query=False):
        """fmt twice = fmt once; a formatted query runs to the same output as the original."""
        path = self.write("fmt.mql", text + "\n")
        o1 = self.run(["fmt", path])
        f = self.survive(cls, text, o1, "fmt")
        if f:
            return [f]
        if o1.rc != 0:
            return []
        once = open(path, encoding="utf-8", errors="surrogateescape").read()
        o2 = self.run(["fmt", path])
        f = self.survive(cls, text, o2, "fmt of fmt")
        if f:
            return [f]
        twice = open(path, encoding="utf-8", errors="surrogateescape").read()
        fails = []
        if o2.rc != 0:
            fails.append(Failure("fmt-reparse", cls, text, "fmt output does not parse: %r -> %s" % (once[:300], first_error_line(o2.err)), o2.err))
        elif once != twice:
            fails.append(Failure("fmt-stable", cls, text, "fmt once %r, twice %r" % (once[:300], twice[:300])))
        for comment in re.findall(r"#\s*(fuzz-comment-\d+)", text):
            if comment not in once:
                fails.append(Failure("fmt-drops-comment", cls, text, "fmt dropped the comment %r: %r" % (comment, once[:300])))
                break
        if is_query and original is not None and original.rc == 0 and o2.rc == 0:
            again = self.run(["--format", "json", path])
            if again.rc != original.rc or again.out != original.out:
                fails.append(Failure("fmt-meaning", cls, text, "formatted %r gives exit %s %r, original %r" % (once[:200], again.rc, again.out[:200], original.out[:200]), again.err))
        return fails

    # ---- changes on a copy of the example data
    def fresh_copy(self):
        d = tempfile.mkdtemp(prefix="data-", dir=self.tmp)
        for f in os.listdir(self.pristine):
            p = os.path.join(self.pristine, f)
            if os.path.isdir(p):  # attachments/
                shutil.copytree(p, os.path.join(d, f))
            else:
                shutil.copy(p, d)
        return d

    @staticmethod
    def hashes(d):
        out = {}
        for f in sorted(os.listdir(d)):
            if f.startswith(".mql-") and f.endswith(".lock"):
                continue
            p = os.path.join(d, f)
            if os.path.isdir(p):  # attachments/: its files, each by its path
                for g in sorted(os.listdir(p)):
                    with open(os.path.join(p, g), "rb") as fh:
                        out[f + "/" + g] = hashlib.sha256(fh.read()).hexdigest()
                continue
            with open(p, "rb") as fh:
                out[f] = hashlib.sha256(fh.read()).hexdigest()
        return out

    def check_change(self, cls, text, keep_going=False, single_transaction=False, atomic=None):
        """atomic: the script is one statement or one transaction, so a failure means no change
        at all (by default: no line break or `;` in it, or a single transaction)."""
        if atomic is None:
            atomic = single_transaction or not re.search(r"[\n;；]", text)
        d = self.fresh_copy()
        try:
            before = self.hashes(d)
            change = self.write("change.mql", text + "\n")
            dump = self.write("dump.mql", DUMP_SCRIPT)
            argv = ["--data", d, "--unmask", "--format", "json"] + (["--keep-going"] if keep_going else [])
            o = self.run(argv + [change, dump])
            f = self.survive(cls, text, o)
            if f:
                return [f]
            fails = []
            after = self.hashes(d)
            if o.rc != 0 and atomic and (not keep_going or single_transaction) and after != before:
                changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
                fails.append(Failure("refused-changes-data", cls, text, "%sexit %s but files changed: %s" % (
                    "a failed transaction under --keep-going: " if keep_going else "", o.rc, changed), o.err))
            if single_transaction and text.rstrip().endswith("rollback") and after != before:
                fails.append(Failure("rollback-changes-data", cls, text, "a transaction rolled back but files changed", o.err))
            if o.rc == 2:
                return fails
            reread = self.run(["--data", d, "--unmask", "--format", "json"], stdin=DUMP_SCRIPT)
            f = self.survive(cls, text, reread, "reread")
            if f:
                return fails + [f]
            if reread.rc != 0:
                return fails + [Failure("reread-fails", cls, text, "a fresh process cannot read the dataset: " + first_error_line(reread.err), reread.err)]
            fresh = reread.out.splitlines()
            if o.rc == 0 or keep_going:
                seen = o.out.splitlines()[-len(COLLECTIONS):]
                if seen != fresh:
                    which = [c for c, a, b in zip(COLLECTIONS, seen, fresh) if a != b]
                    fails.append(Failure("readback", cls, text, "the writer saw other rows than a fresh process in %s" % which, o.err))
            if o.rc == 0 and int(hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest(), 16) % 3 == 0:
                fails += self.checkpoint_round_trip(cls, text, d, fresh)
            fails += self.audit_only_grows(cls, text, fresh)
            fails += self.no_key_reused(cls, text, fresh)
            if o.rc == 0 and re.search(r"[\x00-\x08\x0b-\x1f\x7f]|\\u\{(0|1[0-9a-fA-F]|[0-9a-fA-F]|7[fF])\}", text + self.imported_text(text)):
                fails += self.table_without_control_characters(cls, text, d)
            fails += self.no_silent_null(cls, text, fresh)
            return fails
        finally:
            shutil.rmtree(d, ignore_errors=True)

    @staticmethod
    def imported_text(text):
        m = re.match(r"\.import \S+ (\S+)", text)
        if not m or not os.path.exists(m.group(1)):
            return ""
        return open(m.group(1), "rb").read().decode("utf-8", "replace")

    def checkpoint_round_trip(self, cls, text, d, fresh):
        """A checkpoint writes the CSV files and a snapshot; both read back as the same data."""
        cp = self.run(["--data", d], stdin=".checkpoint\n")
        f = self.survive(cls, text, cp, "checkpoint")
        if f:
            return [f]
        if cp.rc != 0:
            return [Failure("checkpoint-fails", cls, text, "checkpoint after an accepted change fails: " + first_error_line(cp.err), cp.err)]
        fails = []
        for source in ("snapshot", "CSV files"):
            if source == "CSV files" and os.path.exists(os.path.join(d, "snapshot.mqls")):
                os.unlink(os.path.join(d, "snapshot.mqls"))
            o = self.run(["--data", d, "--unmask", "--format", "json"], stdin=DUMP_SCRIPT)
            f = self.survive(cls, text, o, "read after checkpoint")
            if f:
                return fails + [f]
            if o.rc != 0 or o.out.splitlines() != fresh:
                which = [c for c, a, b in zip(COLLECTIONS, o.out.splitlines(), fresh) if a != b]
                fails.append(Failure("checkpoint-round-trip", cls, text, "after a checkpoint the %s read back differently (exit %s) in %s: %s" % (
                    source, o.rc, which, first_error_line(o.err)), o.err))
                break
        return fails

    def audit_only_grows(self, cls, text, fresh):
        old = json.loads(self.pristine_dump[-1])
        new = json.loads(fresh[-1])
        data_changed = fresh[:-1] != self.pristine_dump[:-1]
        old_by_id = {r["id"]: r for r in old}
        new_by_id = {r["id"]: r for r in new}
        fails = []
        lost = [i for i in old_by_id if new_by_id.get(i) != old_by_id[i]]
        if lost:
            fails.append(Failure("audit-rewritten", cls, text, "changes rows %s were altered or removed" % lost[:5]))
        if data_changed and len(new) <= len(old):
            fails.append(Failure("audit-missing", cls, text, "data changed but no changes row was added"))
        return fails

    def no_key_reused(self, cls, text, fresh):
        """Without an update, an id that named a row never names another one afterwards."""
        fails = []
        for i, c in enumerate(COLLECTIONS):
            if c in ("streets", "communities", "changes") or re.search(r"\bupdate\s+%s\b" % c, text):
                continue
            if c == "pairings" and re.search(r"\bend\s+pairing\b", text):
                continue
            old = {r["id"]: r for r in json.loads(self.pristine_dump[i])}
            for r in json.loads(fresh[i]):
                if r["id"] in old and r != old[r["id"]]:
                    fails.append(Failure("id-reused", cls, text, "%s id %s named another row before" % (c, r["id"])))
                    return fails
        return fails

    def table_without_control_characters(self, cls, text, d):
        """A value holding control characters is shown escaped in a table, not sent to the terminal."""
        fails = []
        for c in ("children", "mothers", "pairings", "visits", "streets"):
            o = self.run(["--data", d, "--unmask", "--format", "table", "-c", c])
            if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", o.out):
                fails.append(Failure("table-control-characters", cls, text, "table output of %s holds raw control characters" % c))
                break
        return fails

    def no_silent_null(self, cls, text, fresh):
        """`set f = f op X` never turns a value into null: overflow must be an error."""
        m = re.match(r"\s*update\s+(\w+)\s+where .* set (.*)$", text, re.S)
        if not m or m.group(1) not in COLLECTIONS:
            return []
        # Bounded names: an unbounded \w+ backtracks quadratically over a huge literal.
        fields = re.findall(r"\b(\w{1,40}) = \1 [-+*]", m.group(2))
        if not fields:
            return []
        i = COLLECTIONS.index(m.group(1))
        key = "name" if m.group(1) == "streets" else "id"
        old = {r.get(key): r for r in json.loads(self.pristine_dump[i])}
        new = {r.get(key): r for r in json.loads(fresh[i])}
        for k, row in new.items():
            for fld in fields:
                if k in old and old[k].get(fld) is not None and row.get(fld) is None:
                    return [Failure("silent-null", cls, text, "an update's arithmetic made a value null: %s %s: %s was %r" % (m.group(1), k, fld, old[k][fld]))]
        return []

    # ---- rule-file statements and dot commands
    def check_rule(self, cls, text, with_tests=True, timeout=None):
        path = self.write("extra.mql", text + "\n")
        o = self.run(["--rules", RULES, "--rules", path, "--format", "json", "-c", "count children"], timeout=timeout)
        f = self.survive(cls, text, o)
        fails = [f] if f else []
        if not with_tests:
            return fails
        o2 = self.run(["test", RULES, path])
        f = self.survive(cls, text, o2, "mql test")
        return fails + ([f] if f else [])

    def check_command_line(self, cls, argv, changes_nothing):
        """A subcommand or option at its edges: no crash; a dry run, an export or a read
        leaves the dataset byte-identical."""
        d = self.fresh_copy()
        try:
            before = self.hashes(d)
            head = argv[:1] if argv and argv[0] in ("export", "import", "impact") else []
            full = head + ["--data", d] + argv[len(head):] if argv and argv[0] != "gen" else list(argv)
            work = tempfile.mkdtemp(prefix="cwd-", dir=self.tmp)
            o = self.run(full, cwd=work)
            text = "mql " + " ".join(argv)
            f = self.survive(cls, text, o)
            if f:
                return [f]
            if changes_nothing and self.hashes(d) != before:
                return [Failure("refused-changes-data", cls, text, "a command that changes nothing changed the dataset's files", o.err)]
            if argv[0] == "export" and "--out" in argv:
                out = argv[argv.index("--out") + 1]
                if out and not out.startswith("/proc/"):
                    exists = os.path.exists(os.path.join(work, out))
                    if o.rc == 0 and not exists:
                        return [Failure("export-outcome", cls, text, "export reported success but wrote no %s" % out, o.err)]
                    if o.rc != 0 and exists:
                        return [Failure("export-outcome", cls, text, "export failed (%s) but left %s behind" % (first_error_line(o.err), out), o.err)]
            return []
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def check_order_and_groups(self, cls, collection, condition, key, value, desc, limit, offset):
        """order by: nulls last both ways, ties in id order, limit/offset a slice of the whole;
        group by: one group per distinct key (null its own), counts, min and max as computed
        from the rows themselves."""
        where = " where " + condition if condition else ""
        order = "%s%s order by %s%s select id, %s" % (collection, where, key, " desc" if desc else "", key)
        script = "\n".join([order, order + " limit %d offset %d" % (limit, offset),
                              "%s%s select id, %s, %s" % (collection, where, key, value),
                              "%s%s group by %s select %s, count() as n, min(%s) as lo, max(%s) as hi" % (collection, where, key, key, value, value)]) + "\n"
        o = self.run(["--format", "json", "--unmask"], stdin=script)
        f = self.survive(cls, script, o)
        if f:
            return [f]
        if o.rc != 0:
            return []
        try:
            ordered, sliced, rows, groups = [json.loads(line) for line in o.out.splitlines()[:4]]
        except ValueError:
            return [Failure("output-shape", cls, script, "unexpected output %r" % o.out[:200])]
        fails = []
        keys = [r[key] for r in ordered]
        nonnull = [k for k in keys if k is not None]
        if keys[:len(nonnull)] != nonnull:
            fails.append(Failure("order-nulls", cls, script, "nulls are not last in order by %s%s" % (key, " desc" if desc else "")))
        comparable = all(isinstance(k, (int, float)) for k in nonnull) or all(isinstance(k, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", k) for k in nonnull)
        if comparable and nonnull != sorted(nonnull, reverse=desc):
            fails.append(Failure("order-wrong", cls, script, "order by %s%s is not in order" % (key, " desc" if desc else "")))
        for a, b in zip(ordered, ordered[1:]):
            if a[key] == b[key] and a["id"] > b["id"]:
                fails.append(Failure("order-ties", cls, script, "rows tied on %s are not in id order (%s before %s)" % (key, a["id"], b["id"])))
                break
        if sliced != ordered[offset:offset + limit]:
            fails.append(Failure("limit-slice", cls, script, "limit %d offset %d is not that slice of the ordered rows" % (limit, offset)))
        expect = {}
        for r in rows:
            k = json.dumps(r[key], ensure_ascii=False, sort_keys=True)
            g = expect.setdefault(k, [0, None, None])
            g[0] += 1
            v = r[value]
            if v is not None:
                g[1] = v if g[1] is None or v < g[1] else g[1]
                g[2] = v if g[2] is None or v > g[2] else g[2]
        got = {json.dumps(g[key], ensure_ascii=False, sort_keys=True): [g["n"], g["lo"], g["hi"]] for g in groups}
        if len(got) != len(groups) or got != {k: v for k, v in expect.items()}:
            diff = sorted(k for k in set(got) | set(expect) if got.get(k) != expect.get(k))[:3]
            fails.append(Failure("group-wrong", cls, script, "group by %s: groups %s are %s, from the rows %s" % (
                key, diff, [got.get(k) for k in diff], [expect.get(k) for k in diff])))
        return fails

    def check_aggregates(self, cls, update, field):
        """After `update`, sum(field) per street by group by, by a correlated subquery and
        by a filter equal the exact sums of the rows' values — or the query is an error when
        a sum does not fit in 64 bits; never a wrong number."""
        d = self.fresh_copy()
        try:
            o = self.run(["--data", d, "-c", update])
            f = self.survive(cls, update, o)
            if f or o.rc != 0:
                return [f] if f else []
            script = ("children select street, %s\nchildren group by street select street, sum(%s) as s\n"
                      "streets select name, sum(children select %s) as s\nchildren where %s is not null select sum(%s) as s\n") % ((field,) * 5)
            q = self.run(["--data", d, "--format", "json", "--keep-going"], stdin=script)
            text = update + "\n" + script
            f = self.survive(cls, text, q)
            if f:
                return [f]
            outs = q.out.splitlines()
            try:
                rows = json.loads(outs[0])
            except (ValueError, IndexError):
                return []
            exact = {}
            for r in rows:
                if r.get(field) is not None:
                    exact[r["street"]] = exact.get(r["street"], 0) + r[field]
            total = sum(exact.values())
            got = []
            for line in outs[1:]:
                try:
                    got.append(json.loads(line))
                except ValueError:
                    pass
            fails = []
            for res in got:
                if isinstance(res, list) and res and "s" in res[0]:
                    if len(res) == 1 and "street" not in res[0] and "name" not in res[0]:
                        pairs = [("total", res[0]["s"], total)]
                    else:
                        pairs = [(r.get("street") or r.get("name"), r["s"], exact.get(r.get("street") or r.get("name"), 0)) for r in res]
                    for where, value, want in pairs:
                        seen = {f.oracle for f in fails}
                        if -2**63 <= want < 2**63 and value != want and "aggregate-wrong" not in seen:
                            fails.append(Failure("aggregate-wrong", cls, text, "sum(%s) for %s is %r, exactly %d" % (field, where, value, want)))
                        if not -2**63 <= want < 2**63 and value is not None and "aggregate-overflow" not in seen:
                            fails.append(Failure("aggregate-overflow", cls, text, "sum(%s) for %s is beyond 64 bits (%d) but gave %r, not an error" % (
                                field, where, want, value)))
            return fails
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def check_dot(self, cls, text):
        o = self.run(["--format", "json"], stdin=text + "\ncount children\n")
        f = self.survive(cls, text, o)
        return [f] if f else []
