"""`grade doctor`: one screen of the sandbox's layers, in English or Korean, exit 0."""

from __future__ import annotations

from click.testing import CliRunner

from grader.cli import main
from grader.sandbox.layers import BASE_LAYERS, OPTIONAL_LAYERS, isolation_level


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


class _RootChildrenServer:
    """A server whose children stay root: every other layer present."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def ready(self):
        layers = [*BASE_LAYERS, *(name for name in OPTIONAL_LAYERS if name != "unprivileged-uid")]
        return {
            "python": "3",
            "torch": "2",
            "layers": layers,
            "missing": {"unprivileged-uid": "nobody cannot read /root/python"},
            "children_root": True,
            "level": isolation_level(layers, children_root=True),
        }


def test_doctor_says_when_children_stay_root(monkeypatch):
    monkeypatch.setattr("grader.runner.server.SandboxServer", _RootChildrenServer)
    result = CliRunner().invoke(main, ["doctor", "--lang", "en"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Sandbox isolation on this machine: partial" in result.stdout
    assert "Children stay root here" in result.stdout
