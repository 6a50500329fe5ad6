#!/usr/bin/env python3
"""The report page in a real browser (cycle.md §1, issue 11).

Renders `mql report --period P --format html` and `--format json` on the shipped example
data, then with Debian's chromium, headless:
  - prints the page to PDF: a PDF of at least one page;
  - takes a screenshot: a PNG that is not blank (its pixels vary);
  - dumps the DOM after the page is read (no JavaScript runs: the page has none): it
    parses, and the figures on the page — every cell of the ledger, the total row, the
    bars of the charts (data-col / data-value, data-label / data-value / data-of) — equal
    the JSON;
and checks the page is self-contained (no http(s) reference, no <script>, A4 @page).

Usage: test_report_page.py MQL [--period 2019-10] [--keep DIR]
Prints one line per check and `N passed, M failed`; exit 1 on failure. Standard library
only (the PNG is decoded with zlib).
"""

import argparse
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok    {name}")
    else:
        failed += 1
        print(f"FAIL  {name}" + (f": {detail}" if detail else ""))


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run_chromium(binary, args, timeout=120):
    base = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--hide-scrollbars", "--virtual-time-budget=2000"]
    return subprocess.run(base + args, capture_output=True, timeout=timeout)


def png_pixels(path):
    """(width, height, rows of bytes per pixel) of an 8-bit RGB/RGBA PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos = 8
    idat = b""
    width = height = colour = depth = None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    assert depth == 8 and colour in (2, 6), f"unsupported PNG (depth {depth}, colour {colour})"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows = []
    previous = bytearray(stride)
    i = 0
    for _ in range(height):
        filt = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = previous[x]
            c = previous[x - bpp] if x >= bpp else 0
            if filt == 1:
                line[x] = (line[x] + a) & 0xFF
            elif filt == 2:
                line[x] = (line[x] + b) & 0xFF
            elif filt == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, bpp, rows


def luminance_variance(path):
    width, height, bpp, rows = png_pixels(path)
    values = []
    for y in range(0, height, 2):
        row = rows[y]
        for x in range(0, width, 2):
            r, g, b = row[x * bpp], row[x * bpp + 1], row[x * bpp + 2]
            values.append((299 * r + 587 * g + 114 * b) // 1000)
    mean = sum(values) / len(values)
    dark = sum(1 for v in values if v < 128) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values), dark


class Page(html.parser.HTMLParser):
    """Collects the cells and bars the page carries as data attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables = {}        # section -> list of rows (dict col -> value)
        self.total = {}         # col -> value (total row and the totals line)
        self.bars = {}          # chart section -> list of (label, value, of)
        self.stack = []         # (tag, section) while inside a table/tr/figure
        self.section = None
        self.row = None
        self.in_total = False
        self.chart = None
        self.scripts = 0
        self.page_css = False
        self.in_style = False
        self.external = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            value = a.get(key) or ""
            if value.startswith(("http:", "https:", "//")):
                self.external.append(value)
        if tag == "script":
            self.scripts += 1
        if tag == "style":
            self.in_style = True
        if tag == "table":
            self.section = a.get("data-section")
            self.tables.setdefault(self.section, [])
        elif tag == "tr" and self.section is not None:
            if a.get("data-section") == "total":
                self.in_total = True
                self.row = None
            elif "data-row" in a:
                self.in_total = False
                self.row = {}
                self.tables[self.section].append(self.row)
        elif tag == "p" and a.get("data-section") == "total":
            self.in_total = True
        elif tag in ("td", "span") and "data-col" in a:
            if self.in_total:
                self.total[a["data-col"]] = a.get("data-value", "")
            elif tag == "td" and self.row is not None:
                self.row[a["data-col"]] = a.get("data-value", "")
        elif tag == "figure" and (a.get("data-section") or "").startswith("chart_"):
            self.chart = a["data-section"]
            self.bars[self.chart] = []
        elif tag == "g" and self.chart and "data-label" in a:
            self.bars[self.chart].append((a["data-label"], a.get("data-value", ""), a.get("data-of")))

    def handle_endtag(self, tag):
        if tag == "table":
            self.section = None
            self.row = None
            self.in_total = False
        elif tag == "p":
            self.in_total = False
        elif tag == "figure":
            self.chart = None
        elif tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style and "@page" in data and "A4" in data:
            self.page_css = True


def as_text(v):
    """A JSON value as the page's data-value attribute holds it."""
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float):
        return ("%.15g" % v) if v != int(v) else str(int(v))
    if isinstance(v, list):
        return ";".join(v)
    return str(v)


