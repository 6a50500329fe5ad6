#!/usr/bin/env python3
"""Every workbook mql exports opens in LibreOffice and shows what mql wrote (issue 13).

Usage: python3 tests/workbooks/libreoffice.py [PATH-TO-mql]

Exports 附件1, 附件2, 附件3 and a query result as .xlsx, converts each with
`soffice --headless --convert-to csv` (UTF-8), and compares the cells with mql's own CSV
export of the same thing. A workbook LibreOffice had to repair, or could not open, gives
no CSV or other cells, and fails. When LibreOffice is not installed the script says so
and passes: scripts/test runs it where it is (it is not installed by scripts/setup, to
keep CI short). Prints PASS/FAIL per case and `N passed, M failed`.
"""
import csv, io, os, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MQL = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/mql"))
OFFICE = shutil.which("soffice") or shutil.which("libreoffice")
if not OFFICE:
    print("skipped: LibreOffice is not installed (apt-get install libreoffice-calc-nogui to run these checks)")
    sys.exit(0)

WORK = tempfile.mkdtemp(prefix="mql-libreoffice-")
TODAY = "2019-11-30"
results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else "  -- " + str(detail)[:600]))


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, cwd=WORK)


def normalise(rows):
    """Cells as text, trailing empty cells and rows dropped; booleans as mql writes them;
    the CSV's formula guard (a leading ') taken off."""
    out = []
    for row in rows:
        cells = [c[1:] if c[:1] == "'" and c[1:2] in ("=", "+", "-", "@") else c for c in row]
        cells = [{"TRUE": "true", "FALSE": "false"}.get(c, c) for c in cells]
        while cells and cells[-1] == "":
            cells.pop()
        out.append(cells)
    while out and not out[-1]:
        out.pop()
    return out


data = os.path.join(WORK, "data")
run(MQL, "init", data)
run(MQL, "--data", data, "-c", 'update children where id = 1 set reason = "=1+1 不是公式"')
exports = []
for n in ["1", "2", "3"]:
    for unmask in ([], ["--unmask"]):
        name = "附件%s%s" % (n, "-unmask" if unmask else "")
        for ext in ["xlsx", "csv"]:
            run(MQL, "export", "--data", data, "--today", TODAY, *unmask, "附件" + n, "--street", "布吉", "--out", os.path.join(WORK, name + "." + ext))
        exports.append(name)
query = 'children where street = "布吉" select id, name, birth, tags, status = "已审核" as approved'
run(MQL, "--data", data, "--today", TODAY, "--format", "xlsx", "--out", os.path.join(WORK, "query.xlsx"), "-c", query)
run(MQL, "--data", data, "--today", TODAY, "--format", "csv", "--out", os.path.join(WORK, "query.csv"), "-c", query)
exports.append("query")

outdir = os.path.join(WORK, "converted")
os.makedirs(outdir)
profile = "file://" + os.path.join(WORK, "profile")
for name in exports:
    src = os.path.join(WORK, name + ".xlsx")
    r = subprocess.run([OFFICE, "-env:UserInstallation=" + profile, "--headless", "--norestore",
                        "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", outdir, src],
                       capture_output=True, text=True, timeout=180)
    converted = os.path.join(outdir, name + ".csv")
    check(name + ".xlsx: LibreOffice opens and converts it", r.returncode == 0 and os.path.exists(converted), r.stdout + r.stderr)
    if not os.path.exists(converted):
        continue
    got = normalise(csv.reader(io.StringIO(open(converted, encoding="utf-8-sig").read())))
    want = normalise(csv.reader(io.StringIO(open(os.path.join(WORK, name + ".csv"), encoding="utf-8-sig").read())))
    diff = [(i, a, b) for i, (a, b) in enumerate(zip(got, want)) if a != b]
    check(name + ".xlsx: LibreOffice shows the cells mql wrote", got == want, diff[:3] or (len(got), len(want)))

shutil.rmtree(WORK, ignore_errors=True)
passed = sum(results)
print("%d passed, %d failed" % (passed, len(results) - passed))
sys.exit(0 if passed == len(results) else 1)
