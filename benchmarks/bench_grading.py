"""Time `grade exercise N` for each exercise and `grade all` against a bare `import torch`, the cost of a sandboxed
call, and peak memory.

    .venv/bin/python benchmarks/bench_grading.py [--repeat 3]

Prints figures and ratios; it asserts nothing. Per exercise it shows the wall time of the whole
command and the judge's own `duration_s` (running the checks, without start-up). Peak memory is
the largest sum of PSS (RSS shares of shared pages split between processes) over the whole
process tree, sampled every 10 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from bench_sandbox import sandbox_call_costs

ROOT = Path(__file__).resolve().parents[1]


def _tree_pss(root: psutil.Process) -> int:
    total = 0
    try:
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:  # the command ended between two samples
        return 0
    for proc in tree:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += proc.memory_full_info().pss
    return total


def timed_run(args: list[str]) -> tuple[float, int]:
    """Wall seconds and exit code of one command."""
    started = time.perf_counter()
    code = subprocess.run(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    return time.perf_counter() - started, code


def peak_memory(args: list[str]) -> int:
    """Peak PSS of the whole process tree of one command (a separate run: sampling costs CPU)."""
    process = psutil.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_pss(process))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    process.wait()
    done.set()
    sampler.join()
    return peak


def median_run(args: list[str], repeat: int) -> tuple[float, int, int]:
    """Median wall seconds over `repeat` runs, the exit code, and the peak memory of one more run."""
    runs = [timed_run(args) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), runs[-1][1], peak_memory(args)


def checks_seconds(args: list[str], repeat: int) -> tuple[float, float]:
    """Median wall seconds of a grading command and median `duration_s` its JSON result reports."""
    walls, judged = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run([*args, "--format", "json"], cwd=ROOT, capture_output=True, text=True)
        walls.append(time.perf_counter() - started)
        judged.append(json.loads(done.stdout)["duration_s"])
    return statistics.median(walls), statistics.median(judged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    python = sys.executable
    grade = [python, "-m", "grader"]

    from grader.course import load_course
    from grader.selftest import reference_submission

    course = load_course(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        submission = str(reference_submission(course, Path(tmp) / "reference"))
        torch_s, _, torch_mem = median_run([python, "-c", "import torch"], options.repeat)
        exercises = {
            ex.number: median_run([*grade, "exercise", str(ex.number), "--submission", submission], options.repeat)
            for ex in course.exercises
        }
        all_s, all_code, all_mem = median_run([*grade, "all", "--submission", submission], options.repeat)
        quick_s, _, _ = median_run([*grade, "all", "--quick", "--submission", submission], options.repeat)
        per_exercise = {
            ex.number: checks_seconds([*grade, "exercise", str(ex.number), "--submission", submission], options.repeat)
            for ex in course.exercises
        }
    costs = sandbox_call_costs()

    print(f"machine: {psutil.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"bare `import torch`              {torch_s:6.2f} s   peak {torch_mem / 2**20:6.0f} MiB")
    for number, (ex_s, ex_code, ex_mem) in exercises.items():
        target = " (target <= 2.5x)" if number == 1 else ""
        print(
            f"grade exercise {number} (reference)     {ex_s:6.2f} s   peak {ex_mem / 2**20:6.0f} MiB   "
            f"{ex_s / torch_s:4.2f}x torch import{target}   exit {ex_code}"
        )
    print(
        f"grade all (reference)            {all_s:6.2f} s   peak {all_mem / 2**20:6.0f} MiB   "
        f"{all_s / torch_s:4.2f}x torch import   exit {all_code}"
    )
    print(f"grade all --quick (reference)    {quick_s:6.2f} s")
    for number, (wall, judged) in per_exercise.items():
        print(f"grade exercise {number} (reference)     {wall:6.2f} s   checks {judged:5.2f} s")
    print(f"one call, in process             {costs['direct']:6.3f} ms")
    print(
        f"one call, sandboxed (live child) {costs['sandboxed']:6.3f} ms   "
        f"(+{costs['sandboxed'] - costs['direct']:.3f} ms, target <= 5 ms)"
    )
    print(f"first call in a fresh child      {costs['fresh_child']:6.3f} ms")
    print("peak memory target: whole grading run under 1024 MiB")


if __name__ == "__main__":
    main()
