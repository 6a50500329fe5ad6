// `.help [topic]`: the REPL's help, in English and Chinese (Messages picks the language).
// Every topic ends with examples that run as shown on the shipped example data (the
// tests run each topic's examples in a fresh `mql`); keywords stay English in both
// languages. The list of dot commands comes from DotCommand, so it cannot drift.

import MQL

struct HelpTopic {
    let name: String
    let aliases: [String]
    let summary: (en: String, zh: String)
    let body: (en: String, zh: String)
    /// Statements and dot commands, one per line, each runnable in order from a fresh start.
    let examples: [String]
}

enum Help {
    static var topicNames: [String] { topics.map(\.name) + DotCommand.all.map(\.name) }

    static func topic(named raw: String) -> HelpTopic? {
        let name = raw.lowercased()
        return topics.first { $0.name == name || $0.aliases.contains(name) }
    }

    /// `.help` alone: the topics, the dot commands and the keys.
    static func overview(_ m: Messages) -> String {
        var out = m.chinese
            ? "MQL：对“妇联妈妈”项目数据提问，并把政策写成规则。语句以换行或 ; 结束；未写完的语句会自动续行。\n\n"
            : "MQL asks questions of the 妇联妈妈 programme's data and states its policy as rules.\nA statement ends at a newline or ;, and an unfinished one continues on the next line.\n\n"
        out += m.helpTopicsTitle + "\n"
        let width = topics.map { DisplayWidth.of($0.name) }.max() ?? 0
        for t in topics {
            out += "  " + padded(t.name, to: width + 2) + (m.chinese ? t.summary.zh : t.summary.en) + "\n"
        }
        out += "\n" + commandList(m)
        out += "\n" + (m.chinese
            ? "Tab 补全关键字、集合、字段、参数和取值（可用拼音：street = \"bj 再按 Tab → \"布吉\"）。\n↑/↓ 翻阅历史；Ctrl-C 清除当前输入或取消正在运行的查询；Ctrl-D 退出。\n"
            : "Tab completes keywords, collections, fields, params and values (pinyin works: street = \"bj then Tab → \"布吉\").\nUp/Down recall history; Ctrl-C clears the input or cancels a running query; Ctrl-D quits.\n")
        return out
    }