def same_number_text(a, b):
    try:
        return abs(float(a) - float(b)) < 1e-9
    except ValueError:
        return a == b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mql")
    ap.add_argument("--period", default="2019-10")
    ap.add_argument("--today", default="2019-11-30")
    ap.add_argument("--keep", help="keep the page, PDF and screenshot in this directory")
    args = ap.parse_args()
    mql = os.path.abspath(args.mql)
    work = args.keep or tempfile.mkdtemp(prefix="mql-report-")
    os.makedirs(work, exist_ok=True)
    page = os.path.join(work, "report.html")
    common = ["report", "--period", args.period, "--today", args.today]

    r = subprocess.run([mql] + common + ["--format", "json"], capture_output=True, text=True)
    check("report --format json runs", r.returncode == 0, r.stderr)
    report = json.loads(r.stdout)
    check("json has period, window and rows", report.get("period") == args.period
          and {"window_start", "window_end", "rows", "total"} <= report.keys() and len(report["rows"]) > 0)

    r = subprocess.run([mql] + common + ["--format", "html", "--out", page], capture_output=True, text=True)
    check("report --format html --out writes the page", r.returncode == 0 and os.path.getsize(page) > 0, r.stderr)
    source = open(page, encoding="utf-8").read()
    parsed = Page()
    parsed.feed(source)
    check("the page needs no network and no JavaScript", not parsed.external and parsed.scripts == 0,
          f"external {parsed.external[:3]}, scripts {parsed.scripts}")
    check("the page is laid out for A4", parsed.page_css)
    check("the page is in Chinese", 'lang="zh-CN"' in source and "台账" in source)

    binary = chromium_binary()
    if binary is None:
        check("chromium is installed (scripts/setup installs it)", False)
        return
    url = "file://" + page

    pdf = os.path.join(work, "report.pdf")
    r = run_chromium(binary, ["--no-pdf-header-footer", f"--print-to-pdf={pdf}", url])
    ok = os.path.exists(pdf) and open(pdf, "rb").read(5) == b"%PDF-"
    pages = open(pdf, "rb").read().count(b"/Type /Page") - open(pdf, "rb").read().count(b"/Type /Pages") if ok else 0
    if ok and pages <= 0:
        pages = open(pdf, "rb").read().count(b"/Type/Page") - open(pdf, "rb").read().count(b"/Type/Pages")
    check("chromium prints the page to a PDF of at least one page", ok and pages >= 1,
          f"pages {pages}; {r.stderr.decode(errors='replace')[-300:]}")

    png = os.path.join(work, "report.png")
    r = run_chromium(binary, [f"--screenshot={png}", "--window-size=1240,1754", url])
    if os.path.exists(png):
        variance, dark = luminance_variance(png)
        check("the screenshot is not blank", variance > 50 and dark > 0.002, f"variance {variance:.1f}, dark {dark:.4f}")
    else:
        check("chromium takes a screenshot", False, r.stderr.decode(errors="replace")[-300:])

    r = run_chromium(binary, ["--dump-dom", url])
    dom = r.stdout.decode("utf-8", errors="replace")
    check("chromium dumps the DOM", r.returncode == 0 and "<table" in dom, r.stderr.decode(errors="replace")[-300:])
    shown = Page()
    try:
        shown.feed(dom)
        shown.close()
        check("the DOM dump parses", True)
    except Exception as error:  # noqa: BLE001 — any parse failure is the finding
        check("the DOM dump parses", False, str(error))
        return

    # The figures on the page equal the JSON: every ledger cell, the total, the bars.
    rows = shown.tables.get("rows", [])
    check("the ledger shows one row per street of the JSON", len(rows) == len(report["rows"]),
          f"{len(rows)} rows on the page, {len(report['rows'])} in the JSON")
    mismatches = []
    for i, (cells, expected) in enumerate(zip(rows, report["rows"])):
        for key, value in expected.items():
            if key not in cells or not same_number_text(cells[key], as_text(value)):
                mismatches.append(f"row {i} {key}: page {cells.get(key)!r}, json {as_text(value)!r}")
    check("every ledger cell on the page equals the JSON", not mismatches, "; ".join(mismatches[:5]))
    total_mismatches = [f"{k}: page {shown.total.get(k)!r}, json {as_text(v)!r}"
                        for k, v in (report.get("total") or {}).items()
                        if k not in shown.total or not same_number_text(shown.total[k], as_text(v))]
    check("the total row and rates on the page equal the JSON", report.get("total") and not total_mismatches,
          "; ".join(total_mismatches[:5]))
    charts = report.get("sections", {})
    chart_names = [n for n in charts if n.startswith("chart_")]
    check("the page draws every chart of the JSON as SVG", chart_names and all(n in shown.bars for n in chart_names),
          f"json {chart_names}, page {list(shown.bars)}")
    bar_mismatches = []
    for name in chart_names:
        expected = [(as_text(r.get("label")), as_text(r.get("value")), as_text(r["of"]) if "of" in r else None)
                    for r in charts[name]["rows"]]
        got = shown.bars.get(name, [])
        if len(got) != len(expected) or any(
                g[0] != e[0] or not same_number_text(g[1], e[1]) or (e[2] is not None and not same_number_text(g[2], e[2]))
                for g, e in zip(got, expected)):
            bar_mismatches.append(f"{name}: page {got[:3]}, json {expected[:3]}")
    check("every bar equals the JSON", not bar_mismatches, "; ".join(bar_mismatches[:3]))
    for name, section in charts.items():
        if name.startswith("chart_") or name not in shown.tables:
            continue
        check(f"section {name}: as many rows on the page as in the JSON",
              len(shown.tables[name]) == len(section["rows"]))

    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001
        check("the test ran to the end", False, f"{type(error).__name__}: {error}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
