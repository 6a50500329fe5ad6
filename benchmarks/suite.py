"""The benchmark suite: MQL statements and the equivalent SQL (issue 6).

Each entry is (id, mql, sql, ordered). `ordered` means the statement has an `order by`
that SQL can reproduce exactly (numeric keys, ties by id as mql breaks them), so results
are compared row by row in order; every other result is compared as a multiset of rows.

SQL is written once for both engines. Engine differences are hidden behind macros that
run.py expands (see `expand`):

  @TAG(alias, '低保')   set membership, exact element ("低保" in tags).
                        SQLite: a normalised table child_tags(child, tag) with an index on
                        (tag, child):  alias.id IN (SELECT child FROM child_tags WHERE tag = '低保')
                        DuckDB: tags is a VARCHAR[] column: list_contains(alias.tags, '低保')
  @AGE(expr)            full years from expr to today (2019-11-30); null stays null.

Dates are stored as TEXT 'YYYY-MM-DD' in SQLite (so comparisons with '2019-09-30' literals
are string comparisons, which order the same) and as DATE in DuckDB. The derived values of
examples/rules/*.mql are translated below with today fixed at 2019-11-30:

  pairings.active          = until is null or until > today()
  children.unpaired        = not exists(pairings where active)
  mothers.unpaired         = not exists(pairings where active)
  pairings.last_home_visit = max(visits where kind = "家访" select date)
  pairings.overdue         = active and coalesce(last_home_visit, since) < today() - 2 months
                             (2019-11-30 - 2 months = 2019-09-30, calendar months)
  children.eligible        = 低保 or 孤儿优抚 or 单亲困难 or 灾害 or 大病 or 其他困难
  children.age             = age(birth)

MQL's null rule (a comparison with null is false, never unknown; `not` of false is true)
differs from SQL's three-valued logic; where a comparison with a nullable operand sits under
`not`, the SQL wraps it in COALESCE(…, FALSE).
"""

TODAY = "2019-11-30"
CUTOFF = "2019-09-30"  # today - visit_interval (2 months, calendar months)


def ACTIVE(p):
    return f"({p}.until IS NULL OR {p}.until > '{TODAY}')"


def LAST_HOME_VISIT(p):
    return f"(SELECT max(vv.date) FROM visits vv WHERE vv.pairing = {p}.id AND vv.kind = '家访')"


def OVERDUE(p):
    return f"({ACTIVE(p)} AND COALESCE({LAST_HOME_VISIT(p)}, {p}.since) < '{CUTOFF}')"


def CHILD_UNPAIRED(c):
    return f"(NOT EXISTS (SELECT 1 FROM pairings pp WHERE pp.child = {c}.id AND {ACTIVE('pp')}))"


def MOTHER_UNPAIRED(m):
    return f"(NOT EXISTS (SELECT 1 FROM pairings pp WHERE pp.mother = {m}.id AND {ACTIVE('pp')}))"


def ELIGIBLE(c):
    t = lambda tag: f"@TAG({c}, '{tag}')"
    rules = [
        # 三(一)1 低保
        t("低保"),
        # 三(一)2 孤儿优抚
        f"(({t('孤儿')} OR {t('烈士家庭')} OR {t('优抚家庭')}) AND {t('无直接经济来源')})",
        # 三(一)3 单亲困难
        f"(({t('单亲')} OR {t('父母重病')} OR {t('父母残疾')}) AND {t('缺乏劳动力')}"
        f" AND {t('无固定收入')} AND {t('亲友无力资助')})",
        # 三(一)4 灾害
        f"({t('自然灾害')} OR {t('突发事件')})",
        # 三(一)5 大病: 超出承受能力 = medical_cost > household_income * 12 * medical_burden_ratio (0.5);
        # an unknown cost or income makes the comparison false, not unknown.
        f"(({t('重大疾病')} OR {t('意外事故')}) AND {t('长期治疗')}"
        f" AND COALESCE({c}.medical_cost > {c}.household_income * 12 * 0.5, FALSE))",
        # 三(一)6 其他困难
        t("其他特殊困难"),
    ]
    return "(" + " OR ".join(rules) + ")"


