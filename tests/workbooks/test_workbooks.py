#!/usr/bin/env python3
"""Workbooks in and out of mql, checked with openpyxl (issue 13, cycle.md section 3).

Usage: python3 tests/workbooks/test_workbooks.py [PATH-TO-mql]

Out: every workbook mql exports (附件1, 附件2, 附件3 and a query result) opens in openpyxl
and reads back cell for cell, against the CSV export of the same thing; the layout is the
printed form's (number, title, header line, headings, 序号, closing row, frozen heading
row, print titles, A4). In: a corpus of workbooks made here with openpyxl, and with raw
XML where openpyxl cannot make what WPS and others write (inline strings, no styles
part), imports as people mean it; bad ones give positioned errors and change nothing.
Prints PASS/FAIL per case and `N passed, M failed`; exit 1 if any failed.
"""
import csv, datetime, hashlib, io, json, os, shutil, subprocess, sys, tempfile, zipfile

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MQL = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/mql"))
TODAY = "2019-11-30"
WORK = tempfile.mkdtemp(prefix="mql-workbooks-")
results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else "  -- " + str(detail)[:600]))


def mql(*args, data=None):
    args = list(args)
    sub = [args.pop(0)] if args and args[0] in ("import", "export") else []
    cmd = [MQL] + sub + (["--data", data] if data else []) + ["--today", TODAY] + args
    return subprocess.run(cmd, capture_output=True, text=True, cwd=WORK)


