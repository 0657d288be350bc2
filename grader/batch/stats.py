"""Class statistics from stored results: score distribution, pass rate and common mistakes per task, quiz items.

Quiz item analysis, classical test theory:
- difficulty: the share of students who got the question fully right (higher is easier);
- point-biserial: the correlation between getting it right (0/1) and the rest of the quiz score
  (the quiz total without this question, so the item does not correlate with itself);
- upper-lower index: its difficulty among the top 27% of quiz scores minus among the bottom 27%.
A question that good students miss as often as weak ones (discrimination near or below zero)
usually has an ambiguous wording or a wrong key.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from grader.course import Course
from grader.i18n import Text, msg
from grader.quiz import load_key, load_quiz
from grader.results import CheckResult, GradeResult, SectionResult

# Failures that say what happened to the whole task, whatever the check: one label each.
_TASK_WIDE = ("not_implemented", "missing", "import", "timeout", "crash", "memory")
_GROUP_SHARE = 0.27


@dataclass(frozen=True)
class Distribution:
    count: int
    mean: float | None
    median: float | None
    stdev: float | None
    minimum: float | None
    maximum: float | None


def distribution(values: list[float]) -> Distribution:
    if not values:
        return Distribution(0, None, None, None, None, None)
    stdev = statistics.stdev(values) if len(values) > 1 else None
    return Distribution(
        len(values), statistics.fmean(values), statistics.median(values), stdev, min(values), max(values)
    )


@dataclass
class TaskStats:
    task_id: str
    title: Text
    max_points: float
    attempted: int = 0
    passed: int = 0
    points: list[float] = field(default_factory=list)
    # Each likely cause with the number of students whose failing checks showed it, most common first.
    causes: list[tuple[Text, int]] = field(default_factory=list)

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.attempted if self.attempted else None


def cause(check: CheckResult) -> Text | None:
    """What a failing check says went wrong, worded so that the same mistake reads the same for every student."""
    if check.category == "not_run":
        return None  # a consequence of an earlier timeout, already counted
    if check.category in _TASK_WIDE:
        return msg(f"batch_cause_{check.category}")
    if check.diagnosis is not None:
        return check.diagnosis
    category = check.category or "error"
    return Text(en=f"{check.title.en} ({category})", ko=f"{check.title.get('ko')} ({category})")


def task_stats(results: list[GradeResult], top: int = 5) -> list[TaskStats]:
    """Per exercise task, in course order: pass rate, points, and the most common causes of failure."""
    stats: dict[str, TaskStats] = {}
    counters: dict[str, Counter[Text]] = {}
    for result in results:
        for section in result.sections:
            if section.kind != "exercise":
                continue
            for task in section.tasks:
                entry = stats.setdefault(task.id, TaskStats(task.id, task.title, task.max_points))
                entry.attempted += 1
                entry.passed += task.passed
                entry.points.append(task.points)
                failing = [c for c in task.checks if not c.passed]
                counters.setdefault(task.id, Counter()).update({c for c in map(cause, failing) if c is not None})
    for task_id, entry in stats.items():
        entry.causes = counters[task_id].most_common(top)
    return list(stats.values())


@dataclass(frozen=True)
class ItemStats:
    question_id: str
    text: Text
    options: list[Text]
    key: frozenset[int]
    students: int
    answered: int
    difficulty: float | None
    point_biserial: float | None
    upper_lower: float | None
    # How many students chose each option (1-based), the key's options included.
    chosen: dict[int, int]


def _quiz(result: GradeResult) -> SectionResult | None:
    return next((s for s in result.sections if s.kind == "quiz"), None)


def _correlation(xs: list[float], ys: list[float]) -> float | None:
    if len(xs) < 2 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    return statistics.correlation(xs, ys)


def upper_lower(correct: list[int], totals: list[float]) -> float | None:
    """Difficulty among the top 27% of `totals` minus among the bottom 27% (at least one student each)."""
    if len(correct) < 2:
        return None
    size = max(1, round(_GROUP_SHARE * len(correct)))
    order = sorted(range(len(correct)), key=lambda i: totals[i])
    lower = [correct[i] for i in order[:size]]
    upper = [correct[i] for i in order[-size:]]
    return sum(upper) / size - sum(lower) / size


def item_stats(course: Course, results: list[GradeResult]) -> list[ItemStats]:
    files = course.manifest.quiz
    if files is None:
        return []
    quiz = load_quiz(course.exercises_dir / files.questions)
    key = load_key(course.solutions_dir / files.key, quiz)
    sections = [s for s in map(_quiz, results) if s is not None and s.error is None]
    totals = [s.points for s in sections]
    items = []
    for question in quiz.questions:
        task_id = f"quiz.{question.id}"
        checks = [next((t.checks[0] for t in s.tasks if t.id == task_id), None) for s in sections]
        correct = [int(c is not None and c.passed) for c in checks]
        earned = [c.points if c is not None else 0.0 for c in checks]
        rest = [total - got for total, got in zip(totals, earned, strict=True)]
        chosen: Counter[int] = Counter()
        for check in checks:
            if check is not None and check.chosen:
                chosen.update(check.chosen)
        items.append(
            ItemStats(
                question_id=question.id,
                text=question.text,
                options=list(question.options),
                key=key.entry(question.id).options,
                students=len(checks),
                answered=sum(1 for c in checks if c is not None and c.chosen),
                difficulty=sum(correct) / len(correct) if correct else None,
                point_biserial=_correlation([float(c) for c in correct], rest),
                upper_lower=upper_lower(correct, totals),
                chosen={n: chosen[n] for n in range(1, len(question.options) + 1)},
            )
        )
    return items
