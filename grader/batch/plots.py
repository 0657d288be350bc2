"""The report's charts, drawn with matplotlib's object API (no pyplot state) as SVG data URIs to embed in the page.

Chart text is limited to numbers and ids, which every font can draw; the page around each chart
carries the words, in the reader's language.
"""

from __future__ import annotations

import base64
import io
from typing import Any

_STYLE = {"svg.hashsalt": "grade-report", "svg.fonttype": "path", "font.size": 9}


def _data_uri(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def score_histogram(totals: list[float], maximum: float) -> str:
    """Students per total score, from 0 to the maximum."""
    import matplotlib
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context(_STYLE):
        figure = _figure(6.4, 2.6)
        axes = figure.add_subplot()
        bins = max(1, min(20, int(maximum) or 1))
        axes.hist(totals, bins=bins, range=(0, maximum or 1), color="#4c78a8", edgecolor="white")
        axes.set_xlim(0, maximum or 1)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.spines[["top", "right"]].set_visible(False)
        return _data_uri(figure)


def pass_rates(task_ids: list[str], rates: list[float]) -> str:
    """A horizontal bar per task: the share of students who passed it."""
    import matplotlib

    with matplotlib.rc_context(_STYLE):
        figure = _figure(6.4, 0.3 * len(task_ids) + 0.8)
        axes = figure.add_subplot()
        positions = list(range(len(task_ids)))
        colors = ["#54a24b" if r >= 0.7 else "#f2a541" if r >= 0.4 else "#e45756" for r in rates]
        axes.barh(positions, [100 * r for r in rates], color=colors)
        axes.set_yticks(positions, task_ids)
        axes.invert_yaxis()
        axes.set_xlim(0, 100)
        for position, rate in zip(positions, rates, strict=True):
            axes.text(min(100 * rate + 1, 92), position, f"{100 * rate:.0f}%", va="center")
        axes.spines[["top", "right"]].set_visible(False)
        return _data_uri(figure)
