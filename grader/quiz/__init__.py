"""The multiple-choice quiz: questions (public), the key (secret), the learner's answers, and the score."""

from grader.quiz.grade import grade_quiz
from grader.quiz.questions import Key, Question, Quiz, load_key, load_quiz

__all__ = ["Key", "Question", "Quiz", "grade_quiz", "load_key", "load_quiz"]
