"""Grading a whole class: intake of submission folders and archives, parallel grading, the gradebook, exports.

Nothing here imports torch at module level: the coordinator (`grader.batch.run`) never needs it,
and workers (`grader.batch.job`) pay for it once each.
"""
