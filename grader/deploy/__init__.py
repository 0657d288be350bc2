"""Getting a course to learners and to CI: the learner repository, the encrypted hidden checks, Gradescope."""
