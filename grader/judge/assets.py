"""The trusted half of an exercise, loaded into the judge: the reference module and its probes."""

from __future__ import annotations

import functools
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from grader.course import Course, CourseError, Exercise
from grader.runner.session import ProbeSource


def import_file(path: Path, name: str) -> ModuleType:
    """Import a course file under a private module name; a failure is a course configuration error."""
    if not path.is_file():
        raise CourseError(path, "file not found")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CourseError(path, "cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise CourseError(path, f"fails to import: {type(exc).__name__}: {exc}") from None
    return module


@dataclass(frozen=True)
class ExerciseAssets:
    reference: ModuleType
    probes: ModuleType | None
    probe_source: ProbeSource | None


@functools.cache
def _load(reference_path: Path, probes_path: Path, stem: str) -> ExerciseAssets:
    reference = import_file(reference_path, f"grader_reference_{stem}")
    if not probes_path.is_file():
        return ExerciseAssets(reference, None, None)
    probes = import_file(probes_path, f"grader_probes_{stem}")
    source = ProbeSource(filename=f"probes/{probes_path.name}", text=probes_path.read_text(encoding="utf-8"))
    return ExerciseAssets(reference, probes, source)


def load_assets(course: Course, exercise: Exercise) -> ExerciseAssets:
    """Load once per process; batch grading reuses them for every submission."""
    return _load(course.reference_path(exercise), course.probes_path(exercise), exercise.stem)
