"""JUnit XML for other CI systems and LMS plug-ins: a testsuite per section, a testcase per check, points as properties.

The layout follows the schema Jenkins' xUnit plug-in publishes for JUnit (junit-10.xsd), which most
readers accept: `<testsuites>` > `<testsuite>` with `<properties>` > `<testcase>` with `<failure>` or
`<error>` (message attribute, details as text) and `<system-out>` for what the learner's code printed.
Each suite carries `points` and `max_points`, and `<task id>.points` / `.max_points` per task. The
schema allows a `file` on `<testsuite>` only: a `<testcase>` takes name, classname, time and group.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from grader.i18n import msg
from grader.reporters.common import ReportOptions, check_lines
from grader.results import CheckResult, GradeResult, Outcome, SectionResult

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def _properties(parent: ET.Element, values: list[tuple[str, str]]) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in values:
        ET.SubElement(props, "property", name=name, value=_text(value))


def _testcase(suite: ET.Element, section: SectionResult, task_id: str, check: CheckResult, lang: str) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        name=_text(" ".join(check.title.get(lang).split())),
        classname=task_id,
        time=f"{check.duration_s:.3f}",
    )
    if check.passed:
        return
    if section.error is not None:
        lines = [msg("ui_section_error", text=section.error).get(lang)]
    else:
        lines = check_lines(check, lang)
    tag = "error" if check.outcome is Outcome.ERROR else "failure"
    problem = ET.SubElement(case, tag, message=_text(lines[0] if lines else msg("check_failed").get(lang)))
    problem.set("type", check.category or check.outcome.value)
    problem.text = _text("\n".join(lines))
    if check.learner_output:
        ET.SubElement(case, "system-out").text = _text(check.learner_output)


def _suite(root: ET.Element, section: SectionResult, result: GradeResult, lang: str) -> None:
    checks = [c for t in section.tasks for c in t.checks]
    suite = ET.SubElement(
        root,
        "testsuite",
        name=section.id,
        tests=str(len(checks)),
        failures=str(sum(c.outcome is Outcome.FAILED for c in checks)),
        errors=str(sum(c.outcome is Outcome.ERROR for c in checks)),
        skipped="0",
        time=f"{sum(c.duration_s for c in checks):.3f}",
        timestamp=result.started_at.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    if section.file:
        suite.set("file", section.file)
    values = [
        ("title", section.title.get(lang)),
        ("points", _num(section.points)),
        ("max_points", _num(section.max_points)),
    ]
    for task in section.tasks:
        values += [(f"{task.id}.points", _num(task.points)), (f"{task.id}.max_points", _num(task.max_points))]
    _properties(suite, values)
    for task in section.tasks:
        for check in task.checks:
            _testcase(suite, section, task.id, check, lang)


def _serialize(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def render(result: GradeResult, options: ReportOptions) -> str:
    checks = result.checks()
    root = ET.Element(
        "testsuites",
        name=_text(result.course.get(options.lang)),
        tests=str(len(checks)),
        failures=str(sum(c.outcome is Outcome.FAILED for c in checks)),
        errors=str(sum(c.outcome is Outcome.ERROR for c in checks)),
        time=f"{result.duration_s:.3f}",
    )
    for section in result.sections:
        _suite(root, section, result, options.lang)
    return _serialize(root)


def render_error(message: str, max_points: float | None, options: ReportOptions) -> str:
    """A document for a run that could not grade: one errored testcase that says why."""
    text = _text(msg("grader_failed", detail=message).get(options.lang))
    root = ET.Element("testsuites", name="grade", tests="1", failures="0", errors="1")
    suite = ET.SubElement(root, "testsuite", name="grader", tests="1", failures="0", errors="1", skipped="0")
    _properties(suite, [("points", "0"), ("max_points", _num(max_points or 0.0))])
    case = ET.SubElement(suite, "testcase", name="grader", classname="grader")
    ET.SubElement(case, "error", message=text, type="grader").text = text
    return _serialize(root)
