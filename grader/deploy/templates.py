"""The files the grader writes into other repositories and archives, filled from `templates/`.

Placeholders are `@name@`: YAML's `${{ }}`, TOML's and Markdown's braces stay as they are. A
placeholder without a value is an error, never left in a file.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from pathlib import Path

from grader.deploy.errors import DeployError

TEMPLATES = Path(__file__).with_name("templates")
# The torch that the README, CI and the Gradescope image install: a CPU build, pinned.
TORCH_VERSION = "2.13.0"
PYTHON_FOR_CI = "3.12"
# What `[tool.setuptools.package-data]` must ship for the grader to run (keep in step with pyproject.toml).
PACKAGE_DATA = ["i18n/*.toml", "deploy/templates/*"]
_PLACEHOLDER = re.compile(r"@([a-z_]+)@")


def fill(template: str, /, **values: str) -> str:
    """The file `template` with every `@key@` replaced by `values[key]`."""
    text = (TEMPLATES / template).read_text(encoding="utf-8")

    def one(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"template {template} needs a value for @{key}@")
        return values[key]

    return _PLACEHOLDER.sub(one, text)


def _distribution() -> importlib.metadata.Distribution:
    names = importlib.metadata.packages_distributions().get("grader", [])
    for name in names:
        return importlib.metadata.distribution(name)
    raise DeployError("the grader is not installed as a package here: install it with `pip install -e .` first")


def requirements() -> list[str]:
    """The grader's own dependencies (no extras), as installed."""
    dist = _distribution()
    return [r for r in dist.requires or [] if "extra ==" not in r]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]


def pinned_requirements() -> list[str]:
    """The grader's dependencies pinned to one version each: torch to `TORCH_VERSION`, the others to the
    versions installed here (environment markers kept).

    The one source of every copy of the grader that grades: the learner repository's pyproject.toml
    (what GitHub Classroom's CI installs) and the Gradescope zip's pyproject.toml and constraints.txt.
    Hypothesis draws differently from one version to the next, so unpinned copies would score the
    same code differently. A dependency not installed here (a Linux-only one on macOS) keeps its range.
    """
    pinned = []
    for requirement in requirements():
        name = _name(requirement)
        _, semicolon, marker = requirement.partition(";")
        try:
            version = TORCH_VERSION if name.lower() == "torch" else importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pinned.append(requirement)
            continue
        pinned.append(f"{name}=={version}" + (f"; {marker.strip()}" if semicolon else ""))
    return pinned


def constraints() -> str:
    """`pinned_requirements` as pip constraints, torch left out (setup.sh installs its CPU build first)."""
    lines = ["# The versions the autograder was built with; torch is installed separately (CPU build)."]
    lines += [r for r in pinned_requirements() if _name(r).lower() != "torch"]
    return "\n".join(lines) + "\n"


def pyproject() -> str:
    """A pyproject.toml that installs the grader from a copy of its source (learner repositories, Gradescope)."""
    dist = _distribution()
    meta = dist.metadata
    return fill(
        "pyproject.toml.in",
        torch=TORCH_VERSION,
        name=meta["Name"],
        version=meta["Version"],
        description=(meta.get("Summary") or "").replace('"', "'"),
        requires_python=meta.get("Requires-Python") or ">=3.11",
        dependencies=json.dumps(pinned_requirements(), ensure_ascii=False),
        package_data=json.dumps(PACKAGE_DATA),
    )
