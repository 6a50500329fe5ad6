# Statement generator and mutator for the fuzzers (issue 9): builds MQL statements from the
# language's grammar with the real schema's names (Sources/Engine/Schema.swift), the defines
# and rules of the shipped rule files, and values read from examples/data — so generated
# queries and changes actually match rows — then mutates them at the byte and token level.
import csv, os, random, re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "examples", "data")
RULES = os.path.join(ROOT, "examples", "rules")

# collection -> [(field, type)]; types: text, int, date, set, ref:<collection>
SCHEMA = {
    "streets": [("name", "text"), ("quota", "int"), ("liaison", "text"), ("liaison_phone", "text")],
    "communities": [("name", "text"), ("street", "ref:streets")],
    "children": [("id", "int"), ("name", "text"), ("gender", "text"), ("birth", "date"), ("street", "ref:streets"),
                 ("community", "ref:communities"), ("guardian", "text"), ("guardian_phone", "text"),
                 ("address", "text"), ("tags", "set"), ("reason", "text"), ("household_size", "int"),
                 ("household_income", "int"), ("medical_cost", "int"), ("status", "text"), ("review", "text"),
                 ("registered", "date")],
    "mothers": [("id", "int"), ("name", "text"), ("org", "text"), ("title", "text"), ("phone", "text"),
                ("level", "text"), ("street", "ref:streets"), ("community", "ref:communities"), ("roles", "set")],
    "pairings": [("id", "int"), ("mother", "ref:mothers"), ("child", "ref:children"), ("since", "date"),
                 ("until", "date"), ("channels", "set"), ("note", "text")],
    "visits": [("id", "int"), ("pairing", "ref:pairings"), ("date", "date"), ("kind", "text"), ("note", "text")],
    "reports": [("id", "int"), ("street", "ref:streets"), ("period", "text"), ("submitted", "date"), ("results", "text"),
                ("experience", "text"), ("problems", "text")],
    "exemplars": [("id", "int"), ("report", "ref:reports"), ("pairing", "ref:pairings"), ("note", "text")],
    "attachments": [("id", "int"), ("file", "text"), ("sha256", "text"), ("report", "ref:reports"), ("visit", "ref:visits"),
                    ("taken", "date"), ("note", "text")],
    "changes": [("id", "int"), ("at", "date"), ("time", "text"), ("user", "text"), ("op", "text"),
                ("collection", "text"), ("key", "text"), ("statement", "text")],
}
CHINESE = {"children": "儿童", "mothers": "妈妈", "pairings": "结对", "visits": "走访", "streets": "街道", "communities": "社区"}
CHINESE_FIELDS = {"children": {"name": "姓名", "street": "街道", "age": "年龄", "tags": "标签", "status": "审核状态"},
                  "mothers": {"name": "姓名", "level": "层级"}, "visits": {"kind": "方式", "date": "日期"}}
# Reverse references: inside a row of the key, these collections name the rows referring to it.
REVERSE = {"streets": ["children", "communities", "mothers", "reports"], "children": ["pairings"], "mothers": ["pairings"],
           "pairings": ["visits", "exemplars"], "communities": ["children", "mothers"], "visits": ["attachments"],
           "reports": ["exemplars", "attachments"], "exemplars": [], "attachments": [], "changes": []}
CHANGEABLE = ["children", "mothers", "pairings", "visits", "streets", "communities"]
KEYWORDS = ["where", "select", "group", "by", "order", "limit", "offset", "and", "or", "not", "in", "is", "null",
            "between", "like", "contains", "as", "desc", "asc", "count", "insert", "update", "delete", "set",
            "pair", "with", "end", "visit", "begin", "commit", "rollback", "define", "rule", "param",
            "constraint", "explain", "plan", "for", "this", "outer", "true", "false", "exists", "on", "since"]
HUGE_NUMBERS = ["999999999999999999", "-999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999999",
                "2147483648", "-2147483649", "1e308", "0.0000000000000000001", "340282366920938463463374607431768211456"]
EDGE_DATES = ["0001-01-01", "9999-12-31", "0000-01-01", "9999-12", "0001-01", "2019-02-29", "2020-02-29",
              "2019-13-01", "2019-00-10", "2019-12-32"]
