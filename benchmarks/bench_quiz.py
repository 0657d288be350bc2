"""What reading an answers file costs, as the file grows: the time must grow with the size, not its square.

    .venv/bin/python benchmarks/bench_quiz.py

Prints figures; asserts nothing. For each size: a valid TOML file of that many keys (read as TOML),
the same file with one malformed line (read line by line), and one line nested that deep (the
reader refuses it without parsing). Files past the 64 KiB cap cost what the cap costs.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from grader.course import load_course
from grader.quiz import load_quiz
from grader.quiz.answers import read_answers

ROOT = Path(__file__).resolve().parents[1]


def _files(keys: int) -> dict[str, str]:
    valid = "".join(f"k{i} = 1\n" for i in range(keys))
    return {
        "valid TOML": valid,
        "one bad line": "q3 == 2\n" + valid,
        "nested": "q5 = " + "[" * keys + "]" * keys + "\n",
    }


def _millis(path: Path, quiz, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        read_answers(path, quiz)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    course = load_course(ROOT)
    quiz = load_quiz(course.exercises_dir / course.manifest.quiz.questions)
    sizes = [100, 1_000, 4_000, 16_000, 124_000]
    print(f"{'keys':>8} " + " ".join(f"{name:>14}" for name in _files(1)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "answers.toml"
        for keys in sizes:
            row = []
            for text in _files(keys).values():
                path.write_text(text, encoding="utf-8")
                row.append(f"{_millis(path, quiz):11.2f} ms")
            print(f"{keys:>8} " + " ".join(row))


if __name__ == "__main__":
    main()
