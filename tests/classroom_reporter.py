"""A re-implementation of what classroom-resources/autograding-grading-reporter v1 (its shipped dist/main.js)
prints, for tests: the job log a learner reads, the notices Classroom records, and whether the step fails.

Rules, from dist/main.js: runners come from the `runners` input split on ","; each reads
`<RUNNER>_RESULTS` (base64 JSON). Per test: status "pass" prints `✅ name - line N` (or `✅ name` when
line_no is 0); "error" prints `Error: <message>` (or `Failed to run test '<name>'`); anything else prints
`❌ name - line N` with NO message; then `Test code:\\n<test_code>` when test_code is non-empty. After the
tests, when max_score is non-zero: `Total points for <runner>: <passed/tests*max_score>.toFixed(2)/<max_score>`
(it counts passing tests, not their scores). Then "Test runner summary", a cli-table3 table of the same
count-based score, and `🏆 Grand total tests passed: p/n`. Classroom records the notice
`Points <sum of scores>/<sum of max_score>` (only runners with a non-zero max_score), and the step fails
with "Some tests failed." (a results status "fail") or "Some tests errored." ("error").
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

RESET, GREEN, RED, MAGENTA, CYAN = "\x1b[0m", "\x1b[32m", "\x1b[31m", "\x1b[35m", "\x1b[36m"


def js_number(x: float) -> str:
    """JavaScript's Number.prototype.toString for finite numbers (26 -> "26", 25.5 -> "25.5")."""
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    d = Decimal(repr(abs(float(x)))).normalize()
    _, digits_t, exp = d.as_tuple()
    digits = "".join(map(str, digits_t))
    k, n = len(digits), exp + len(digits_t)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = f"{'+' if n - 1 > 0 else '-'}{abs(n - 1)}"
    return sign + (digits if k == 1 else digits[0] + "." + digits[1:]) + "e" + e


def to_fixed_2(x: float) -> str:
    """Number.prototype.toFixed(2): the exact binary value, ties away from zero."""
    return str(Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _count_score(results: dict) -> float:
    tests = results["tests"]
    passed = sum(1 for t in tests if t.get("status") == "pass")
    return passed / len(tests) * (results.get("max_score") or 0)


@dataclass
class ReporterRun:
    log: list[str] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)
    failed: str | None = None

    def plain(self) -> str:
        text = "\n".join(self.log)
        for code in (RESET, GREEN, RED, MAGENTA, CYAN):
            text = text.replace(code, "")
        return text


def report(runners: str, env: dict[str, str]) -> ReporterRun:
    run = ReporterRun()
    parsed = []
    for runner in runners.split(","):
        raw = base64.b64decode(env[f"{runner.strip().upper()}_RESULTS"])
        parsed.append((runner, json.loads(raw.decode("utf-8"))))
    passed_all = total_all = 0
    for index, (runner, results) in enumerate(parsed):
        max_score = results.get("max_score") or 0
        if index > 0:
            run.log.append(f"{MAGENTA}{'🚀' * 24}{RESET}\n")
        run.log.append(f"🔄 Processing: {runner}")
        passed = 0
        for test in results["tests"]:
            line = f" - line {js_number(test['line_no'])}" if test.get("line_no") != 0 else ""
            if test.get("status") == "pass":
                passed += 1
                run.log.append(f"{GREEN}✅ {test['name']}{line}{RESET}")
            elif test.get("status") == "error":
                message = test.get("message") or f"Failed to run test '{test['name']}'"
                run.log.append(f"Error: {message}\n{RESET}")
            else:
                run.log.append(f"{RED}❌ {test['name']}{line}{RESET}")
            if test.get("test_code"):
                run.log.append(f"Test code:\n{test['test_code']}\n")
        passed_all += passed
        total_all += len(results["tests"])
        if max_score != 0:
            run.log.append(f"Total points for {runner}: {to_fixed_2(_count_score(results))}/{js_number(max_score)}\n")
    run.log.append(f"{MAGENTA}Test runner summary{MAGENTA}")
    rows = [(r.strip(), js_number(_count_score(res)), js_number(res.get("max_score") or 0)) for r, res in parsed]
    total_score = sum(_count_score(res) for _, res in parsed)
    total_max = sum(res["max_score"] for _, res in parsed)
    # The cli-table3 table, cells only (its box drawing and truncation are left out).
    run.log.append(" | ".join(("Test Runner Name", "Test Score", "Max Score")))
    run.log += [" | ".join(row) for row in rows]
    run.log.append(" | ".join(("Total: ", js_number(total_score), js_number(total_max))))
    run.log.append(f"{CYAN}🏆 Grand total tests passed: {passed_all}/{total_all}{RESET}\n")
    recorded = [(sum(t["score"] for t in res["tests"]), res["max_score"]) for _, res in parsed if res.get("max_score")]
    if recorded:
        points, maximum = 0.0, 0.0
        for earned, most in recorded:
            maximum += most
            points += earned
        run.notices.append(("Autograding complete", f"Points {js_number(points)}/{js_number(maximum)}"))
    if any(res.get("status") == "fail" for _, res in parsed):
        run.failed = "Some tests failed."
    elif any(res.get("status") == "error" for _, res in parsed):
        run.failed = "Some tests errored."
    return run