CHILD_COLUMNS = ("id, name, gender, birth, street, community, guardian, guardian_phone, address, tags, reason, "
                 "household_size, household_income, medical_cost, status, review, registered")
MOTHER_COLUMNS = "id, name, org, title, phone, level, street, community, roles"

SUITE = [
    # --- count and equality on streets / communities / status / level
    ("count", 'count children',
     "SELECT count(*) FROM children", False),
    ("eq-street-count", 'count children where street = "布吉"',
     "SELECT count(*) FROM children WHERE street = '布吉'", False),
    ("eq-street-status", 'children where street = "布吉" and status = "已审核" select id, name, birth',
     "SELECT id, name, birth FROM children WHERE street = '布吉' AND status = '已审核'", False),
    ("eq-community", 'children where community = "新联" select id, name, street',
     "SELECT id, name, street FROM children WHERE community = '新联'", False),
    ("eq-status-count", 'count children where status = "待审核"',
     "SELECT count(*) FROM children WHERE status = '待审核'", False),
    ("eq-level", 'mothers where level = "区" select id, name, org',
     "SELECT id, name, org FROM mothers WHERE level = '区'", False),
    ("eq-level-street", 'count mothers where level = "社区" and street = "布吉"',
     "SELECT count(*) FROM mothers WHERE level = '社区' AND street = '布吉'", False),
    ("key-full-row", 'children where id = 777',
     f"SELECT {CHILD_COLUMNS} FROM children WHERE id = 777", False),
    ("key-range-full", 'mothers where id between 100 and 105',
     f"SELECT {MOTHER_COLUMNS} FROM mothers WHERE id BETWEEN 100 AND 105", False),
    # --- date and number ranges
    ("date-between", 'children where birth between 2010-01-01 and 2010-03-31 select id, name, birth',
     "SELECT id, name, birth FROM children WHERE birth BETWEEN '2010-01-01' AND '2010-03-31'", False),
    ("int-lt-count", 'count children where household_income < 500',
     "SELECT count(*) FROM children WHERE household_income < 500", False),
    ("int-between-and", 'children where household_income between 1000 and 1200 and household_size >= 5 '
                        'select id, household_income, household_size',
     "SELECT id, household_income, household_size FROM children "
     "WHERE household_income BETWEEN 1000 AND 1200 AND household_size >= 5", False),
    ("date-ge-count", 'count visits where date >= 2019-11-01',
     "SELECT count(*) FROM visits WHERE date >= '2019-11-01'", False),
    ("int-gt", 'children where medical_cost > 300000 select id, name, medical_cost',
     "SELECT id, name, medical_cost FROM children WHERE medical_cost > 300000", False),
    ("date-gt-count", 'count children where registered > 2019-05-20',
     "SELECT count(*) FROM children WHERE registered > '2019-05-20'", False),
    ("not-null-semantics", 'count children where not (household_income > 3000)',
     "SELECT count(*) FROM children WHERE NOT COALESCE(household_income > 3000, FALSE)", False),
    # --- in lists
    ("in-list-count", 'count children where street in ["布吉", "平湖", "坂田"]',
     "SELECT count(*) FROM children WHERE street IN ('布吉', '平湖', '坂田')", False),
    ("in-lists", 'children where status in ["待审核", "不通过"] and household_size in [1, 2] '
                 'select id, status, household_size',
     "SELECT id, status, household_size FROM children "
     "WHERE status IN ('待审核', '不通过') AND household_size IN (1, 2)", False),
    # --- set membership in tags (exact element)
    ("tag-count", 'count children where "低保" in tags',
     "SELECT count(*) FROM children c WHERE @TAG(c, '低保')", False),
    ("tag-and", 'children where "单亲" in tags and "缺乏劳动力" in tags select id, name, tags',
     "SELECT id, name, tags FROM children c WHERE @TAG(c, '单亲') AND @TAG(c, '缺乏劳动力')", False),
    ("tag-contains-rare", 'count children where tags contains "单亲家庭"',
     "SELECT count(*) FROM children c WHERE @TAG(c, '单亲家庭')", False),
    ("tag-or", 'count children where "孤儿" in tags or "烈士家庭" in tags',
     "SELECT count(*) FROM children c WHERE @TAG(c, '孤儿') OR @TAG(c, '烈士家庭')", False),
    # --- text contains / like
    ("like-prefix", 'children where name like "王%" select id, name',
     "SELECT id, name FROM children WHERE name LIKE '王%'", False),
    ("contains-count", 'count children where reason contains "低保"',
     "SELECT count(*) FROM children WHERE reason LIKE '%低保%'", False),
    ("like-two", 'mothers where org like "%社区妇联" and name like "李_" select id, name, org',
     "SELECT id, name, org FROM mothers WHERE org LIKE '%社区妇联' AND name LIKE '李_'", False),
    ("contains-address", 'count children where address contains "吉华路"',
     "SELECT count(*) FROM children WHERE address LIKE '%吉华路%'", False),
    # --- navigation
    ("nav-two", 'pairings where child.street = "布吉" and mother.level = "区" select id, mother.name, child.name',
     "SELECT p.id, m.name, c.name FROM pairings p LEFT JOIN mothers m ON m.id = p.mother "
     "LEFT JOIN children c ON c.id = p.child WHERE c.street = '布吉' AND m.level = '区'", False),
    ("nav-deep", 'visits where pairing.child.street = "平湖" and kind = "家访" and date >= 2019-11-01 '
                 'select id, date, pairing.mother.name',
     "SELECT v.id, v.date, m.name FROM visits v LEFT JOIN pairings p ON p.id = v.pairing "
     "LEFT JOIN children c ON c.id = p.child LEFT JOIN mothers m ON m.id = p.mother "
     "WHERE c.street = '平湖' AND v.kind = '家访' AND v.date >= '2019-11-01'", False),
    ("nav-like", 'pairings where mother.name like "张%" select id, mother.name, child.name, since',
     "SELECT p.id, m.name, c.name, p.since FROM pairings p LEFT JOIN mothers m ON m.id = p.mother "
     "LEFT JOIN children c ON c.id = p.child WHERE m.name LIKE '张%'", False),
    # --- reverse references
    ("rev-count", 'children where count(pairings) >= 2 select id, name, count(pairings where active) as active_pairings',
     "SELECT c.id, c.name, (SELECT count(*) FROM pairings pp WHERE pp.child = c.id AND "
     + ACTIVE("pp") + ") FROM children c WHERE (SELECT count(*) FROM pairings pq WHERE pq.child = c.id) >= 2", False),
    ("rev-zero", 'count mothers where level = "区" and count(pairings where active) = 0',
     "SELECT count(*) FROM mothers m WHERE m.level = '区' AND "
     "(SELECT count(*) FROM pairings pp WHERE pp.mother = m.id AND " + ACTIVE("pp") + ") = 0", False),
    ("rev-streets", 'streets select name, quota, count(children where status = "已审核") as approved',
     "SELECT s.name, s.quota, (SELECT count(*) FROM children c WHERE c.street = s.name AND c.status = '已审核') "
     "FROM streets s", False),
    ("rev-visits", 'pairings where active and count(visits where kind = "家访") = 0 select id, since',
     "SELECT p.id, p.since FROM pairings p WHERE " + ACTIVE("p") +
     " AND (SELECT count(*) FROM visits vv WHERE vv.pairing = p.id AND vv.kind = '家访') = 0", False),
    # --- group by with aggregates
    ("group-street", 'children group by street select street, count() as n, avg(household_income) as avg_income, '
                     'max(medical_cost) as max_cost',
     "SELECT street, count(*), avg(household_income), max(medical_cost) FROM children GROUP BY street", False),
    ("group-two-keys", 'children where status = "已审核" group by street, gender '
                       'select street, gender, count() as n, sum(household_size) as people',
     "SELECT street, gender, count(*), sum(household_size) FROM children WHERE status = '已审核' "
     "GROUP BY street, gender", False),
    ("group-kind", 'visits group by kind select kind, count() as n, min(date) as first, max(date) as last',
     "SELECT kind, count(*), min(date), max(date) FROM visits GROUP BY kind", False),
    ("group-nav", 'pairings group by child.street select child.street, count() as n',
     "SELECT c.street, count(*) FROM pairings p LEFT JOIN children c ON c.id = p.child GROUP BY c.street", False),
    ("group-age", 'children group by age select age, count() as n',
     "SELECT @AGE(birth), count(*) FROM children GROUP BY 1", False),
    # --- order by with limit (ties: mql keeps id order; SQL adds `, id`)
    ("top-income", 'children order by household_income desc limit 10 select id, name, household_income',
     "SELECT id, name, household_income FROM children ORDER BY household_income DESC NULLS LAST, id LIMIT 10", True),
    ("top-birth-street", 'children where street = "龙城" order by birth limit 20 select id, name, birth',
     "SELECT id, name, birth FROM children WHERE street = '龙城' ORDER BY birth NULLS LAST, id LIMIT 20", True),
    ("top-visits", 'visits where kind = "家访" order by date desc limit 15 select id, pairing, date',
     "SELECT id, pairing, date FROM visits WHERE kind = '家访' ORDER BY date DESC NULLS LAST, id LIMIT 15", True),
    ("top-two-keys", 'children order by medical_cost desc, household_income limit 25 '
                     'select id, medical_cost, household_income',
     "SELECT id, medical_cost, household_income FROM children "
     "ORDER BY medical_cost DESC NULLS LAST, household_income NULLS LAST, id LIMIT 25", True),
    # --- derived values of the rule files
    ("unpaired-count", 'count children where unpaired',
     "SELECT count(*) FROM children c WHERE " + CHILD_UNPAIRED("c"), False),
    ("unpaired-street", 'children where street = "布吉" and unpaired select id, name, status',
     "SELECT c.id, c.name, c.status FROM children c WHERE c.street = '布吉' AND " + CHILD_UNPAIRED("c"), False),
    ("overdue-count", 'count pairings where overdue',
     "SELECT count(*) FROM pairings p WHERE " + OVERDUE("p"), False),
    ("overdue-list", 'pairings where overdue select id, mother.name, child.name, child.street, last_home_visit',
     "SELECT p.id, m.name, c.name, c.street, " + LAST_HOME_VISIT("p") + " FROM pairings p "
     "LEFT JOIN mothers m ON m.id = p.mother LEFT JOIN children c ON c.id = p.child WHERE " + OVERDUE("p"), False),
    ("last-visit-top", 'pairings where active order by last_home_visit desc limit 20 select id, last_home_visit',
     "SELECT p.id, " + LAST_HOME_VISIT("p") + " AS lhv FROM pairings p WHERE " + ACTIVE("p") +
     " ORDER BY lhv DESC NULLS LAST, p.id LIMIT 20", True),
    ("eligible-count", 'count children where eligible',
     "SELECT count(*) FROM children c WHERE " + ELIGIBLE("c"), False),
    ("eligible-group", 'children where eligible and status = "已审核" group by street select street, count() as n',
     "SELECT c.street, count(*) FROM children c WHERE " + ELIGIBLE("c") + " AND c.status = '已审核' GROUP BY c.street",
     False),
    ("not-eligible", 'children where status = "已审核" and not eligible select id, name, tags',
     "SELECT c.id, c.name, c.tags FROM children c WHERE c.status = '已审核' AND NOT " + ELIGIBLE("c"), False),
    ("mothers-unpaired", 'mothers where unpaired group by level select level, count() as n',
     "SELECT m.level, count(*) FROM mothers m WHERE " + MOTHER_UNPAIRED("m") + " GROUP BY m.level", False),
    ("age-tag-top", 'children where age between 6 and 12 and "低保" in tags '
                    'select name, community, age order by age desc limit 5',
     "SELECT c.name, c.community, @AGE(c.birth) AS age FROM children c "
     "WHERE @AGE(c.birth) BETWEEN 6 AND 12 AND @TAG(c, '低保') ORDER BY age DESC NULLS LAST, c.id LIMIT 5", True),
]

# The query of the whole-process comparison (`mql -c` vs `sqlite3 file.db` vs the DuckDB CLI):
# a count over two indexed equalities.
PROCESS_QUERY = ('count children where street = "布吉" and status = "已审核"',
                 "SELECT count(*) FROM children WHERE street = '布吉' AND status = '已审核';")