OVERFLOW_DURATIONS = ["9223372036854775807 days", "99999999999 years", "2147483647 months", "-9223372036854775807 days",
                      "100000 years", "3000000 days"]
FULL_WIDTH = {",": "，", "(": "（", ")": "）", "=": "＝", "<": "＜", ">": "＞", "!": "！", ";": "；", ":": "：",
              "[": "［", "]": "］", "{": "｛", "}": "｝", " ": "\u3000", '"': "“"}
CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x1b[2J", "\x1b]0;x\x07", "\r", "\x0b", "\x0c", "\x7f", "\u200b",
           "\u202e", "\ufeff", "\ud800".encode("utf-8", "surrogatepass").decode("latin-1")]


def _read(name):
    with open(os.path.join(DATA, name), encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _rule_names():
    # (collection, name) of every define and rule of the shipped rule files, and the params.
    names, params = [], []
    for f in sorted(os.listdir(RULES)):
        for line in open(os.path.join(RULES, f), encoding="utf-8"):
            m = re.match(r"(define|rule)\s+(\w+)\.(\w+)", line)
            if m:
                names.append((m.group(2), m.group(3)))
            m = re.match(r"param\s+(\w+)", line)
            if m:
                params.append(m.group(1))
    return names, params


class Values:
    """Real values of the example data, per collection and field."""

    def __init__(self):
        self.rows = {c: _read(c + ".csv") for c in CHANGEABLE}
        self.defines, self.params = _rule_names()
        self.by_field = {}
        for c, rows in self.rows.items():
            for field, _ in SCHEMA[c]:
                vals = set()
                for r in rows:
                    v = r.get(field) or ""
                    for part in (v.split(";") if dict(SCHEMA[c])[field] == "set" else [v]):
                        if part:
                            vals.add(part)
                self.by_field[(c, field)] = sorted(vals)

    def pick(self, rng, c, field):
        vals = self.by_field.get((c, field)) or []
        return rng.choice(vals) if vals else None

    def ids(self, c):
        return [int(r["id"]) for r in self.rows.get(c, []) if r.get("id")]


def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Generator:
    def __init__(self, rng, values):
        self.rng, self.v = rng, values
        self.depth = 0

    def choice(self, xs):
        return self.rng.choice(xs)

    def chance(self, p):
        return self.rng.random() < p

    # ---- literals of a field's type, mostly real values
    def literal(self, c, field, ftype):
        r = self.rng.random()
        if ftype == "int":
            if field == "id":
                ids = self.v.ids(c)
                return str(self.choice(ids) if ids and r < 0.8 else self.rng.randint(-2, 400))
            real = self.v.pick(self.rng, c, field)
            return real if real and r < 0.7 else str(self.rng.choice([0, 1, 3, 12, 1000, -1, 5000]))
        if ftype == "date":
            real = self.v.pick(self.rng, c, field)
            if r < 0.1:
                return self.choice(EDGE_DATES)
            return real if real and r < 0.7 else "%04d-%02d-%02d" % (self.rng.randint(2005, 2020), self.rng.randint(1, 12), self.rng.randint(1, 28))
        if ftype.startswith("ref:"):
            target = ftype[4:]
            if target in ("streets",):
                return q(self.v.pick(self.rng, "streets", "name"))
            if target == "communities":
                return q(self.v.pick(self.rng, "communities", "name"))
            ids = self.v.ids(target)
            return str(self.choice(ids)) if ids else "1"
        if ftype == "set":
            real = self.v.pick(self.rng, c, field)
            return q(real or "低保")
        real = self.v.pick(self.rng, c, field)
        if r > 0.97:
            return self.choice(['"a\\u{1B}[2Jb"', '"x\\u{7}y"', '"tab\\there"', '"line\\nbreak"', '"nul\\u{0}x"'])
        if real is None or r < 0.05:
            return q(self.choice(["", "布几", "王%", "x", "低宝", "凤凰"]))
        return q(real)

    def field(self, c, kinds=None):
        fs = [f for f in SCHEMA[c] if kinds is None or f[1].split(":")[0] in kinds]
        return self.choice(fs) if fs else None

    def define_names(self, c):
        return [n for cc, n in self.v.defines if cc == c]

    # ---- expressions
    def comparison(self, c):
        fname, ftype = self.field(c)
        kind = ftype.split(":")[0]
        name = fname
        if c in CHINESE_FIELDS and fname in CHINESE_FIELDS[c] and self.chance(0.1):
            name = CHINESE_FIELDS[c][fname]
        lit = self.literal(c, fname, ftype)
        if kind == "set":
            return self.choice(["%s in %s" % (lit, name), "%s contains %s" % (name, lit), "len(%s) > %d" % (name, self.rng.randint(0, 3))])
        if kind == "text":
            return self.choice(["%s = %s" % (name, lit), "%s != %s" % (name, lit), "%s is null" % name,
                                "%s is not null" % name, "%s like %s" % (name, q(lit.strip('"')[:1] + "%")),
                                "%s contains %s" % (name, q(lit.strip('"')[1:3])), "%s in [%s, %s]" % (name, lit, self.literal(c, fname, ftype)),
                                "lower(%s) = %s" % (name, lit), "len(%s) >= %d" % (name, self.rng.randint(0, 5))])
        if kind in ("int", "date"):
            op = self.choice(["=", "!=", "<", "<=", ">", ">="])
            forms = ["%s %s %s" % (name, op, lit), "%s between %s and %s" % (name, lit, self.literal(c, fname, ftype)),
                     "%s is null" % name, "%s in [%s, %s]" % (name, lit, self.literal(c, fname, ftype))]
            if kind == "date":
                forms += ["%s + %s > %s" % (name, self.duration(), lit), "%s - %s < 100" % (name, lit),
                          "months_between(%s, today()) > %d" % (name, self.rng.randint(-20, 20)), "age(%s) < %d" % (name, self.rng.randint(0, 18))]
            else:
                forms += ["%s * %s > %s" % (name, self.choice(["2", "12", "0.5", self.choice(HUGE_NUMBERS)]), lit),
                          "%s / %s < %s" % (name, self.choice(["2", "0", "3.5"]), lit), "coalesce(%s, 0) >= %s" % (name, lit)]
            return self.choice(forms)
        # reference: compare with key, or go through it
        target = ftype[4:]
        if self.depth < 3 and self.chance(0.4):
            self.depth += 1
            inner = self.comparison(target)
            self.depth -= 1
            m = re.match(r"^([a-z_\u4e00-\u9fff]+)(.*)$", inner)
            if m and m.group(1) not in ("len", "lower", "coalesce", "months_between", "age"):
                return "%s.%s%s" % (name, m.group(1), m.group(2))
        return "%s = %s" % (name, lit)

    def duration(self):
        if self.chance(0.08):
            return self.choice(OVERFLOW_DURATIONS)
        return "%d %s" % (self.rng.randint(1, 24), self.choice(["days", "weeks", "months", "years", "day", "month"]))

    def condition(self, c, size=None):
        size = size if size is not None else self.rng.randint(1, 3)
        parts = []
        for _ in range(size):
            r = self.rng.random()
            defs = self.define_names(c)
            if r < 0.2 and defs:
                d = self.choice(defs)
                parts.append(d if d not in ("age", "last_home_visit", "visit_due", "approved", "unknown_tags", "same_person_registered", "same_guardian_phone")
                             else {"age": "age > 6", "last_home_visit": "last_home_visit is null", "visit_due": "visit_due < today()",
                                   "approved": "approved > 3", "unknown_tags": "len(unknown_tags) > 0"}.get(d, "len(%s) > 0" % d))
            elif r < 0.3 and REVERSE.get(c) and self.depth < 3:
                rev = self.choice(REVERSE[c])
                self.depth += 1
                sub = "%s(%s where %s)" % (self.choice(["exists", "count"]), rev, self.condition(rev, 1))
                self.depth -= 1
                parts.append(sub if sub.startswith("exists") else sub + " > 0")
            elif r < 0.35 and self.depth < 3:
                # an uncorrelated subquery
                other = self.choice(CHANGEABLE)
                self.depth += 1
                parts.append("count(%s where %s) > %d" % (other, self.condition(other, 1), self.rng.randint(0, 5)))
                self.depth -= 1
            elif r < 0.4 and c == "children" and self.depth < 3:
                self.depth += 1
                parts.append("id in (pairings where %s select child.id)" % self.condition("pairings", 1))
                self.depth -= 1
            else:
                parts.append(self.comparison(c))
        out = parts[0]
        for p in parts[1:]:
            out = "%s %s %s" % (out, self.choice(["and", "and", "or"]), p)
        if self.chance(0.1):
            out = "not (%s)" % out
        return out

    def source(self):
        c = self.choice(["children", "children", "children", "mothers", "pairings", "visits", "streets", "communities", "changes"])
        return c

    def query(self, c=None):
        c = c or self.source()
        name = CHINESE.get(c, c) if self.chance(0.05) else c
        clauses = []
        if self.chance(0.8):
            clauses.append("where " + self.condition(c))
        grouped = self.chance(0.2)
        if grouped:
            key = self.choice([f for f, t in SCHEMA[c] if t in ("text", "date") or t.startswith("ref")])
            clauses.append("group by " + key)
            aggs = ["count() as n"]
            nums = [f for f, t in SCHEMA[c] if t in ("int", "date")]
            if nums:
                f = self.choice(nums)
                aggs.append("%s(%s)" % (self.choice(["min", "max", "sum", "avg"]) if dict(SCHEMA[c])[f] == "int" else self.choice(["min", "max"]), f))
            clauses.append("select %s, %s" % (key, ", ".join(aggs)))
            if self.chance(0.5):
                clauses.append("order by n desc")
        elif self.chance(0.5):
            items = self.rng.sample([f for f, _ in SCHEMA[c]], k=min(len(SCHEMA[c]), self.rng.randint(1, 4)))
            items += [d for d in self.define_names(c) if self.chance(0.1)]
            if self.chance(0.1):
                items.append(self.choice(items) if self.chance(0.5) else "%s as %s" % (self.choice(items), self.choice(items)))
            if REVERSE.get(c) and self.chance(0.2):
                items.append("count(%s) as n_%s" % (self.choice(REVERSE[c]), "rev"))
            clauses.append("select " + ", ".join(items))
        if not grouped and self.chance(0.4):
            f = self.choice([f for f, _ in SCHEMA[c]])
            clauses.append("order by %s%s" % (f, self.choice(["", " desc", " asc"])))
        if self.chance(0.3):
            clauses.append("limit %d" % self.rng.randint(0, 20) + (" offset %d" % self.rng.randint(0, 10) if self.chance(0.3) else ""))
        if self.chance(0.1):
            self.rng.shuffle(clauses)
        self.last_clauses = (name, clauses)
        return (name + " " + " ".join(clauses)).strip()

    def equivalent(self, name, clauses):
        """The same query written differently, as language.md allows: clauses in another
        order, keywords in upper case, full-width punctuation outside strings, the
        collection's Chinese name, continuation lines."""
        clauses = list(clauses)
        ways = []
        if len(clauses) > 1 and self.chance(0.5):
            self.rng.shuffle(clauses)
            ways.append("clause order")
        if name in CHINESE and self.chance(0.3):
            name = CHINESE[name]
            ways.append("Chinese name")
        text = name + " " + " ".join(clauses)
        parts = re.split(r'("(?:[^"\\]|\\.)*")', text)
        for i in range(0, len(parts), 2):
            seg = parts[i]
            if self.chance(0.5):
                seg = re.sub(r"\b(where|select|and|or|order|by|group|limit|offset|desc|asc|not|in|is|null|between|like|contains|as)\b(?!\()",
                             lambda m: m.group(1).upper(), seg)
                ways.append("upper case") if "upper case" not in ways else None
            if self.chance(0.4):
                seg = "".join(FULL_WIDTH.get(ch, ch) if ch in ",()=<>![]" and self.rng.random() < 0.7 else ch for ch in seg)
                ways.append("full-width") if "full-width" not in ways else None
            parts[i] = seg
        text = "".join(parts)
        if self.chance(0.3) and " where " in text:
            text = text.replace(" where ", "\n  where ", 1)
            ways.append("continuation line")
        return text.strip(), ways

    def query_statement(self):
        r = self.rng.random()
        if r < 0.6:
            return self.query()
        if r < 0.75:
            c = self.source()
            return "count %s where %s" % (c, self.condition(c))
        if r < 0.85:
            return "plan " + self.query()
        if r < 0.95:
            defs = [(c, n) for c, n in self.v.defines]
            c, n = self.choice(defs)
            ids = self.v.ids(c) if c != "streets" else None
            cond = ("id = %d" % self.choice(ids)) if ids else self.condition(c, 1)
            return "explain %s for %s where %s" % (n, c, cond)
        return "suggest pairings where " + self.condition("children", 1).replace("children", "child")

    # ---- changes
    def insert(self):
        return self.insert_into(self.choice(["children", "children", "mothers", "pairings", "visits", "streets", "communities"]))

    def insert_into(self, c):
        fields = [f for f in SCHEMA[c] if f[0] != "id" or self.chance(0.15)]
        chosen = [f for f in fields if self.chance(0.6) or f[0] in ("name", "street")]
        cells = []
        for f, t in chosen:
            if t == "set":
                vals = [self.literal(c, f, t) for _ in range(self.rng.randint(0, 2))]
                cells.append("%s: [%s]" % (f, ", ".join(vals)))
            elif f == "name" and c in ("streets", "communities"):
                cells.append('name: "%s"' % self.choice(["测试街", "新区", "布吉", "坂田2", "x" * self.rng.randint(1, 5)]))
            else:
                cells.append("%s: %s" % (f, self.literal(c, f, t)))
        return "insert %s {%s}" % (c, ", ".join(cells))

    def update(self):
        c = self.choice(["children", "children", "mothers", "pairings", "visits", "streets"])
        settable = [f for f in SCHEMA[c] if f[0] != "id" or self.chance(0.05)]
        sets = []
        for f, t in self.rng.sample(settable, k=min(len(settable), self.rng.randint(1, 3))):
            if t == "set":
                sets.append("%s = [%s]" % (f, self.literal(c, f, t)))
            elif t in ("int",) and self.chance(0.3):
                sets.append("%s = %s %s %s" % (f, f, self.choice(["+", "*", "-"]), self.choice(["1", "2", self.choice(HUGE_NUMBERS)])))
            elif t == "date" and self.chance(0.3):
                sets.append("%s = %s %s %s" % (f, f, self.choice(["+", "-"]), self.duration()))
            else:
                sets.append("%s = %s" % (f, self.choice([self.literal(c, f, t), "null"]) if self.chance(0.9) else "null"))
        return "update %s where %s set %s" % (c, self.condition(c, 1), ", ".join(sets))

    def delete(self):
        c = self.choice(["visits", "visits", "pairings", "children", "mothers", "streets", "communities", "changes"])
        return "delete %s where %s" % (c, self.condition(c, 1))

    def pair(self):
        m, ch = self.choice(self.v.ids("mothers")), self.choice(self.v.ids("children"))
        s = "pair mother %d with child %d" % (m, ch)
        if self.chance(0.5):
            s += " since " + self.literal("pairings", "since", "date")
        if self.chance(0.3):
            s += ' channels ["微信", "电话"]'
        return s

    def end(self):
        s = "end pairing %d" % self.choice(self.v.ids("pairings") + [0, 9999])
        if self.chance(0.6):
            s += " on " + self.literal("pairings", "until", "date")
        if self.chance(0.3):
            s += ' note "转学"'
        return s

    def visit(self):
        s = "visit child %d on %s" % (self.choice(self.v.ids("children")), self.literal("visits", "date", "date"))
        if self.chance(0.6):
            s += " kind " + q(self.choice(["家访", "线上", "电话", "上门"]))
        if self.chance(0.3):
            s += ' note "了解学习情况"'
        return s

    def attach(self):
        photo = os.path.join(ROOT, "examples", "forms", "家访照片.png")
        f = self.choice([photo, photo, os.path.join(ROOT, "examples", "forms"), "/no/such/photo.jpg", "", "x" * self.rng.randint(1, 300)])
        if self.chance(0.5):
            s = "attach %s to visit %d" % (q(f), self.choice(self.v.ids("visits") + [0, 9999]))
        else:
            s = "attach %s to report %d" % (q(f), self.choice(list(range(1, 32)) + [0, 9999]))
        if self.chance(0.4):
            s += ' note "台账"'
        if self.chance(0.3):
            s += " taken " + self.literal("visits", "date", "date")
        return s

    def change(self):
        return self.choice([self.insert, self.insert, self.update, self.update, self.delete, self.pair, self.end, self.visit, self.attach])()

    def id_sequence(self):
        """Deletes the row with the highest id, then inserts without an id: ids are never reused."""
        c = self.choice(["visits", "pairings", "children", "mothers"])
        top = max(self.v.ids(c))
        insert = self.insert_into(c)
        body = ["delete %s where id = %d" % (c, top), insert]
        return "\n".join(["begin"] + body + ["commit"]) if self.chance(0.5) else "\n".join(body)

    def transaction(self):
        body = [self.change() for _ in range(self.rng.randint(1, 4))]
        return "\n".join(["begin"] + body + [self.choice(["commit", "commit", "rollback"])])

    # ---- rule-file statements
    def rule_statement(self):
        text = self.rule_statement_bare()
        if self.chance(0.3):
            text = "# fuzz-comment-%d before\n%s" % (self.rng.randint(0, 999), text)
        if self.chance(0.3):
            text += "  # fuzz-comment-%d after" % self.rng.randint(0, 999)
        elif self.chance(0.3) and " = " in text and not text.startswith("param"):
            # A statement continued over lines, with a comment on a continued line.
            head, body = text.split(" = ", 1)
            text = "%s =  # fuzz-comment-%d inside\n    %s" % (head, self.rng.randint(0, 999), body.replace(" and ", "  # fuzz-comment-%d inside\n    and " % self.rng.randint(0, 999), 1))
        return text

    def define_chain(self, n):
        """n defines each using the one before: the checker and planner must not recurse n deep."""
        lines = ["define children.chain_0 = id > 0"]
        lines += ["define children.chain_%d = chain_%d" % (i, i - 1) for i in range(1, n)]
        return "\n".join(lines)

    def arithmetic(self):
        """(collection, key condition, expression) over a row whose operand is not null."""
        c, f = self.choice([("children", "household_size"), ("children", "medical_cost"), ("children", "birth"),
                            ("children", "registered"), ("pairings", "since"), ("visits", "date")])
        rows = [r for r in self.v.rows[c] if r.get(f)]
        row = self.choice(rows)
        if f in ("birth", "registered", "since", "date"):
            expr = "%s %s %s" % (f, self.choice(["+", "-"]), self.choice(OVERFLOW_DURATIONS[:5] + ["8000 years", "10000 years"]))
        else:
            expr = "%s %s %s" % (f, self.choice(["*", "+", "-"]), self.choice(HUGE_NUMBERS[:4]))
        return c, "id = %s" % row["id"], expr

    def rule_statement_bare(self):
        c = self.choice(["children", "mothers", "pairings", "visits", "streets"])
        n = "fz_%d" % self.rng.randint(0, 999)
        r = self.rng.random()
        if r < 0.35:
            return "define %s.%s = %s" % (c, n, self.condition(c))
        if r < 0.55:
            return 'rule %s.%s "三(一)9 测试条款" = %s' % (c, n, self.condition(c))
        if r < 0.75:
            return 'constraint %s.%s "四(九) 测试约束" = %s' % (c, n, self.condition(c))
        return "param %s = %s" % (n, self.choice(["3", "2 months", '"布吉"', "[\"低保\", \"孤儿\"]", "2019-05-01", "0.5",
                                                   self.choice(HUGE_NUMBERS), self.choice(OVERFLOW_DURATIONS), self.choice(EDGE_DATES)]))

    def dot_command(self):
        return self.choice([".schema", ".schema " + self.choice(CHANGEABLE + ["changes", "儿童", "nope"]), ".rules", ".help",
                            ".help " + self.choice(["where", ".import", "dates", "x"]), ".format " + self.choice(["csv", "json", "table", "tsv", "line", "xml"]),
                            ".today " + self.choice(EDGE_DATES + ["2019-11-30", "x"]), ".param visit_interval " + self.duration(),
                            ".param medical_burden_ratio " + self.choice(HUGE_NUMBERS + ["0.5"]), ".timer on", ".maxrows 3", ".check",
                            ".read /nonexistent.mql", ".today", ".param"])


def import_file(gen, mut, path):
    """A CSV file of a few real rows of a collection (ids beyond the data's, or none), mutated
    as text or bytes; returns the `.import` script that loads it."""
    rng = gen.rng
    c = rng.choice(["visits", "pairings", "children", "mothers", "streets", "communities"])
    rows = rng.sample(gen.v.rows[c], k=min(3, len(gen.v.rows[c])))
    header = list(rows[0].keys())
    if "id" in header:
        top = max(gen.v.ids(c))
        if rng.random() < 0.5:
            header.remove("id")
        for i, r in enumerate(rows):
            r["id"] = str(top + 1 + i)
    lines = [",".join(header)]
    for r in rows:
        cells = []
        for h in header:
            v = r.get(h) or ""
            cells.append('"%s"' % v.replace('"', '""') if any(ch in v for ch in ',"\n') else v)
        lines.append(",".join(cells))
    text = "\n".join(lines) + "\n"
    if rng.random() < 0.8:
        kind = rng.randrange(5)
        if kind == 0:
            text = mut.huge_number(text)
        elif kind == 1:
            text = mut.edge_date(text)
        elif kind == 2:
            text = mut.control_char(text)
        elif kind == 3:
            text = text.replace(",", rng.choice([",,", '","', "，", ""]), 1 + rng.randrange(3))
        else:
            text = mut.byte_flip(text)
    data = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.1:
        data = b"\xef\xbb\xbf" + data
    if rng.random() < 0.1:
        data = data[:rng.randrange(len(data) + 1)]
    with open(path, "wb") as f:
        f.write(data)
    return ".import %s %s" % (c, path)


def command_line(gen):
    """(argv, changes_nothing): an invocation of a subcommand or of options, often at the
    edges (dates 0001/9999, huge params, relative paths). changes_nothing: the dataset must
    stay byte-identical (a dry run, an export, a read)."""
    rng = gen.rng
    street = gen.v.pick(rng, "streets", "name")
    r = rng.random()
    if r < 0.35:
        argv = ["--today", rng.choice(EDGE_DATES + ["2019-11-30", "2019-02-29", "x"])]
        for _ in range(rng.randint(0, 2)):
            argv += ["--param", rng.choice(["visit_interval=" + gen.duration(), "medical_burden_ratio=" + rng.choice(HUGE_NUMBERS + ["0", "-1", "0.5"]),
                                            "due_soon_window=" + rng.choice(OVERFLOW_DURATIONS), 'tag_vocabulary=["低保"]', "nope=1", "visit_interval"])]
        argv += ["--format", rng.choice(["json", "csv", "tsv", "table", "line"]), "-c",
                 rng.choice(["pairings where overdue or due_soon select id, visit_due", "children where eligible select id, age",
                             "count children where age > 3", "streets select name, approved"])]
        return argv, True
    if r < 0.55:
        what = rng.choice(["附件2", "附件3", "children where street = %s" % q(street), "visits", "附件9", ""])
        out = rng.choice(["out.csv", "sub/dir/out.csv", "./x.csv", "/proc/mql-fuzz-missing/x.csv", "out.xlsx", ""])
        return ["export", what, "--street", rng.choice([street, "布几", ""]), "--out", out], True
    if r < 0.8:
        form = rng.choice(["附件1", "附件2", "附件3", "附件9"])
        forms = sorted(os.listdir(os.path.join(ROOT, "examples", "forms")))
        f = os.path.join(ROOT, "examples", "forms", rng.choice(forms)) if rng.random() < 0.9 else "/nonexistent.csv"
        return ["import", form, f, "--street", rng.choice([street, "布吉", "布几"]), "--dry-run"], True
    if r < 0.9:
        return ["gen", "--children", rng.choice(["0", "-1", "3", "abc", ""]), "--out", rng.choice(["gen-out", "", "/proc/mql-fuzz-missing/g"])], True
    return ["impact", "--with", rng.choice([RULES, "/nonexistent.mql"]), "--format", "json"], True


class Mutator:
    """Byte and token mutations of a statement's text."""

    TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\d{4}-\d{2}(?:-\d{2})?|\d+(?:\.\d+)?|[\w\u4e00-\u9fff]+|\S')

    def __init__(self, rng):
        self.rng = rng

    def tokens(self, text):
        return self.TOKEN.findall(text)

    def mutate(self, text, rounds=None):
        for _ in range(rounds or self.rng.randint(1, 3)):
            text = self.rng.choice(self.OPS)(self, text)
        return text

    def delete_token(self, text):
        t = self.tokens(text)
        if len(t) > 1:
            del t[self.rng.randrange(len(t))]
        return " ".join(t)

    def duplicate_token(self, text):
        t = self.tokens(text)
        if t:
            i = self.rng.randrange(len(t))
            t.insert(i, t[i])
        return " ".join(t)

    def swap_tokens(self, text):
        t = self.tokens(text)
        if len(t) > 1:
            i, j = self.rng.randrange(len(t)), self.rng.randrange(len(t))
            t[i], t[j] = t[j], t[i]
        return " ".join(t)

    def insert_keyword(self, text):
        t = self.tokens(text)
        t.insert(self.rng.randrange(len(t) + 1), self.rng.choice(KEYWORDS))
        return " ".join(t)

    def huge_number(self, text):
        nums = list(re.finditer(r"(?<![\d-])\d+(?![\d-])", text))
        big = self.rng.choice(HUGE_NUMBERS)
        if nums:
            m = self.rng.choice(nums)
            return text[:m.start()] + big + text[m.end():]
        return text + " limit " + big

    def edge_date(self, text):
        dates = list(re.finditer(r"\d{4}-\d{2}(?:-\d{2})?", text))
        if dates:
            m = self.rng.choice(dates)
            return text[:m.start()] + self.rng.choice(EDGE_DATES) + text[m.end():]
        return text.replace(" where ", " where birth + %s > %s and " % (self.rng.choice(OVERFLOW_DURATIONS), self.rng.choice(EDGE_DATES)), 1)

    def overflow_duration(self, text):
        m = re.search(r"\d+ (days?|weeks?|months?|years?)", text)
        if m:
            return text[:m.start()] + self.rng.choice(OVERFLOW_DURATIONS) + text[m.end():]
        return text.replace(" where ", " where today() - %s < today() and " % self.rng.choice(OVERFLOW_DURATIONS), 1)

    def deep_nesting(self, text):
        n = self.rng.choice([50, 199, 201, 1000, 5000, 30000])
        kind = self.rng.randrange(4)
        if kind == 0:
            expr = "(" * n + "1" + ")" * n + " = 1"
        elif kind == 1:
            expr = " and ".join(["id > 0"] * n)
        elif kind == 2:
            expr = "not " * n + "true"
        else:
            expr = "1" + " + 1" * n + " > 0"
        if " where " in text:
            return text.replace(" where ", " where %s and " % expr, 1)
        return "children where " + expr

    def full_width(self, text):
        chars = list(text)
        for i, ch in enumerate(chars):
            if ch in FULL_WIDTH and self.rng.random() < 0.5:
                chars[i] = FULL_WIDTH[ch]
        return "".join(chars)

    def control_char(self, text):
        i = self.rng.randrange(len(text) + 1)
        return text[:i] + self.rng.choice(CONTROL) + text[i:]

    def huge_literal(self, text):
        big = self.rng.choice(["王" * 100000, "a" * 1000000, "\\u{1F600}" * 1000, "%" * 5000, "\\" * 3, "\\u{110000}", "\\u{D800}"])
        strings = list(re.finditer(r'"(?:[^"\\]|\\.)*"', text))
        if strings:
            m = self.rng.choice(strings)
            return text[:m.start()] + '"' + big + '"' + text[m.end():]
        return text + ' and name = "' + big + '"'

    def byte_flip(self, text):
        b = bytearray(text.encode("utf-8"))
        if b:
            i = self.rng.randrange(len(b))
            b[i] ^= 1 << self.rng.randrange(8)
        return b.decode("utf-8", "replace")

    def truncate(self, text):
        return text[:self.rng.randrange(len(text) + 1)]

    def splice_newline(self, text):
        t = self.tokens(text)
        if t:
            t.insert(self.rng.randrange(len(t) + 1), self.rng.choice(["\n", "\n  ", ";", "#", "\n\n"]))
        return " ".join(t)

    OPS = [delete_token, duplicate_token, swap_tokens, insert_keyword, huge_number, huge_number, edge_date,
           overflow_duration, deep_nesting, full_width, control_char, huge_literal, byte_flip, truncate, splice_newline]
