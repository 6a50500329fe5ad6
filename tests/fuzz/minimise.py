# Delta debugging (ddmin) of a failing input: first by lines, then by tokens, then shrinking
# any run of repeated text (deep nesting, huge literals) — keeping the smallest input for
# which the failure still reproduces. Bounded by a number of tries so a long run goes on.
import re, time

TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\s+|[\w\u4e00-\u9fff.-]+|.', re.S)


def ddmin(parts, fails, join, budget):
    n = 2
    while len(parts) >= 2 and budget[0] > 0:
        chunk = max(1, len(parts) // n)
        reduced = False
        for start in range(0, len(parts), chunk):
            candidate = parts[:start] + parts[start + chunk:]
            if not candidate:
                continue
            budget[0] -= 1
            if fails(join(candidate)):
                parts, n, reduced = candidate, max(n - 1, 2), True
                break
            if budget[0] <= 0:
                break
        if not reduced:
            if n >= len(parts):
                break
            n = min(len(parts), n * 2)
    return parts


def shrink_repeats(text, fails, budget):
    # "((((…" or "not not …" or "王王王…": try halving the run while the failure stays.
    changed = True
    while changed and budget[0] > 0:
        changed = False
        for m in re.finditer(r"((.{1,8}?)\2{15,})", text, re.S):
            run, unit = m.group(1), m.group(2)
            count = len(run) // len(unit)
            for target in (count // 2, count * 3 // 4):
                if target < 1:
                    continue
                candidate = text[:m.start()] + unit * target + text[m.end():]
                budget[0] -= 1
                if fails(candidate):
                    text, changed = candidate, True
                    break
            if changed or budget[0] <= 0:
                break
    return text


def minimise(text, check, tries=150, seconds=90):
    deadline = time.time() + seconds

    def fails(candidate):
        if time.time() > deadline:
            budget[0] = 0
            return False
        try:
            return check(candidate)
        except Exception:
            return False
    budget = [tries]
    lines = text.split("\n")
    if len(lines) > 1:
        text = "\n".join(ddmin(lines, fails, "\n".join, budget))
    text = "".join(ddmin(TOKEN.findall(text), fails, "".join, budget))
    text = shrink_repeats(text, fails, budget)
    return text