def dataset(name):
    d = os.path.join(WORK, name)
    r = subprocess.run([MQL, "init", d], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return d


def digest(d):
    out = {}
    for f in sorted(os.listdir(d)):
        p = os.path.join(d, f)
        if os.path.isfile(p) and not f.endswith(".lock"):
            out[f] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out


def as_text(v):
    """A cell as the CSV export writes it."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime.datetime):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def csv_rows(path):
    text = open(path, encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(text)))
    # The CSV neutralises a cell that Excel would read as a formula with a leading '.
    return [[c[1:] if c[:1] == "'" and c[1:2] in ("=", "+", "-", "@", "\t", "\r") else c for c in row] for row in rows]


def sheet_rows(ws):
    rows = [[as_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


# ---------------------------------------------------------------- exports

def test_exports():
    d = dataset("export")
    # A formula-looking text must stay text in the workbook.
    r = mql("-c", 'update children where id = 1 set reason = "=HYPERLINK(\\"http://x\\")+1"', data=d)
    check("set a formula-looking reason", r.returncode == 0, r.stderr)
    titles = {"1": "各街道贫困儿童名额分配表", "2": "贫困儿童基本情况报送表", "3": "“妇联妈妈”结对情况登记表"}
    for n in ["1", "2", "3"]:
        for unmask in [False, True]:
            tag = "附件%s%s" % (n, " --unmask" if unmask else "")
            x = os.path.join(WORK, "f%s%s.xlsx" % (n, "u" if unmask else ""))
            c = os.path.join(WORK, "f%s%s.csv" % (n, "u" if unmask else ""))
            extra = ["--unmask"] if unmask else []
            rx = mql("export", "附件" + n, "--street", "布吉", "--out", x, *extra, data=d)
            rc = mql("export", "附件" + n, "--street", "布吉", "--out", c, *extra, data=d)
            check(tag + ": export exits 0", rx.returncode == 0 and rc.returncode == 0, rx.stderr + rc.stderr)
            wb = openpyxl.load_workbook(x)
            ws = wb.worksheets[0]
            got = sheet_rows(ws)
            want = csv_rows(c)
            check(tag + ": the workbook reads back cell for cell as the CSV export", got == want,
                  [(i, a, b) for i, (a, b) in enumerate(zip(got, want)) if a != b][:3] or (len(got), len(want)))
            check(tag + ": 附件 number and title", ws["A1"].value == "附件" + n and ws["A2"].value == titles[n], (ws["A1"].value, ws["A2"].value))
            heading_row = 4
            headings = [v for v in next(ws.iter_rows(min_row=heading_row, max_row=heading_row, values_only=True))]
            notice = {"1": ["街道", "名额", "备注"], "2": ["序号", "姓名", "年龄（出生年月）", "所在社区", "监护人及联系方式", "家庭住址", "贫困原因"],
                      "3": ["姓名", "单位及职务", "联系方式", "结对儿童姓名", "社区", "结对儿童联系人及联系方式", "备注"]}[n]
            check(tag + ": headings in the notice's order, 序号 first", headings == (notice if notice[0] == "序号" else ["序号"] + notice), headings)
            if n != "1":
                check(tag + ": header line", str(ws["A3"].value).startswith("街道妇联（盖章）：布吉") and any(str(v or "").startswith("日期：2019年11月30日") for v in next(ws.iter_rows(min_row=3, max_row=3, values_only=True))),
                      list(next(ws.iter_rows(min_row=3, max_row=3, values_only=True))))
            body = [row for row in ws.iter_rows(min_row=heading_row + 1, values_only=True)]
            numbered = [row[0] for row in body if isinstance(row[0], int)]
            check(tag + ": 序号 1…n as numbers", numbered == list(range(1, len(numbered) + 1)) and len(numbered) > 0, numbered)
            if n == "2":
                check(tag + ": closing 审核意见 row", body[-1][0] == "街道妇联审核意见", body[-1])
            check(tag + ": heading row frozen", ws.freeze_panes == "A5", ws.freeze_panes)
            check(tag + ": headings repeated on printed pages", ws.print_title_rows == "$4:$4", ws.print_title_rows)
            check(tag + ": A4, landscape for the wide forms", ws.page_setup.paperSize in (9, "9") and ws.page_setup.orientation == ("portrait" if n == "1" else "landscape"),
                  (ws.page_setup.paperSize, ws.page_setup.orientation))
            check(tag + ": the title merged across the table", any(str(m).startswith("A2:") for m in ws.merged_cells.ranges), ws.merged_cells.ranges)
            # Column widths fit the widest text by display width (CJK = 2).
            def dw(s):
                return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)
            ok = True
            for col in range(1, ws.max_column + 1):
                letter = openpyxl.utils.get_column_letter(col)
                widest = max([dw(as_text(ws.cell(row=r, column=col).value)) for r in range(heading_row, ws.max_row + (0 if n == "2" else 1))] + [0])
                width = ws.column_dimensions[letter].width
                if not (width >= min(widest, 58)):
                    ok = False
            check(tag + ": column widths fit the display width of the text", ok)
            if n == "2":
                masked = any("****" in (row[4] or "") for row in body if isinstance(row[0], int))
                check(tag + ": personal data masked unless --unmask", masked != unmask)
                cells = [ws.cell(row=r, column=7) for r in range(heading_row + 1, ws.max_row + 1) if str(ws.cell(row=r, column=7).value or "").startswith("=")]
                check(tag + ": text starting with = is a text cell, not a formula", len(cells) == 1 and cells[0].data_type == "s", [(c.value, c.data_type) for c in cells])
                raw = zipfile.ZipFile(x).read("xl/worksheets/sheet1.xml").decode()
                check(tag + ": no formula in the sheet", "<f>" not in raw and "<f " not in raw)
            if n == "3":
                count = mql("-c", 'count pairings where child.street = "布吉" and active', data=d)
                check(tag + ": one row per active pairing", len(numbered) == int(count.stdout.strip()), (len(numbered), count.stdout, count.stderr))
    # The CSV export is read back by the CSV import (title lines and closing row skipped).
    e = dataset("export-csv-back")
    n = int(mql("-c", 'count children where street = "园山"', data=e).stdout)
    r = mql("export", "附件2", "--street", "园山", "--unmask", "--out", "back.csv", data=e)
    r = mql("-c", 'delete visits where pairing.child.street = "园山"; delete pairings where child.street = "园山"; delete children where street = "园山"', data=e)
    check("cleared 园山 to import its exported form back", r.returncode == 0, r.stderr)
    for fmt in ["csv", "xlsx"]:
        src = os.path.join(WORK, "back." + fmt)
        if fmt == "xlsx":
            mql("export", "附件2", "--street", "园山", "--unmask", "--out", src, data=d)
        r = mql("import", "附件2", src, "--street", "园山", "--dry-run", data=e)
        check("the exported %s form imports back (dry run)" % fmt, r.returncode == 0 and "%d of %d rows would be imported" % (n, n) in r.stderr, r.stderr.splitlines()[-3:])

    # Any query as a workbook, typed: against --format csv of the same query.
    q = 'children where street = "布吉" select id, name, birth, tags, guardian_phone, reason, status = "已审核" as approved'
    x = os.path.join(WORK, "q.xlsx")
    r = mql("--format", "xlsx", "--out", x, "-c", q, data=d)
    check("--format xlsx --out writes a workbook", r.returncode == 0 and r.stdout == "", r.stderr)
    c = mql("--format", "csv", "-c", q, data=d)
    want = list(csv.reader(io.StringIO(c.stdout)))
    ws = openpyxl.load_workbook(x).worksheets[0]
    got = sheet_rows(ws)
    check("query workbook reads back cell for cell as --format csv", got == want, [(a, b) for a, b in zip(got, want) if a != b][:3])
    row2 = [cell for cell in ws[2]]
    check("query cells typed: int, text, date, boolean", isinstance(row2[0].value, int) and isinstance(row2[2].value, datetime.datetime)
          and row2[1].data_type == "s" and isinstance(row2[6].value, bool), [(c.value, c.data_type) for c in row2])
    check("query heading row frozen", ws.freeze_panes == "A2", ws.freeze_panes)
    r = mql("export", q, "--out", os.path.join(WORK, "q2.xlsx"), data=d)
    got2 = sheet_rows(openpyxl.load_workbook(os.path.join(WORK, "q2.xlsx")).worksheets[0])
    check("mql export QUERY --out F.xlsx is the same workbook", r.returncode == 0 and got2 == got, r.stderr)
    r = subprocess.run([MQL, "--data", d, "--today", TODAY, "--format", "csv"], input=".export %s %s\n" % (q, os.path.join(WORK, "q3.xlsx")),
                       capture_output=True, text=True)
    got3 = sheet_rows(openpyxl.load_workbook(os.path.join(WORK, "q3.xlsx")).worksheets[0]) if os.path.exists(os.path.join(WORK, "q3.xlsx")) else None
    check(".export QUERY F.xlsx is the same workbook", r.returncode == 0 and got3 == got, r.stderr)
    r = mql("--format", "xlsx", "-c", "count children", data=d)
    check("--format xlsx without --out is a usage error (exit 2)", r.returncode == 2 and "--out" in r.stderr and r.stdout == "", (r.returncode, r.stderr))
    # Several statements: one sheet each.
    x = os.path.join(WORK, "multi.xlsx")
    r = mql("--format", "xlsx", "--out", x, "-c", "streets select name, quota; count children", data=d)
    wb = openpyxl.load_workbook(x)
    check("one sheet per result", r.returncode == 0 and len(wb.worksheets) == 2 and wb.worksheets[1]["A2"].value == 180,
          (r.stderr, [ws.title for ws in wb.worksheets]))


# ---------------------------------------------------------------- imports

def title_lines(ws, number, title, width):
    ws.append([number])
    ws.append([title])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.append(["街道妇联（盖章）：", None, None, None, "日期：2019年5月14日"])


def children_of(d, street="布吉"):
    r = mql("--format", "csv", "--unmask", "-c", 'children where street = "%s" and registered = %s select name, birth, community, guardian, guardian_phone, address' % (street, TODAY), data=d)
    return list(csv.DictReader(io.StringIO(r.stdout)))


def test_import_openpyxl_form():
    d = dataset("import-1")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "报送表"
    title_lines(ws, "附件2", "贫困儿童基本情况报送表", 7)
    ws.append(["序号", "姓名", "年龄\n（出生年月）", " 所在社区 ", "监护人及联系方式", "家庭住址", "贫困原因"])
    ws.append([1, "  甲一  ", datetime.datetime(2012, 5, 3), "大芬", "甲父 13912340001", "布吉街道大芬社区1号", "低保"])
    ws.append(["2", "乙二", "2012.5", "大芬", "乙母 １３９１２３４０００２", "布吉街道大芬社区2号", "孤儿"])
    ws.append([3, "丙三", 2011.7, None, "丙父 13912340003", "布吉街道大芬社区3号", "单亲"])
    ws.merge_cells("D6:D7")  # 所在社区 大芬 merged down rows 6-7
    ws.append(["４", "丁四", "2012年5月", "长龙社区", "丁母/13912340004", "布吉街道长龙社区4号", "低保"])
    ws.append([5, "戊五", "2012-05", "长龙", "戊父（13912340005）", "布吉街道长龙社区5号", "低保"])
    ws.append([6, "己六", "2012/5/3", "长龙", "己母 13912340006", "布吉街道长龙社区6号", "低保"])
    ws.append([7, "庚七", "２０１０．０３", "长龙", "庚父 13912340007", "布吉街道长龙社区7号", "低保"])
    ws.append(["街道妇联审核意见", "同意"])
    ws.merge_cells("B12:G12")
    ws.append([8, "不该导入", "2010.03", "不存在", "x", "x", "x"])
    path = os.path.join(WORK, "openpyxl-附件2.xlsx")
    wb.save(path)
    r = mql("import", "附件2", path, "--street", "布吉", "--dry-run", data=d)
    check("openpyxl 附件2: dry run", r.returncode == 0 and "7 of 7 rows would be imported" in r.stderr, r.stderr)
    check("openpyxl 附件2: dry run changes nothing", children_of(d) == [], children_of(d))
    r = mql("import", "附件2", path, "--street", "布吉", data=d)
    check("openpyxl 附件2: imported 7 of 7 (the 审核意见 row ends the data)", r.returncode == 0 and "imported 7 of 7 rows" in r.stderr, r.stderr)
    rows = {c["name"]: c for c in children_of(d)}
    want_birth = {"甲一": "2012-05-03", "乙二": "2012-05-01", "丙三": "2011-07-01", "丁四": "2012-05-01", "戊五": "2012-05-01", "己六": "2012-05-03", "庚七": "2010-03-01"}
    check("openpyxl 附件2: births from dates, numbers and text", {n: rows.get(n, {}).get("birth") for n in want_birth} == want_birth,
          {n: rows.get(n, {}).get("birth") for n in want_birth})
    check("openpyxl 附件2: merged 所在社区 fills its rows", rows.get("丙三", {}).get("community") == "大芬", rows.get("丙三"))
    check("openpyxl 附件2: full-width digits, stray spaces", rows.get("乙二", {}).get("guardian_phone") == "13912340002" and "甲一" in rows,
          (rows.get("乙二"), list(rows)))
    check("openpyxl 附件2: 社区 suffix dropped", rows.get("丁四", {}).get("community") == "长龙", rows.get("丁四"))


def test_import_sheet_option_and_1904():
    d = dataset("import-2")
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    first = wb.active
    first.title = "说明"
    first.append(["这张表不是附件"])
    ws = wb.create_sheet("附件2")
    ws.append(["序号", "姓名", "年龄（出生年月）", "所在社区", "监护人及联系方式", "家庭住址", "贫困原因"])
    ws.append([1, "辛八", datetime.datetime(2011, 2, 14), "大芬", "辛父 13912340008", "布吉街道大芬社区8号", "低保"])
    path = os.path.join(WORK, "two-sheets-1904.xlsx")
    wb.save(path)
    r = mql("import", "附件2", path, "--street", "布吉", data=d)
    check("the first sheet is read by default (no headings there)", r.returncode == 1 and "no header row" in r.stderr, r.stderr)
    r = mql("import", "附件2", path, "--street", "布吉", "--sheet", "附件2", data=d)
    rows = children_of(d)
    check("--sheet NAME and a 1904-system date", r.returncode == 0 and [c["birth"] for c in rows] == ["2011-02-14"], (r.stderr, rows))
    r = mql("import", "附件2", path, "--street", "布吉", "--sheet", "不存在", data=d)
    check("--sheet naming no sheet", r.returncode == 1 and "no sheet named '不存在' (sheets: 说明, 附件2)" in r.stderr, r.stderr)


SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'


def raw_workbook(path, rows_xml, merges="", styles=None, shared=None):
    """A workbook written by hand as WPS and other writers do: inline strings, and no
    styles part unless given."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                   '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        rels = '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/>'
        if styles:
            rels += '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            z.writestr("xl/styles.xml", styles)
        if shared is not None:
            rels += '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            z.writestr("xl/sharedStrings.xml", '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                       + "".join("<si><t>%s</t></si>" % s for s in shared) + "</sst>")
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' + rels + "</Relationships>")
        z.writestr("xl/worksheets/sheet1.xml", SHEET_HEAD + rows_xml + "</sheetData>" + (("<mergeCells>%s</mergeCells>" % merges) if merges else "") + "</worksheet>")


