"""Grading a whole class: intake of submission folders and archives, parallel grading, the gradebook, exports.

Nothing here imports torch at module level: the coordinator (`grader.batch.run`) never needs it,
and workers (`grader.batch.job`) pay for it once each.
"""

from typing import Literal, get_args

# How much the feedback files tell (`grade batch --feedback`, `grader.batch.feedback`).
FeedbackLevel = Literal["before-deadline", "after-deadline"]
FEEDBACK_LEVELS: tuple[str, ...] = get_args(FeedbackLevel)
DEFAULT_FEEDBACK: FeedbackLevel = "before-deadline"
