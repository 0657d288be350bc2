"""A course's points possible: per exercise and for the quiz, known from the course alone (nobody graded)."""

from __future__ import annotations

from grader.course.manifest import Course


def section_points(course: Course) -> dict[str, float]:
    """Points possible per section: each exercise by its id (`ex01`), and `quiz` when the course has one."""
    from grader.quiz import load_quiz  # the quiz reads its questions file, which may raise CourseError

    points = {ex.id: sum(task.points for task in ex.tasks) for ex in course.exercises}
    if course.manifest.quiz is not None:
        questions = load_quiz(course.exercises_dir / course.manifest.quiz.questions).questions
        points["quiz"] = sum(q.points for q in questions)
    return points


def course_points(course: Course) -> float:
    """The course's total points possible."""
    return sum(section_points(course).values())