def inline_row(r, cells):
    out = '<row r="%d">' % r
    for i, v in enumerate(cells):
        ref = "%s%d" % (chr(65 + i), r)
        if v is None:
            continue
        if isinstance(v, (int, float)):
            out += '<c r="%s"><v>%s</v></c>' % (ref, v)
        else:
            out += '<c r="%s" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>' % (ref, v)
    return out + "</row>"


def test_import_wps_like():
    d = dataset("import-wps")
    rows = [inline_row(1, ["附件3"]), inline_row(2, ["“妇联妈妈”结对情况登记表"]),
            inline_row(3, ["街道妇联：布吉街道妇联", None, None, None, "日期：2019年5月28日"]),
            inline_row(4, ["姓名", "单位及职务", "联系方式", "结对儿童姓名", "社区", "结对儿童联系人及联系方式", "备注"]),
            inline_row(5, ["壬九", "布吉街道大芬社区妇联 主席", "１３８００１３８００９", None, "大芬", None, "新登记"]),
            inline_row(6, ["癸十", "某公司 总经理", " 13800138010 ", None, None, None, None])]
    path = os.path.join(WORK, "wps-附件3.xlsx")
    raw_workbook(path, "".join(rows), merges='<mergeCell ref="A2:G2"/>')
    r = mql("import", "附件3", path, "--street", "布吉", data=d)
    check("WPS-like 附件3 (inline strings, no styles part): imported", r.returncode == 0 and "imported 2 of 2 rows" in r.stderr, r.stderr)
    q = mql("--format", "csv", "--unmask", "-c", 'mothers where name in ["壬九", "癸十"] select name, phone, level, community', data=d)
    check("WPS-like 附件3: values", q.stdout.replace("\r", "") == "name,phone,level,community\n壬九,13800138009,社区,大芬\n癸十,13800138010,街道,\n", q.stdout)
    # 附件1 with quotas as numbers stored as text, shared strings, dates as text, a styles
    # part whose date format a number does not have.
    styles = ('<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="1"><xf numFmtId="0"/></cellXfs></styleSheet>')
    shared = ["街道", "名额", "备注", "布吉", "坂田"]
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="inlineStr"><is><t> ２０ </t></is></c></row>'
            '<row r="3"><c r="A3" t="s"><v>4</v></c><c r="B3" s="0"><v>15</v></c></row>'
            '<row r="4"><c r="A4" t="inlineStr"><is><t>园山</t></is></c><c r="B4" t="inlineStr"><is><t>9x</t></is></c></row>')
    path = os.path.join(WORK, "wps-附件1.xlsx")
    raw_workbook(path, rows, styles=styles, shared=shared)
    r = mql("import", "附件1", path, data=d)
    check("附件1 with shared strings and quotas stored as text; a bad quota named by its cell",
          r.returncode == 1 and "wps-附件1.xlsx:Sheet1!B4: error: 名额 '9x' is not a whole number" in r.stderr and "1 bad row of 3" in r.stderr, r.stderr)
    raw_workbook(path, rows.replace("9x", "９"), styles=styles, shared=shared)
    r = mql("import", "附件1", path, data=d)
    check("附件1 read as numbers (same quotas: no change)", r.returncode == 0 and "imported 3 of 3 rows (0 changes)" in r.stderr, r.stderr)


