"""`grade report DIR`: one self-contained HTML page about the class, built from the gradebook alone.

Sections: summary, score distribution, pass rate per task, the most common causes of failure
per task (what to teach again), quiz item analysis (a question nobody answered right is
flagged: the key may be wrong), the entries that could not be graded, and the roster's students
without a submission.
Charts are embedded as SVG data URIs: the page needs no network to view.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

from grader.batch.exports import sections, stored_course
from grader.batch.gradebook import GRADEBOOK, Gradebook, GradebookError, Stored
from grader.batch.roster import Student
from grader.batch.stats import ItemStats, TaskStats, distribution, item_stats, task_stats
from grader.course import Course
from grader.i18n import Text, msg
from grader.reporters.common import points

REPORT_HTML = "report.html"

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .6rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.key { font-weight: bold; color: #1a7f37; }
.bar { display: inline-block; height: .7rem; background: #4c78a8; vertical-align: middle; }
.warn { color: #b42318; }
.muted { color: #666; }
img { max-width: 100%; }
"""


class _Page:
    def __init__(self, lang: str):
        self.lang = lang
        self.parts: list[str] = []

    def t(self, key: str, **params: object) -> str:
        return html.escape(msg(key, **params).get(self.lang))

    def text(self, value: Text) -> str:
        return html.escape(value.get(self.lang))

    def add(self, fragment: str) -> None:
        self.parts.append(fragment)

    def table(self, head: list[str], rows: list[list[str]], numeric: frozenset[int] | set[int] = frozenset()) -> None:
        cells = "".join(f'<th class="num">{h}</th>' if i in numeric else f"<th>{h}</th>" for i, h in enumerate(head))
        body = "".join(
            "<tr>"
            + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row))
            + "</tr>"
            for row in rows
        )
        self.add(f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>")


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _decimal(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _summary(page: _Page, course: Course, stored: list[Stored]) -> None:
    graded = [s.result for s in stored if s.result is not None]
    totals = [r.points for r in graded]
    spread = distribution(totals)
    rejected = sum(s.status == "rejected" for s in stored)
    errors = sum(s.status == "error" for s in stored)
    maximum = graded[0].max_points if graded else 0.0
    page.add(f'<section id="summary"><h2>{page.t("report_summary")}</h2>')
    rows = [
        [page.t("report_students"), str(len(stored))],
        [page.t("batch_kind_graded"), str(len(graded))],
        [page.t("batch_kind_rejected"), str(rejected)],
        [page.t("batch_kind_error"), str(errors)],
        [page.t("report_mean"), f"{_decimal(spread.mean)} / {points(maximum)}"],
        [page.t("report_median"), "–" if spread.median is None else points(spread.median)],
        [page.t("report_stdev"), _decimal(spread.stdev)],
    ]
    if graded:
        full = sum(r.points == r.max_points for r in graded)
        rows.append([page.t("report_full_marks"), f"{full} ({_percent(full / len(graded))})"])
        levels = sorted({f"{r.isolation.level}" for r in graded})
        rows.append([page.t("report_isolation"), html.escape(", ".join(levels))])
    page.table(["", ""], rows, numeric={1})
    if graded:
        head = [page.t("report_section"), page.t("report_mean"), page.t("report_median"), page.t("report_full_marks")]
        per_section = []
        for section_id, title in sections(course):
            found = [s for r in graded for s in r.sections if s.id == section_id]
            if not found:
                continue
            spread_s = distribution([s.points for s in found])
            full = sum(s.points == s.max_points for s in found)
            per_section.append(
                [
                    page.text(title),
                    f"{_decimal(spread_s.mean)} / {points(found[0].max_points)}",
                    points(spread_s.median or 0.0),
                    _percent(full / len(found)),
                ]
            )
        page.table(head, per_section, numeric={1, 2, 3})
    page.add("</section>")


def _distribution(page: _Page, stored: list[Stored]) -> None:
    from grader.batch.plots import score_histogram

    graded = [s.result for s in stored if s.result is not None]
    page.add(f'<section id="distribution"><h2>{page.t("report_distribution")}</h2>')
    if graded:
        uri = score_histogram([r.points for r in graded], graded[0].max_points)
        page.add(f'<img alt="{page.t("report_distribution")}" src="{uri}">')
        page.add(f'<p class="muted">{page.t("report_distribution_axes", maximum=points(graded[0].max_points))}</p>')
    else:
        page.add(f'<p class="muted">{page.t("report_nothing_graded")}</p>')
    page.add("</section>")


def _tasks(page: _Page, tasks: list[TaskStats]) -> None:
    from grader.batch.plots import pass_rates

    page.add(f'<section id="tasks"><h2>{page.t("report_pass_rates")}</h2>')
    if tasks:
        uri = pass_rates([t.task_id for t in tasks], [t.pass_rate or 0.0 for t in tasks])
        page.add(f'<img alt="{page.t("report_pass_rates")}" src="{uri}">')
        page.add(f'<p class="muted">{page.t("report_pass_rates_axes")}</p>')
        head = [page.t("report_task"), "", page.t("report_passed"), page.t("report_mean")]
        rows = [
            [
                html.escape(t.task_id),
                page.text(t.title),
                f"{t.passed}/{t.attempted} ({_percent(t.pass_rate)})",
                f"{_decimal(sum(t.points) / len(t.points))} / {points(t.max_points)}",
            ]
            for t in tasks
        ]
        page.table(head, rows, numeric={2, 3})
    page.add("</section>")


def _causes(page: _Page, tasks: list[TaskStats]) -> None:
    page.add(f'<section id="diagnoses"><h2>{page.t("report_causes")}</h2><p>{page.t("report_causes_intro")}</p>')
    for task in tasks:
        if not task.causes:
            continue
        page.add(f"<h3>{html.escape(task.task_id)} · {page.text(task.title)}</h3>")
        rows = [[page.text(text), str(count), _percent(count / task.attempted)] for text, count in task.causes]
        page.table([page.t("report_cause"), page.t("report_students"), page.t("report_share")], rows, numeric={1, 2})
    page.add("</section>")


def _items(page: _Page, items: list[ItemStats]) -> None:
    page.add(f'<section id="quiz"><h2>{page.t("report_items")}</h2><p>{page.t("report_items_intro")}</p>')
    head = [
        "",
        page.t("report_question"),
        page.t("report_difficulty"),
        page.t("report_point_biserial"),
        page.t("report_upper_lower"),
        page.t("report_options"),
    ]
    rows = []
    for item in items:
        options = []
        for number, option in enumerate(item.options, start=1):
            count = item.chosen.get(number, 0)
            width = round(60 * count / item.students) if item.students else 0
            css = ' class="key"' if number in item.key else ""
            label = f"{number}. {page.text(option)}"
            bar = f'<span class="bar" style="width:{width}px"></span>'
            options.append(f"<div><span{css}>{label}</span> {bar} {count}</div>")
        unanswered = item.students - item.answered
        if unanswered:
            options.append(f'<div class="muted">{page.t("report_unanswered", count=unanswered)}</div>')
        difficulty = _percent(item.difficulty)
        if item.answered and item.difficulty == 0:
            difficulty = f'<span class="warn">{difficulty}: {page.t("report_nobody_right")}</span>'
        low = item.point_biserial is not None and item.point_biserial < 0.1
        rpb = f'<span class="warn">{_decimal(item.point_biserial)}</span>' if low else _decimal(item.point_biserial)
        rows.append(
            [
                html.escape(item.question_id),
                page.text(item.text),
                difficulty,
                rpb,
                _decimal(item.upper_lower),
                "".join(options),
            ]
        )
    page.table(head, rows, numeric={2, 3, 4})
    page.add("</section>")


def _problems(page: _Page, stored: list[Stored]) -> None:
    page.add(f'<section id="problems"><h2>{page.t("report_problems")}</h2>')
    rows = [
        [html.escape(s.student_id), html.escape(s.source), page.t(f"batch_kind_{s.status}"), page.text(s.reason)]
        for s in stored
        if s.result is None and s.reason is not None
    ]
    if rows:
        head = [page.t("report_student"), page.t("report_entry"), page.t("report_status"), page.t("report_reason")]
        page.table(head, rows)
    else:
        page.add(f'<p class="muted">{page.t("report_no_problems")}</p>')
    page.add("</section>")


def _missing(page: _Page, stored: list[Stored], roster: dict[str, Student]) -> None:
    graded_or_not = {s.student_id for s in stored}
    missing = [roster[sid] for sid in sorted(set(roster) - graded_or_not)]
    page.add(f'<section id="missing"><h2>{page.t("report_missing")}</h2>')
    if missing:
        head = [page.t("report_student"), "", ""]
        rows = [[html.escape(s.id), html.escape(s.name or ""), html.escape(s.email or "")] for s in missing]
        page.table(head, rows)
    else:
        page.add('<p class="muted">–</p>')
    page.add("</section>")


def render_report(course: Course, stored: list[Stored], lang: str, roster: dict[str, Student] | None = None) -> str:
    page = _Page(lang)
    results = [s.result for s in stored if s.result is not None]
    tasks = task_stats(results)
    title = page.t("report_title", course=course.title)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    page.add(f'<h1>{title}</h1><p class="muted">{html.escape(when)}</p>')
    _summary(page, course, stored)
    _distribution(page, stored)
    _tasks(page, tasks)
    _causes(page, tasks)
    if course.manifest.quiz is not None:
        _items(page, item_stats(course, results))
    _problems(page, stored)
    if roster:
        _missing(page, stored, roster)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_STYLE}</style></head><body>\n" + "\n".join(page.parts) + "\n</body></html>\n"
    )


def write_report(out: Path, lang: str) -> Path:
    with Gradebook(out / GRADEBOOK) as book, stored_course(book) as course:
        if course is None:
            raise GradebookError(f"{out / GRADEBOOK} holds no batch run yet")
        text = render_report(course, book.submissions(), lang, book.roster())
    path = out / REPORT_HTML
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
