"""Throughput and memory of `grade batch` on a synthetic class, next to one fresh `grade all` per submission.

    .venv/bin/python benchmarks/bench_batch.py [--students 40] [--naive 10]

Generates N submissions, each different from every other (a comment naming the student heads
each file): the reference, half of them with one or two classic mistakes in exercise 1, a third
with a mistake in one of the other exercises (taken from the engine's tests), each with its
own quiz answers. It grades them with `grade batch --jobs 1` and `--jobs 2` (default profile,
then `--jobs 2 --quick`), and with the naive way: a new `grade all` process per submission,
one after the other, on the first `--naive` submissions. Prints submissions per minute (wall
clock of the whole command, start-up included), the CPU time the whole process tree used per
submission, and the peak memory (PSS) of that tree. It asserts nothing.

On a shared machine the wall-clock rate follows the load; the CPU time per submission does
not, so the script also prints the rate the machine's cores would give if they were free
(parallel processes x 60 / CPU seconds per submission, at most one core each).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import resource
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import psutil

from grader.course import load_course
from grader.selftest import reference_submission

# The same memory measure as the single-run benchmark; mistakes from the engine's tests.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_grading import _tree_pss

from tests import test_exercise02, test_exercise03, test_exercise04, test_exercise05

ROOT = Path(__file__).resolve().parents[1]

# Per module of exercises 2 to 5, the replacement sources of its mistakes, as the tests list them.
OTHER_WRONG = {
    module: [textwrap.dedent(source).strip() for _, _, source, _ in tests.WRONG]
    for module, tests in (
        ("ex02_autograd.py", test_exercise02),
        ("ex03_data.py", test_exercise03),
        ("ex04_modules.py", test_exercise04),
        ("ex05_training.py", test_exercise05),
    )
}

# Plausible wrong versions of exercise 1 (appended to the reference: the later definition wins).
WRONG = [
    "def standardize(x, dim=0, eps=1e-5):\n    return (x - x.mean(dim, True)) / (x.std(dim, keepdim=True) + eps)",
    "def flatten_batch(x):\n    return x.view(x.shape[0], -1)",
    "def linear(x, weight, bias=None):\n    return x @ weight.T + bias",
    "def one_hot(labels, num_classes):\n    return torch.nn.functional.one_hot(labels, num_classes)",
    "def masked_mean(x, mask, dim):\n    return (x * mask).sum(dim) / x.shape[dim]",
]
TARGET_PER_MINUTE = 60


def make_class(folder: Path, students: int) -> list[Path]:
    course = load_course(ROOT)
    rng = random.Random(0)
    made = []
    for i in range(students):
        student = f"student{i:03d}"
        submission = reference_submission(course, folder / student)
        sources = {ex.module: (course.solutions_dir / ex.module).read_text() for ex in course.exercises}
        if i % 2:  # half of the class makes one or two classic mistakes in exercise 1
            sources["ex01_tensors.py"] += "\n\n" + "\n\n".join(rng.sample(WRONG, k=1 + i % 2)) + "\n"
        if i % 3 == 0:  # a third makes one in another exercise, taking turns
            module = list(OTHER_WRONG)[(i // 3) % len(OTHER_WRONG)]
            mistakes = OTHER_WRONG[module]
            sources[module] += "\n\n" + mistakes[(i // 3 // len(OTHER_WRONG)) % len(mistakes)] + "\n"
        for module, text in sources.items():
            (submission / "exercises" / module).write_text(f"# {student}\n{text}")
        answers = submission / "exercises" / "quiz" / "answers.toml"
        lines = answers.read_text().splitlines()
        wrong = rng.randrange(len(lines))
        lines[wrong] = lines[wrong].split("=")[0] + "= 1"
        answers.write_text("\n".join(lines) + "\n")
        made.append(submission)
    return made


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(args: list[str], interval_s: float = 0.25) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds, exit code and peak PSS of the whole process tree of one command.

    CPU time counts every process of the tree, each reaped by its parent up to this one.

    Sampling reads every process's memory map, so it runs four times a second, not more: often
    enough for a batch whose memory is flat, rarely enough not to steal the CPU being measured.
    """
    cpu = _children_cpu()
    started = time.perf_counter()
    process = psutil.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(interval_s):
            with contextlib.suppress(psutil.NoSuchProcess):  # the command ended between two samples
                peak = max(peak, _tree_pss(process))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return seconds, _children_cpu() - cpu, code, peak


def naive(submissions: list[Path]) -> tuple[float, float, int]:
    """Wall and CPU seconds for one fresh `grade all` process per submission, one after the other; the largest peak."""
    wall = cpu = 0.0
    peak = 0
    for submission in submissions:
        seconds, used, _, memory = measured([sys.executable, "-m", "grader", "all", "--submission", str(submission)])
        wall += seconds
        cpu += used
        peak = max(peak, memory)
    return wall, cpu, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--naive", type=int, default=10, help="submissions graded the naive way")
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        folder = Path(tmp) / "class"
        submissions = make_class(folder, options.students)
        for label, jobs, extra in (
            ("--jobs 1", 1, []),
            ("--jobs 2", 2, []),
            ("--jobs 2 --quick", 2, ["--quick"]),
        ):
            out = Path(tmp) / f"out{len(rows)}"
            command = [sys.executable, "-m", "grader", "batch", str(folder), "--out", str(out), "--jobs", str(jobs)]
            seconds, cpu, code, peak = measured([*command, *extra])
            rows.append((f"grade batch {label}", jobs, options.students, seconds, cpu, peak, code))
        sample = submissions[: options.naive]
        seconds, cpu, peak = naive(sample)
        rows.append(("naive: grade all per submission", 1, len(sample), seconds, cpu, peak, 0))

    cores = psutil.cpu_count() or 1
    print(
        f"machine: {cores} CPUs, load average {psutil.getloadavg()[0]:.1f} at the end (shared: wall figures follow it)"
    )
    print(f"{'':34s} {'count':>5s} {'wall':>8s} {'rate':>11s} {'CPU/sub':>8s} {'on free cores':>14s} {'peak':>9s}")
    rates = {}
    for label, parallel, count, seconds, cpu, peak, code in rows:
        rate = 60 * count / seconds
        # What the same work would take with `parallel` cores to itself.
        capacity = min(parallel, cores) * 60 * count / cpu
        rates[label] = (rate, capacity)
        print(
            f"{label:34s} {count:5d} {seconds:7.1f}s {rate:6.1f} /min {cpu / count:7.2f}s {capacity:8.1f} /min "
            f"{peak / 2**20:6.0f} MiB{'' if code == 0 else f'  exit {code}'}"
        )
    jobs2, jobs2_free = rates["grade batch --jobs 2"]
    naive_rate, naive_free = rates["naive: grade all per submission"]
    print(
        f"--jobs 2: {jobs2:.1f} /min measured, {jobs2_free:.1f} /min on free cores (target >= {TARGET_PER_MINUTE}); "
        f"{jobs2 / naive_rate:.1f}x the naive baseline measured, {jobs2_free / naive_free:.1f}x on free cores "
        "(target >= 3x); peak memory target < 2048 MiB"
    )


if __name__ == "__main__":
    main()