def test_bad_workbooks():
    d = dataset("import-bad")
    before = digest(d)
    # A bad row: its cell is named.
    wb = openpyxl.Workbook()
    ws = wb.active
    title_lines(ws, "附件2", "贫困儿童基本情况报送表", 7)
    ws.append(["序号", "姓名", "年龄（出生年月）", "所在社区", "监护人及联系方式", "家庭住址", "贫困原因"])
    ws.append([1, "好一", "2010.03", "大芬", "x 13912340001", "a", "低保"])
    ws.append([2, "坏二", "不详", "大芬", "x 13912340002", "a", "低保"])
    ws.append([3, "坏三", "2010.03", "不存在", "x 13912340003", "a", "低保"])
    ws.append([4, "坏四", 2012.10, "大芬", "x 13912340004", "a", "低保"])  # Excel keeps 2012.10 as 2012.1
    path = os.path.join(WORK, "bad-rows.xlsx")
    wb.save(path)
    r = mql("import", "附件2", path, "--street", "布吉", data=d)
    check("bad rows: positioned by cell", r.returncode == 1 and "bad-rows.xlsx:Sheet!C6: error: 年龄（出生年月）'不详' has no year and month" in r.stderr
          and "bad-rows.xlsx:Sheet!D7: error: 所在社区 '不存在' is not a community of 布吉" in r.stderr
          and "bad-rows.xlsx:Sheet!C8: error: 年龄（出生年月）'2012.1' may be January or October" in r.stderr and "3 bad rows of 4; nothing imported" in r.stderr, r.stderr)
    # A formula without a saved value (openpyxl saves none): refused with its cell.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["街道", "名额", "备注"])
    ws.append(["布吉", "=10+11"])
    path = os.path.join(WORK, "formula.xlsx")
    wb.save(path)
    r = mql("import", "附件1", path, data=d)
    check("a formula without a saved value is refused with its cell", r.returncode == 1 and "Sheet!B2: a formula saved without its value" in r.stderr, r.stderr)
    # A formula with a saved value: the value is read, never the formula.
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>街道</t></is></c><c r="B1" t="inlineStr"><is><t>名额</t></is></c></row>'
            '<row r="2"><c r="A2" t="inlineStr"><is><t>布吉</t></is></c><c r="B2"><f>10+11</f><v>20</v></c></row>')
    path = os.path.join(WORK, "cached.xlsx")
    raw_workbook(path, rows)
    r = mql("import", "附件1", path, "--dry-run", data=d)
    check("a formula's saved value is read", r.returncode == 0 and "1 of 1 row would be imported (0 changes)" in r.stderr, r.stderr)
    # A legacy .xls.
    path = os.path.join(WORK, "old.xls")
    open(path, "wb").write(bytes([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) + b"\0" * 504)
    r = mql("import", "附件2", path, "--street", "布吉", data=d)
    check("a legacy .xls is refused: save it as .xlsx", r.returncode == 1 and "save it as .xlsx" in r.stderr, r.stderr)
    # Malformed: not a zip, a truncated zip, a zip without a workbook, broken XML.
    open(os.path.join(WORK, "junk.xlsx"), "wb").write(b"this is not a workbook")
    good = open(os.path.join(WORK, "cached.xlsx"), "rb").read()
    open(os.path.join(WORK, "truncated.xlsx"), "wb").write(good[: len(good) // 2])
    with zipfile.ZipFile(os.path.join(WORK, "empty-zip.xlsx"), "w") as z:
        z.writestr("hello.txt", "hi")
    raw_workbook(os.path.join(WORK, "broken-xml.xlsx"), '<row r="1"><c r="A1" t="inlineStr"><is><t>街道</t></is></row>')
    for name, expect in [("junk.xlsx", "not an .xlsx workbook"), ("truncated.xlsx", "not an .xlsx workbook"),
                         ("empty-zip.xlsx", "the workbook is damaged: it has no xl/workbook.xml"), ("broken-xml.xlsx", "is not well-formed XML")]:
        r = mql("import", "附件1", os.path.join(WORK, name), data=d)
        check("malformed %s: a clear error" % name, r.returncode == 1 and expect in r.stderr and r.returncode < 128, (r.returncode, r.stderr))
    # A zip bomb: a sheet that unpacks past the budget (128 MB) from a small file.
    path = os.path.join(WORK, "bomb.xlsx")
    raw_workbook(path, "")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        with z.open("xl/worksheets/sheet2.xml", "w", force_zip64=True) as f:
            chunk = b" " * (1 << 20)
            for _ in range(140):
                f.write(chunk)
    # Point the workbook's sheet at the bomb.
    data = {}
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            data[n] = z.read(n) if n != "xl/worksheets/sheet2.xml" else None
    with zipfile.ZipFile(path, "a") as z:
        pass
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, v in data.items():
            if v is None:
                with z.open(n, "w", force_zip64=True) as f:
                    for _ in range(140):
                        f.write(b" " * (1 << 20))
            elif n == "xl/_rels/workbook.xml.rels":
                z.writestr(n, v.replace(b"sheet1.xml", b"sheet2.xml"))
            else:
                z.writestr(n, v)
    size = os.path.getsize(path)
    r = mql("import", "附件1", path, data=d)
    check("a zip bomb (%d KB unpacking to 140 MB) is refused within the budget" % (size // 1024), r.returncode == 1 and "unpacks to more than" in r.stderr, r.stderr)
    # A DOCTYPE (entity expansion) is refused.
    with zipfile.ZipFile(os.path.join(WORK, "doctype.xlsx"), "w") as z:
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><workbook/>')
    r = mql("import", "附件1", os.path.join(WORK, "doctype.xlsx"), data=d)
    check("a DOCTYPE is refused", r.returncode == 1 and "DOCTYPE" in r.stderr, r.stderr)
    check("bad workbooks changed nothing", digest(d) == before)


def test_report_workbook():
    # mql report --format xlsx: the ledger sheet holds the JSON's rows and total, cell for cell.
    path = os.path.join(WORK, "ledger.xlsx")
    r = subprocess.run([MQL, "report", "--period", "2019-10", "--today", TODAY, "--format", "xlsx", "--out", path], capture_output=True, text=True, cwd=WORK)
    check("report --format xlsx --out writes a workbook", r.returncode == 0 and r.stdout == "", r.stderr)
    j = subprocess.run([MQL, "report", "--period", "2019-10", "--today", TODAY, "--format", "json"], capture_output=True, text=True, cwd=WORK)
    report = json.loads(j.stdout)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    lines = list(ws.iter_rows(values_only=True))
    heading_row = next(i for i, line in enumerate(lines) if line[0] == "街道")
    body = lines[heading_row + 1:]
    keys = list(report["rows"][0].keys())
    def as_json(v):
        if isinstance(v, datetime.datetime):
            return v.strftime("%Y-%m-%d")
        return v
    want = [[row[k] for k in keys] for row in report["rows"]] + [[report["total"].get(k) for k in keys]]
    got = [[as_json(v) for v in line[:len(keys)]] for line in body]
    check("report workbook: the ledger's rows and total equal the JSON", got == want, [(a, b) for a, b in zip(got, want) if a != b][:2])
    check("report workbook: one sheet per other section", len(wb.worksheets) == 1 + len(report["sections"]), [w.title for w in wb.worksheets])
    check("report workbook: heading row frozen", ws.freeze_panes == "A%d" % (heading_row + 2), ws.freeze_panes)
    r = subprocess.run([MQL, "report", "--period", "2019-10", "--format", "xlsx"], capture_output=True, text=True, cwd=WORK)
    check("report --format xlsx without --out is a usage error (exit 2)", r.returncode == 2 and "--out" in r.stderr and r.stdout == "", (r.returncode, r.stderr))


for test in [test_exports, test_import_openpyxl_form, test_import_sheet_option_and_1904, test_import_wps_like, test_bad_workbooks, test_report_workbook]:
    try:
        test()
    except Exception as e:  # a crash of the test itself is a failure, not a stop
        import traceback
        traceback.print_exc()
        check(test.__name__ + " ran to the end", False, repr(e))

shutil.rmtree(WORK, ignore_errors=True)
passed = sum(results)
print("%d passed, %d failed" % (passed, len(results) - passed))
sys.exit(0 if passed == len(results) else 1)
