"""The install commands people copy: torch from PyTorch's CPU index, as the templates install it; how to reach grade."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "grader" / "deploy" / "templates"
CPU_INDEX = "--index-url https://download.pytorch.org/whl/cpu"
READMES = [ROOT / "README.md", TEMPLATES / "README.md"]


def _torch_installs(text: str) -> list[str]:
    """Every `pip install` command (split at `&&`) in the shell blocks that installs torch."""
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    commands = [part for block in blocks for line in block.splitlines() for part in line.split("&&")]
    return [c.strip() for c in commands if "pip install" in c and "torch" in c]


@pytest.mark.parametrize("readme", READMES, ids=["README", "learner README"])
def test_torch_comes_from_the_cpu_index_as_in_the_templates(readme):
    installs = _torch_installs(readme.read_text(encoding="utf-8"))
    assert installs and all(CPU_INDEX in c for c in installs), installs
    # Nothing else rides on that index: the grader and its dependencies come from PyPI.
    assert all(re.fullmatch(r"\S*pip install torch==\S+ " + re.escape(CPU_INDEX), c) for c in installs), installs
    for template in ("setup.sh", "classroom.yml"):
        assert CPU_INDEX in (TEMPLATES / template).read_text(encoding="utf-8")


@pytest.mark.parametrize("readme", READMES, ids=["README", "learner README"])
def test_the_readme_says_how_to_reach_grade(readme):
    text = readme.read_text(encoding="utf-8")
    assert "source .venv/bin/activate" in text and "`.venv/bin/grade" in text
    assert "WSL" in text
