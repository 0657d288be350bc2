"""Getting a course to learners and to CI: the learner repository, the encrypted hidden checks, Gradescope.

Only constants here: the command line imports this package at start-up.
"""

# The environment variable (in CI: the secret) that holds the key of the hidden checks bundle.
DEFAULT_KEY_ENV = "GRADER_BUNDLE_KEY"
