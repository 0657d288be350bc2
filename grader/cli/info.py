"""`grade list` and `grade hint`: where the learner stands and a nudge, without running any learner code."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from grader.cli.context import exercise_named, reported_errors, resolve, task_named
from grader.cli.options import target_options
from grader.cli.screen import screen
from grader.i18n import Text

_STATUS = {
    "missing": ("[red]missing[/]", "[red]없음[/]"),
    "todo": ("[dim]todo[/]", "[dim]할 일[/]"),
    "edited": ("[yellow]edited, not graded[/]", "[yellow]수정됨, 미채점[/]"),
    "passed": ("[green]passed[/]", "[green]통과[/]"),
    "failed": ("[red]failed[/]", "[red]실패[/]"),
}
_HEAD = {
    "en": ("#", "exercise / task", "points", "status"),
    "ko": ("#", "실습 / 과제", "배점", "상태"),
}


@click.command("list")
@target_options
def list_cmd(submission: Path | None, course_dir: Path | None, lang: str | None) -> None:
    """List exercises, their tasks and points, and where you stand."""
    from grader.progress import task_statuses

    with reported_errors():
        target = resolve(course_dir, submission, lang)
        course, lang = target.course, target.lang
        statuses = task_statuses(course, target.submission)
        table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
        for head in _HEAD[lang]:
            table.add_column(head)
        for ex in course.exercises:
            table.add_row(str(ex.number), f"[bold]{escape(ex.title.get(lang))}[/]  [dim]{ex.module}[/]", "", "")
            for task in ex.tasks:
                label = _STATUS[statuses[ex.task_id(task)]][lang == "ko"]
                table.add_row("", f"  {task.name}", f"{task.points:g}", label)
        welcome = course.manifest.course.welcome
        done = course.manifest.course.done
        with screen() as console:
            if welcome is not None:
                console.print(escape(welcome.get(lang).strip()) + "\n")
            console.print(table)
            if done is not None and all(status == "passed" for status in statuses.values()):
                console.print("\n[green]" + escape(done.get(lang).strip()) + "[/]")


def _numbered(hints: list[Text], level: int, lang: str) -> list[str]:
    return [f"{i}. {h.get(lang)}" for i, h in enumerate(hints[:level], start=1)]


@click.command("hint")
@click.argument("number")
@click.argument("task", required=False)
@click.option(
    "-l",
    "--level",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="How many hints to show, gentlest first.",
)
@target_options
def hint_cmd(
    number: str, task: str | None, level: int, submission: Path | None, course_dir: Path | None, lang: str | None
) -> None:
    """Show hints for exercise NUMBER, or for one of its TASKs."""
    with reported_errors():
        target = resolve(course_dir, submission, lang)
        lang = target.lang
        ex = exercise_named(target.course, number)
        if task is None:
            with screen() as console:
                console.print(f"[bold]{escape(ex.title.get(lang))}[/]  [dim]{ex.module}[/]")
                if ex.intro is not None:
                    console.print(escape(ex.intro.get(lang)))
                for t in ex.tasks:
                    console.print(f"  grade hint {ex.number} {t.name}  [dim]({len(t.hints)})[/]")
            return
        found = task_named(ex, task)
        with screen() as console:
            if not found.hints:
                console.print("no hints for this task" if lang == "en" else "이 과제에는 힌트가 없습니다")
                return
            console.print(f"[bold]{ex.task_id(found)}[/]")
            for line in _numbered(found.hints, level, lang):
                console.print(escape(line))
            if level < len(found.hints):
                more = f"grade hint {ex.number} {found.name} --level {level + 1}"
                console.print(f"[dim]{'more' if lang == 'en' else '더 보기'}: {more}[/]")
