"""The terminal view: per task a mark and points, the first failing check explained, a hint pointer, a total."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text as RichText

from grader.i18n import msg
from grader.reporters.common import ReportOptions, check_lines, console_text, points, string_console
from grader.results import GradeResult, Outcome, SectionResult, TaskResult

_MARK = {True: "[green]✓[/]", False: "[red]✗[/]"}


def _mark(task: TaskResult) -> str:
    if any(c.outcome is Outcome.ERROR for c in task.checks):
        return "[yellow]⚠[/]"
    return _MARK[task.passed]


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _indented(console: Console, text: str, indent: int, style: str = "") -> None:
    """Print with a hanging indent, so wrapped lines stay under their first line."""
    console.print(Padding(RichText(text, style=style), (0, 0, 0, indent), expand=False))


def _details(console: Console, section: SectionResult, task: TaskResult, options: ReportOptions) -> None:
    lang = options.lang
    failing = [c for c in task.checks if not c.passed]
    if section.kind == "quiz":
        for line in check_lines(task.checks[0], lang):
            _indented(console, line, 6, "dim")
        return
    if section.error is not None or not failing:
        return
    shown = failing if options.verbose else failing[:1]
    for check in shown:
        label = msg("ui_grader_error").get(lang) + ": " if check.outcome is Outcome.ERROR else ""
        console.print(f"      [red]✗[/] {escape(label + check.title.get(lang))}")
        for line in check_lines(check, lang):
            _indented(console, line, 8)
    name = task.id.partition(".")[2]
    # Failures that only repeat the one shown (every check of a stub says "not implemented") are not counted.
    more = [c for c in failing if c not in shown and c.message != shown[-1].message]
    if more:
        text = msg("ui_more_failed", count=len(more), number=section.number, task=name).get(lang)
        _indented(console, text, 6, "dim")
    if task.hint_count:
        _indented(console, msg("ui_hint", number=section.number, task=name).get(lang), 6, "cyan")


def _section(console: Console, section: SectionResult, options: ReportOptions) -> None:
    lang = options.lang
    title = section.title.get(lang)
    if section.kind == "exercise":
        title = msg("ui_exercise", number=section.number, title=title).get(lang)
    console.print(f"[bold]{escape(title)}[/]  [bold]{points(section.points)}/{points(section.max_points)}[/]")
    if section.error is not None:
        console.print(f"  [red]{escape(msg('ui_section_error', text=section.error).get(lang))}[/]")
    for note in section.notes:
        console.print(f"  [yellow]{escape(note.get(lang))}[/]")
    for task in section.tasks:
        name = task.id.partition(".")[2]
        if section.kind == "quiz":
            name = f"{name}  {_short(task.title.get(lang), options.width - 24)}"
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=3)
        grid.add_column(ratio=1, overflow="ellipsis", no_wrap=True)
        grid.add_column(justify="right")
        grid.add_row(f" {_mark(task)}", escape(name), f"{points(task.points)}/{points(task.max_points)}")
        console.print(grid)
        _details(console, section, task, options)
    console.print()


def render(result: GradeResult, options: ReportOptions) -> str:
    console = string_console(options.color, options.width)
    for section in result.sections:
        _section(console, section, options)
    tasks = [t for s in result.sections for t in s.tasks]
    failed = sum(not t.passed for t in tasks)
    summary = msg("ui_all_passed") if result.passed else msg("ui_some_failed", failed=failed, total=len(tasks))
    total = msg("ui_total").get(options.lang)
    console.print(
        f"[bold]{total}: {points(result.points)}/{points(result.max_points)}[/]  {escape(summary.get(options.lang))}"
    )
    return console_text(console)
