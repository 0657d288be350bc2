"""The `grade` command line: one function per command, options declared beside it."""

from __future__ import annotations

import click

from grader import __version__
from grader.cli.batch import batch_cmd, report_cmd
from grader.cli.deploy import bundle_cmd, classroom_group, gradescope_group, release_cmd, unbundle_cmd
from grader.cli.doctor import doctor_cmd
from grader.cli.grading import all_cmd, exercise_cmd, quiz_cmd
from grader.cli.info import hint_cmd, list_cmd
from grader.cli.learner import test_cmd
from grader.cli.selftest import selftest_cmd
from grader.cli.support import needs_posix
from grader.cli.watch import watch_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
def main() -> None:
    """Grade PyTorch course exercises and the quiz.

    \b
    grade list                 where you stand
    grade exercise 1           grade one exercise (or: grade exercise 1 one_hot)
    grade watch                re-grade on every save, then on to the next exercise
    grade test 1               run the public tests of exercise 1
    grade hint 1 one_hot       a nudge when stuck
    grade quiz                 grade exercises/quiz/answers.toml
    grade all                  everything, as CI does
    grade doctor               how learner code is sandboxed on this machine

    \b
    For instructors:
    grade batch DIR --out OUT  a whole class: gradebook, CSV exports, feedback
    grade report OUT           the class report page
    selftest, release (the learners' repository), bundle / unbundle
    (encrypted hidden checks for CI), gradescope build (Gradescope's autograder zip).
    """


for command in (
    list_cmd,
    exercise_cmd,
    watch_cmd,
    test_cmd,
    quiz_cmd,
    all_cmd,
    hint_cmd,
    doctor_cmd,
    selftest_cmd,
    release_cmd,
    bundle_cmd,
    unbundle_cmd,
    gradescope_group,
    classroom_group,
    batch_cmd,
    report_cmd,
):
    main.add_command(command)

# What runs learner code (or the sandbox) needs POSIX; on Windows these say so and exit 2.
for command in (exercise_cmd, watch_cmd, test_cmd, all_cmd, doctor_cmd, selftest_cmd, batch_cmd):
    needs_posix(command, f"grade {command.name}")
needs_posix(gradescope_group.commands["run"], "grade gradescope run")
needs_posix(classroom_group.commands["run"], "grade classroom run")
