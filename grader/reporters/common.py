"""What every view needs: options, numbers shown the same way, and a check's explanation as lines."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.i18n import msg
from grader.results import CheckResult

if TYPE_CHECKING:
    from rich.console import Console


@dataclass(frozen=True)
class ReportOptions:
    lang: str = "en"
    color: bool = False
    verbose: bool = False
    width: int = 100
    # Whether quiz answers are shown against the key (✓/✗ per chosen option, explanations); a view that
    # learners read before the deadline without the key (Classroom's job log) turns it off.
    show_key: bool = True


# Rich pads table cells and wrapped, indented lines to the console width; in a log or a diff that is noise.
_TRAILING_SPACES = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)


def string_console(color: bool, width: int) -> Console:
    """A rich console that writes into a string at a fixed width, with ANSI colour only when asked.

    Read it back with `console_text`.
    """
    from rich.console import Console

    return Console(
        file=io.StringIO(),
        force_terminal=color,
        color_system="standard" if color else None,
        width=width,
        highlight=False,
        emoji=False,
    )


def console_text(console: Console) -> str:
    """What a `string_console` holds, without the spaces at the end of each line (before any closing
    colour codes)."""
    return _TRAILING_SPACES.sub(r"\1", console.file.getvalue())  # type: ignore[attr-defined]


def fit_cells(text: str, cells: int) -> str:
    """`text` on one line, cut with "…" to at most `cells` terminal columns.

    Counted in columns, not characters: Hangul and other wide characters take two, so a Korean
    title cut by its length would still push what follows it off the line.
    """
    from rich.cells import cell_len, set_cell_size

    text = " ".join(text.split())
    if cell_len(text) <= cells:
        return text
    if cells < 1:
        return ""
    # set_cell_size pads with a space where it would split a wide character in two.
    return set_cell_size(text, cells - 1).rstrip() + "…"


def points(value: float) -> str:
    """2 -> "2", 1.5 -> "1.5", 0.6667 -> "0.67"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def check_lines(check: CheckResult, lang: str, *, with_explanation: bool = True) -> list[str]:
    """A check's message, the learner input, the likely cause, what the code printed, and any explanation."""
    lines = []
    if check.message is not None and not check.passed:
        lines.append(check.message.get(lang))
    if check.call:
        lines.append(msg("ui_input", call=check.call).get(lang))
    if check.diagnosis is not None:
        lines.append(msg("ui_likely", text=check.diagnosis).get(lang))
    if check.learner_output:
        lines.append(msg("ui_printed").get(lang))
        lines.extend("  | " + line for line in check.learner_output.splitlines())
    if with_explanation and check.explanation is not None:
        lines.append(check.explanation.get(lang))
    return lines
