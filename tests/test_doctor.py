"""`grade doctor`: one screen of the sandbox's layers, in English or Korean, exit 0."""

from __future__ import annotations

from click.testing import CliRunner

from grader.cli import main
from grader.sandbox.layers import BASE_LAYERS, OPTIONAL_LAYERS


def test_doctor_lists_every_layer_and_the_level(server):
    ready = server.ready()
    result = CliRunner().invoke(main, ["doctor", "--lang", "en"], catch_exceptions=False)
    assert result.exit_code == 0
    out = result.stdout
    assert f"Sandbox isolation on this machine: {ready['level']}" in out
    assert all(layer in out for layer in (*BASE_LAYERS, *OPTIONAL_LAYERS))
    assert out.count("missing: ") == len(ready["missing"])
    assert [line for line in out.splitlines() if line != line.rstrip()] == []  # no table padding


def test_doctor_in_korean():
    result = CliRunner().invoke(main, ["doctor"], env={"GRADE_LANG": "ko"}, catch_exceptions=False)
    assert result.exit_code == 0
    assert "샌드박스 격리 수준" in result.stdout and "seccomp" in result.stdout