    /// Padded to a display width: a synopsis with Chinese (附件2) is wider than its count
    /// of characters, so padding by characters shifted the summaries after it.
    static func padded(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - DisplayWidth.of(text)))
    }

    static func commandList(_ m: Messages) -> String {
        var out = m.helpCommandsTitle + "\n"
        let width = DotCommand.all.map { DisplayWidth.of($0.synopsis) }.max() ?? 0
        for c in DotCommand.all {
            var line = "  " + padded(c.synopsis, to: width + 2) + (m.chinese ? c.summary.zh : c.summary.en)
            if !c.available { line += m.chinese ? "（" + m.helpComing + "）" : " (" + m.helpComing + ")" }
            out += line + "\n"
        }
        return out
    }

    /// `.help TOPIC`: a topic, or one dot command.
    static func text(for raw: String, _ m: Messages) -> String? {
        if let t = topic(named: raw) {
            var out = (m.chinese ? t.body.zh : t.body.en) + "\n"
            if t.name == "commands" { out += "\n" + commandList(m) }
            out += "\n" + m.helpExamples + "\n"
            for e in t.examples { out += "  " + e + "\n" }
            return out
        }
        let name = raw.hasPrefix(".") ? raw : "." + raw
        if let c = DotCommand.named(name) {
            var out = c.synopsis + "\n  " + (m.chinese ? c.summary.zh : c.summary.en) + "\n"
            if !c.available { out += "  " + m.notAvailableYet(c.name) + "\n" }
            if !c.examples.isEmpty {
                out += "\n" + m.helpExamples + "\n"
                for e in c.examples { out += "  " + e + "\n" }
            }
            return out
        }
        return nil
    }

    static let topics: [HelpTopic] = [
        HelpTopic(
            name: "queries", aliases: ["query", "where", "select", "order", "limit"],
            summary: ("ask for rows: SOURCE where … select … order by … limit …", "查询行：SOURCE where … select … order by … limit …"),
            body: ("""
                SOURCE [where EXPR] [group by EXPR, …] [select ITEM, …] [order by KEY [desc], …] [limit N [offset M]]
                SOURCE is a collection: children, mothers, pairings, visits, streets, communities.
                Clauses come in any order, each at most once. Without select, every stored field is shown.
                select ITEM [as NAME]; order by sorts text in pinyin order, nulls last.
                count QUERY gives the number of rows.
                """, """
                SOURCE [where 条件] [group by 表达式, …] [select 项, …] [order by 键 [desc], …] [limit N [offset M]]
                SOURCE 是一个集合：children、mothers、pairings、visits、streets、communities。
                子句顺序不限，每种最多一次。不写 select 时显示全部存储字段。
                select 项 [as 名称]；order by 对文本按拼音排序，空值排在最后。
                count 查询 给出行数。
                """),
            examples: [
                "children where street = \"布吉\" and unpaired select name, community, age",
                "children where age between 6 and 12 and \"低保\" in tags select name, community, age order by age desc limit 5",
                "count mothers where level = \"社区\" and unpaired",
                "pairings where overdue select mother.name, child.name, child.street, last_home_visit",
            ]),
        HelpTopic(
            name: "expressions", aliases: ["expression", "operators", "null", "in", "like"],
            summary: ("comparisons, and/or/not, in, contains, like, between, is null, paths", "比较、and/or/not、in、contains、like、between、is null、路径"),
            body: ("""
                Compare with = != < <= > >=; combine with and, or, not.
                X in [..], "低保" in tags, tags contains "低保", X in (QUERY select e).
                Text: name contains "小", name like "王%" (% any run, _ one character).
                X between A and B (inclusive); X is null, X is not null.
                Follow references with .: child.street.quota, mother.name. In a row, the name of a
                collection that refers to it is that row's set: in children, pairings.
                A comparison with null is false; use is null. Arithmetic: + - * /, date ± duration.
                """, """
                比较：= != < <= > >=；组合：and、or、not。
                X in [..]、"低保" in tags、tags contains "低保"、X in (查询 select e)。
                文本：name contains "小"，name like "王%"（% 任意多个字符，_ 一个字符）。
                X between A and B（含两端）；X is null、X is not null。
                用 . 沿引用取值：child.street.quota、mother.name。在一行里，引用它的集合名就是这一行的
                相关行集：在 children 里，pairings 是该儿童的结对。
                与 null 比较结果为 false；判断空值请用 is null。算术：+ - * /，日期 ± 时长。
                """),
            examples: [
                "children where name like \"王%\" and \"低保\" in tags select name, tags",
                "children where household_income is null select name, street limit 3",
                "mothers where street in [\"布吉\", \"坂田\"] and title contains \"主任\" select name, street, title limit 5",
                "children where count(pairings) > 1 select id, name, count(pairings) as n",
            ]),
        HelpTopic(
            name: "functions", aliases: ["function", "calls"],
            summary: ("today(), age(), len(), coalesce(), pinyin(), count(…) and more", "today()、age()、len()、coalesce()、pinyin()、count(…) 等函数"),
            body: ("""
                today()  age(date)  months_between(a, b)  days_between(a, b)  year(d)  month(d)  day(d)
                len(x)  lower(x)  upper(x)  trim(x)  left(x, n)  right(x, n)  coalesce(a, b, …)  if(c, a, b)
                abs(x)  round(x [, digits])  pinyin(x)  initials(x)  difference(a, b)  intersection(a, b)
                Over a subquery or in a grouped select: count()  sum(e)  avg(e)  min(e)  max(e)  exists(…)
                """, """
                today()  age(日期)  months_between(a, b)  days_between(a, b)  year(d)  month(d)  day(d)
                len(x)  lower(x)  upper(x)  trim(x)  left(x, n)  right(x, n)  coalesce(a, b, …)  if(条件, a, b)
                abs(x)  round(x [, 位数])  pinyin(x)  initials(x)  difference(a, b)  intersection(a, b)
                对子查询或分组 select：count()  sum(e)  avg(e)  min(e)  max(e)  exists(…)
                """),
            examples: [
                "children select name, age(birth), len(tags), pinyin(name), initials(name) limit 3",
                "streets select name, quota, count(children where status = \"已审核\") as approved",
                "children select name, coalesce(household_income, 0) as income limit 3",
            ]),
        HelpTopic(
            name: "group", aliases: ["aggregates", "aggregate", "group by"],
            summary: ("group by with count(), sum(), avg(), min(), max()", "group by 分组与 count()、sum()、avg()、min()、max()"),
            body: ("""
                With group by, select holds group keys and aggregates: count() sum(e) avg(e) min(e) max(e).
                Aggregates without group by give one row. They skip nulls; a null key is its own group.
                """, """
                有 group by 时，select 只能写分组键和聚合：count() sum(e) avg(e) min(e) max(e)。
                没有 group by 的聚合给出一行。聚合忽略空值；空的分组键自成一组。
                """),
            examples: [
                "children group by street select street, count() as n order by n desc",
                "children where eligible group by street select street, count() as n, avg(age) as mean_age order by n desc limit 5",
                "children select count(), min(birth), max(birth)",
            ]),
        HelpTopic(
            name: "dates", aliases: ["date", "durations", "today"],
            summary: ("date literals, durations, today(), .today", "日期字面量、时长、today()、.today"),
            body: ("""
                Dates: 2019-05-15, and 2019-05 for the 1st of the month. Durations: N days, weeks, months, years.
                date ± duration is a date (calendar months); date - date is days.
                today() is the run's date: --today DATE on the command line, .today DATE in the REPL.
                """, """
                日期：2019-05-15；2019-05 表示该月 1 日。时长：N days、weeks、months、years。
                日期 ± 时长 得到日期（按日历月计）；日期 - 日期 得到天数。
                today() 是本次运行的日期：命令行用 --today 日期，REPL 中用 .today 日期。
                """),
            examples: [
                ".today 2019-11-30",
                "visits where kind = \"家访\" and date >= 2019-09-30 - 2 months select id, date, kind limit 5",
                "children where registered between 2019-05 and 2019-05-31 select name, registered limit 5",
                "today() - 2019-01-01",
            ]),
        HelpTopic(
            name: "rules", aliases: ["define", "rule", "constraint", "param", "params"],
            summary: ("define, rule, constraint and param, as written in rule files", "define、rule、constraint、param：规则文件的写法"),
            body: ("""
                define C.NAME = EXPR                  a computed field of collection C
                rule C.NAME "CITATION" = EXPR         a boolean define carrying its clause of the notice
                constraint C.NAME "CITATION" = EXPR   must hold for every row; changes that break it are refused
                param NAME = LITERAL                  a policy constant; .param NAME VALUE overrides it
                Rule files are loaded at start (--rules). A define typed in the REPL lasts for the session.
                .rules lists them all with citations; .schema C shows a collection's fields and defines.
                """, """
                define C.名称 = 表达式             集合 C 的计算字段
                rule C.名称 "条款" = 表达式        带通知条款的布尔定义
                constraint C.名称 "条款" = 表达式  每一行都必须满足；破坏它的修改会被拒绝
                param 名称 = 字面量                政策参数；.param 名称 值 可临时覆盖
                规则文件在启动时载入（--rules）。在 REPL 里输入的 define 在本次会话内有效。
                .rules 列出全部规则及条款；.schema C 显示一个集合的字段与定义。
                """),
            examples: [
                "define children.小学生 = age between 6 and 12",
                "count children where 小学生 and unpaired",
                ".param visit_interval 3 months",
                "count pairings where overdue",
                ".rules",
            ]),
        HelpTopic(
            name: "explain", aliases: ["plan", "why"],
            summary: ("explain NAME for QUERY: why a rule holds; plan QUERY: how it runs", "explain 名称 for 查询：规则为何成立；plan 查询：如何执行"),
            body: ("""
                explain NAME for QUERY shows, for each row, the tree of sub-rules and sub-expressions
                that decided the define or rule NAME, each rule with its citation.
                plan QUERY shows which index serves which predicate, with estimated and actual rows.
                """, """
                explain 名称 for 查询：对每一行，显示决定该定义或规则取值的子规则与子表达式树，
                每条规则附带其条款。
                plan 查询：显示每个条件使用的索引，以及估计与实际的行数。
                """),
            examples: [
                "explain eligible for children where id = 17",
                "plan children where street = \"布吉\" and age > 10",
            ]),
        HelpTopic(
            name: "tests", aliases: ["test", "save-test"],
            summary: ("test cases in rule files; .save-test turns your last query into one", "规则文件中的测试用例；.save-test 把上一条查询存为测试"),
            body: ("""
                A rule file can hold test cases: given rows, then what the rules must say about them.
                  test "NAME" { given today DATE  given C {field: value, …}  expect NAME of C KEY = VALUE
                                expect count QUERY = N  expect violation CONSTRAINT [of KEY] }
                .save-test NAME [FILE] turns the last query and its result into such a test: the matching
                rows (a sample of at most 5, plus 3 that do not match) and the rows they need, the
                count, and the value of each define or rule selected. It is checked to pass before it is
                appended to FILE (default saved_tests.mql). Run with: mql test FILE.
                """, """
                规则文件可以包含测试用例：给定若干行，再写出规则对它们应得的结论。
                  test "名称" { given today 日期  given C {字段: 值, …}  expect 名称 of C 键 = 值
                                expect count 查询 = N  expect violation 约束 [of 键] }
                .save-test 名称 [文件]：把上一条查询及其结果变成这样的测试：匹配的行（最多取 5 行，
                另加 3 行不匹配的）及其关联数据、行数，以及所选每个定义或规则的取值。写入文件
                （默认 saved_tests.mql）前会先确认它能通过。运行：mql test 文件。
                """),
            examples: [
                "children where street = \"布吉\" and unpaired select name, eligible",
                ".save-test 布吉未结对儿童 /tmp/saved_tests.mql",
            ]),
        HelpTopic(
            name: "formats", aliases: ["format", "output", "maxrows"],
            summary: (".format table|csv|tsv|json|line and .maxrows", ".format table|csv|tsv|json|line 与 .maxrows"),
            body: ("""
                table: aligned columns (a Chinese character is two columns wide); long results show the
                first and last rows and "… N more rows" (.maxrows N, 0 for all, auto to fit the terminal);
                wide ones cut cells with ….  csv (RFC 4180), tsv, json (JSON Lines), line (one field per line).
                A workbook goes to a file: .export QUERY FILE.xlsx here, mql --format xlsx --out FILE.xlsx.
                Phone numbers and addresses are masked unless mql was started with --unmask.
                """, """
                table：按列对齐（一个汉字占两列宽）；结果较长时显示首尾若干行和“… 另有 N 行”
                （.maxrows N；0 表示全部；auto 表示适应终端高度）；过宽的单元格用 … 截断。
                csv（RFC 4180）、tsv、json（JSON Lines）、line（每行一个字段）。
                工作簿只能写入文件：在此用 .export 查询 文件.xlsx，命令行用 mql --format xlsx --out 文件.xlsx。
                电话号码和地址默认脱敏显示，启动时加 --unmask 才显示原文。
                """),
            examples: [
                ".format line",
                "streets select name, quota, liaison limit 2",
                ".format csv",
                "streets select name, quota limit 2",
                ".format table",
                ".maxrows 6",
                "children select id, name",
            ]),
        HelpTopic(
            name: "commands", aliases: ["dot", "dot-commands"],
            summary: ("the dot commands (they work in scripts too)", "点命令（脚本中同样可用）"),
            body: ("""
                A line that starts with . is a dot command, in the REPL and in script files alike.
                """, """
                以 . 开头的一行是点命令，在 REPL 和脚本文件中都可以使用。
                """),
            examples: [
                ".schema children",
                ".timer on",
                "count children where eligible",
                ".timer off",
                ".check",
            ]),
        HelpTopic(
            name: "editing", aliases: ["keys", "completion", "history", "tab"],
            summary: ("line editing, Tab completion, history, Ctrl-C, Ctrl-D", "行编辑、Tab 补全、历史、Ctrl-C、Ctrl-D"),
            body: ("""
                Tab completes by context: statement words and collections at the start; fields, defines
                and params of the collection in scope (after child., the child's); dot commands and file
                names; inside a string, known values, also by pinyin or its initials:
                  children where street = "bj<Tab>   becomes   children where street = "布吉"
                A statement left open (a bracket, a trailing and/where/=) continues on the next line; the
                prompt shows what is open. History is kept in ~/.mql_history (MQL_HISTORY, MQL_HISTSIZE,
                MQL_HISTCONTROL=ignoredups|ignorespace|ignoreboth|erasedups); a statement is one entry.
                Ctrl-C clears the input or cancels a running query; Ctrl-D quits; so does .quit.
                """, """
                Tab 按上下文补全：语句开头补全语句关键字与集合；其余位置补全当前集合的字段、定义与参数
                （在 child. 之后补全 child 的字段）；点命令与文件名；在字符串中补全已知取值，
                也可以输入拼音或拼音首字母：
                  children where street = "bj<Tab>   变为   children where street = "布吉"
                未写完的语句（括号未闭合、以 and/where/= 结尾）会在下一行继续，提示符显示未闭合的内容。
                历史保存在 ~/.mql_history（MQL_HISTORY、MQL_HISTSIZE、
                MQL_HISTCONTROL=ignoredups|ignorespace|ignoreboth|erasedups）；一条多行语句是一条历史。
                Ctrl-C 清除当前输入或取消正在运行的查询；Ctrl-D 或 .quit 退出。
                """),
            examples: [
                "children where street = \"布吉\"",
                "children where street = \"布吉\"\n    and unpaired\n    select name, age",
            ]),
    ]
}
