"""The terminal view: per task a mark and points, the first failing check explained, a hint pointer, a total."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.text import Text as RichText

from grader.i18n import Text, msg
from grader.reporters.common import ReportOptions, check_lines, console_text, fit_cells, points, string_console
from grader.results import GradeResult, Outcome, SectionResult, TaskResult

_MARK = {True: "[green]✓[/]", False: "[red]✗[/]"}
# " ✓  " before a task's name.
_MARK_CELLS = 4


def _mark(task: TaskResult) -> str:
    if any(c.outcome is Outcome.ERROR for c in task.checks):
        return "[yellow]⚠[/]"
    return _MARK[task.passed]


def _indented(console: Console, text: str | RichText, indent: int, style: str = "") -> None:
    """Print with a hanging indent, so wrapped lines stay under their first line."""
    body = text if isinstance(text, RichText) else RichText(text, style=style)
    console.print(Padding(body, (0, 0, 0, indent), expand=False))


def _task_line(console: Console, task: TaskResult, name: str, width: int, title: str = "") -> bool:
    """The mark, the name (and title) and the points on one line, at most `width` columns: the title is cut to fit,
    never the mark or the points. Returns whether the title was cut."""
    score = f"{points(task.points)}/{points(task.max_points)}"
    room = width - _MARK_CELLS - 1 - len(score)
    label = fit_cells(name, room)
    if title:
        shown = fit_cells(title, room - cell_len(label) - 2)
        label = f"{label}  {shown}" if shown else label
    console.print(f" {_mark(task)}  {escape(label)} {score}")
    return bool(title) and label != f"{name}  {' '.join(title.split())}"


def option_lines(options: list[Text], lang: str, chosen: set[int], right: set[int] | None) -> list[RichText]:
    """A quiz question's options, numbered, the learner's choices marked: ✓ right, ✗ wrong, → without a key."""
    lines = []
    for number, option in enumerate(options, start=1):
        if number not in chosen:
            mark = (" ", "")
        elif right is None:
            mark = ("→", "bold")
        else:
            mark = ("✓", "green") if number in right else ("✗", "red")
        lines.append(RichText.assemble(mark, (f" {number}. {option.get(lang)}", "" if number in chosen else "dim")))
    return lines


def print_question(console: Console, qid: str, text: str, options: list[RichText]) -> None:
    """A question in full with its options, for a view that shows the quiz without grading it."""
    _indented(console, f"{qid}  {text}", 1)
    for line in options:
        _indented(console, line, 6)


def _quiz_details(console: Console, task: TaskResult, title_cut: bool, options: ReportOptions) -> None:
    check, lang = task.checks[0], options.lang
    if title_cut:
        _indented(console, task.title.get(lang), 6)
    right = set(check.chosen_right or []) if options.show_key else None
    for line in option_lines(check.options or [], lang, set(check.chosen or []), right):
        _indented(console, line, 6)
    for text in check_lines(check, lang, with_explanation=options.show_key):
        _indented(console, text, 6, "dim")


def _details(console: Console, section: SectionResult, task: TaskResult, options: ReportOptions) -> None:
    lang = options.lang
    failing = [c for c in task.checks if not c.passed]
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
        _indented(console, msg("ui_section_error", text=section.error).get(lang), 2, "red")
    for note in section.notes:
        _indented(console, note.get(lang), 2, "yellow")
    for task in section.tasks:
        name = task.id.partition(".")[2]
        if section.kind == "quiz":
            cut = _task_line(console, task, name, options.width, task.title.get(lang))
            _quiz_details(console, task, cut, options)
        else:
            _task_line(console, task, name, options.width)
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
