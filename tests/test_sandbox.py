"""The boundary: frames are size-capped and read with weights_only; children run, fail and die alone."""

from __future__ import annotations

import io
import json
import os
import pickle
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from grader.reporters import shield_workflow_commands
from grader.runner.callrepr import format_call
from grader.runner.errors import LearnerRaised, SandboxAbort
from grader.runner.output import neutralize
from grader.runner.proxy import Learner
from grader.runner.session import CheckSession, ProbeSource, TaskChild, TaskHealth
from grader.runner.staging import Staging
from grader.sandbox import layers, protocol
from grader.sandbox.capture import CappedText, FdOutput
from grader.sandbox.layers import BASE_LAYERS, OPTIONAL_LAYERS, Policy, isolation_level
from grader.sandbox.limits import Limits
from grader.sandbox.values import Opaque, decode, encode


class Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_frames_round_trip_tensors_and_plain_values():
    left, right = socket.socketpair()
    value = {"x": torch.arange(6.0).reshape(2, 3).t(), "n": 3, "s": "é", "t": (1, 2.5, None), "d": torch.float64}
    protocol.send_to_judge(left, value)
    back = protocol.recv_from_sandbox(right, 1 << 20)
    assert torch.equal(back["x"], value["x"]) and back["x"].stride() == (1, 3)
    assert back["t"] == (1, 2.5, None) and back["d"] is torch.float64


def test_a_malicious_pickle_is_refused():
    left, right = socket.socketpair()
    payload = pickle.dumps(Evil())
    left.sendall(len(payload).to_bytes(8, "big") + payload)
    with pytest.raises(protocol.ProtocolError, match="unreadable"):
        protocol.recv_from_sandbox(right, 1 << 20)


def test_an_oversized_frame_is_refused_before_reading_it():
    left, right = socket.socketpair()
    left.sendall((10 << 30).to_bytes(8, "big"))
    with pytest.raises(protocol.FrameTooLarge):
        protocol.recv_from_sandbox(right, 1 << 20)


def test_recv_times_out():
    _, right = socket.socketpair()
    with pytest.raises(TimeoutError):
        protocol.recv_from_sandbox(right, 1 << 20, time.monotonic() + 0.05)


def test_values_encode_subclasses_and_foreign_objects():
    class Sub(torch.Tensor):
        pass

    encoded = encode({"p": torch.nn.Parameter(torch.ones(2)), "s": torch.ones(2).as_subclass(Sub), "o": object()})
    buffer = io.BytesIO()
    torch.save(encoded, buffer)
    back = decode(torch.load(io.BytesIO(buffer.getvalue()), weights_only=True))
    assert type(back["p"]) is torch.Tensor and back["p"].requires_grad
    assert type(back["s"]) is torch.Tensor
    assert isinstance(back["o"], Opaque) and back["o"].type_name == "builtins.object"


def test_capped_text_and_neutralize():
    out = CappedText(5)
    out.write("hello world")
    assert out.take() == "hello\n[... 6 more characters not shown]" and out.take() == ""
    assert neutralize("::set-output name=x::1\n\x1b[31mred\x1b[0m") == ": :set-output name=x::1\nred"
    assert neutralize("  ##[error]x") == "  # #[error]x"


def test_reports_hold_no_workflow_command():
    document = json.dumps({"message": "a ##[error]b", "output": "::notice::x"}, indent=2)
    shielded = shield_workflow_commands(document, "json")
    assert "##[" not in shielded and json.loads(shielded) == json.loads(document)
    text = shield_workflow_commands("ok\n    ::add-mask::x\nsee ##[warning]y", "text")
    assert text == "ok\n    : :add-mask::x\nsee # #[warning]y"


def test_fd_output_is_read_back_capped(tmp_path):
    log = tmp_path / "output.log"
    log.write_bytes(b"")
    output = FdOutput(os.open(log, os.O_RDONLY), cap=4)
    assert output.take() == ""
    log.write_bytes(b"abcdefgh")
    assert output.take() == "abcd\n[... 4 more bytes not shown]"
    with log.open("ab") as fh:
        fh.write(b"ij")
    assert output.take() == "ij"


def test_isolation_levels():
    confined = [*BASE_LAYERS, "landlock", "seccomp", "no-capabilities"]
    assert isolation_level(BASE_LAYERS) == "minimal"
    assert isolation_level([*BASE_LAYERS, "network-namespace"]) == "partial"
    assert isolation_level(confined) == "partial"  # signals not confined
    assert isolation_level([*confined, "landlock-signals"]) == "strong"
    assert isolation_level([*confined, "unprivileged-uid"]) == "strong"
    assert isolation_level([*BASE_LAYERS, "landlock", "seccomp", "landlock-signals"]) == "partial"  # capabilities kept
    assert isolation_level([*confined, "landlock-signals"], children_root=True) == "partial"


def _verify_in_a_child(policy: Policy, scratch: Path) -> dict[str, str]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(scratch)
            os.write(write_end, pickle.dumps(layers.verify(policy, scratch, scratch / "absent")))
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return pickle.loads(data)


def test_the_probe_reports_a_layer_whose_attacks_are_not_refused(tmp_path, monkeypatch):
    """A seccomp filter that loads but refuses nothing, and capabilities that are not dropped, are missing layers."""
    monkeypatch.setattr(layers.syscalls, "load_child_filter", lambda: None)
    monkeypatch.setattr(layers, "drop_capabilities", lambda: True)
    failed = _verify_in_a_child(Policy(seccomp=True, drop_capabilities=True), tmp_path)
    assert set(failed) == {"seccomp", "no-capabilities"}
    assert "the server could be signalled" in failed["seccomp"]  # this process loaded no guard
    assert "capabilities still held" in failed["no-capabilities"] or "no_new_privs" in failed["no-capabilities"]


def test_staging_copies_regular_files_and_follows_changes(tmp_path):
    source = tmp_path / "sub" / "exercises"
    (source / "pkg").mkdir(parents=True)
    (source / "ex01_demo.py").write_text("A = 1\n")
    (source / "pkg" / "helper.py").write_text("B = 2\n")
    (source / "secret.txt").write_text("s")
    (source / "link.py").symlink_to(source / "secret.txt")
    staging = Staging(tmp_path / "staged")
    first = staging.stage(source / "ex01_demo.py")
    assert first.read_text() == "A = 1\n" and (first.parent / "pkg" / "helper.py").is_file()
    assert not (first.parent / "link.py").exists()
    assert stat.S_IMODE(first.stat().st_mode) == 0o644
    assert staging.stage(source / "ex01_demo.py") == first
    (source / "ex01_demo.py").write_text("A = 22\n")
    second = staging.stage(source / "ex01_demo.py")
    assert second != first and second.read_text() == "A = 22\n"


def test_the_server_reports_the_layers_its_children_verified(server):
    ready = server.ready()
    assert set(ready["layers"]) >= set(BASE_LAYERS)
    assert set(ready["layers"]) | set(ready["missing"]) == {*BASE_LAYERS, *OPTIONAL_LAYERS}
    assert not set(ready["layers"]) & set(ready["missing"])
    assert all(ready["missing"].values())  # each missing layer says why
    assert ready["level"] == isolation_level(ready["layers"], children_root=ready["children_root"])
    assert ready["children_root"] == (os.geteuid() == 0 and "unprivileged-uid" not in ready["layers"])


def test_the_probe_outside_a_mount_view_reports_layers_instead_of_dying(tmp_path):
    """Outside the mount view a uid drop may leave the Python unreadable: the probe must still report each layer."""
    code = (
        "import json; from pathlib import Path; Path('server.log').write_text('');"
        "from grader.sandbox.server import verified_policy;"
        "policy, missing = verified_policy(network_namespace=False);"
        "print(json.dumps([policy.layers(), missing]))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    layers_held, missing = json.loads(done.stdout)
    assert "the probe child died" not in missing.values(), missing
    assert sys.platform != "linux" or "no-capabilities" in layers_held


def test_the_staging_area_needs_only_traversal_by_children(server):
    """No child may list the staging area (0711); the uid drop's probe must not count that as unreadable."""
    assert "submissions" not in server.ready()["missing"].get("unprivileged-uid", "")


def test_the_server_never_starts_a_thread_pool(server, tmp_path):
    """A process that forks with a running OpenMP pool gives children that hang: the server keeps one thread."""
    session = _session(server, tmp_path, "import torch\ndef f(x):\n    return (x @ x.t()).sum()\n")
    try:
        session.call("f", (torch.ones(64, 64),), {})
    finally:
        session.close()
    status = Path(f"/proc/{server.pid}/status")
    if not status.exists():
        pytest.skip("no /proc on this platform")
    threads = next(line for line in status.read_text().splitlines() if line.startswith("Threads:"))
    assert threads.split()[1] == "1"


def test_a_child_holds_no_descriptor_of_the_servers(server, tmp_path):
    source = "import os\ndef fds():\n    return sorted(int(fd) for fd in os.listdir('/proc/self/fd'))\n"
    session = _session(server, tmp_path, source)
    try:
        fds = session.call("fds", (), {})
    finally:
        session.close()
    # stdin, stdout, stderr, the judge's socket, the output log's reader, and the listing itself.
    assert fds[:3] == [0, 1, 2] and len(fds) <= 6, fds


def test_fd_level_output_and_subprocess_output_are_captured(server, tmp_path):
    source = (
        "import os, subprocess\n"
        "def f():\n"
        "    print('from print')\n"
        "    os.write(1, b'from os.write\\n')\n"
        "    subprocess.run(['echo', 'from a subprocess'], check=False)\n"
        "    return 1\n"
    )
    session = _session(server, tmp_path, source)
    try:
        assert session.call("f", (), {}) == 1
        printed = session.printed() or ""
    finally:
        session.close()
    assert "from print" in printed and "from os.write" in printed and "from a subprocess" in printed


def test_learner_exception_text_is_neutralised(server, tmp_path):
    source = "def f():\n    raise ValueError('\\x1b[2J::error::fake\\n##[error]fake')\n"
    session = _session(server, tmp_path, source)
    try:
        with pytest.raises(LearnerRaised) as raised:
            session.call("f", (), {})
    finally:
        session.close()
    text = raised.value.describe().en
    assert "\x1b" not in text and "##[" not in text


def _session(server, tmp_path, source: str, timeout: float = 5.0) -> CheckSession:
    module = tmp_path / "ex01_demo.py"
    module.write_text(source)
    return CheckSession(server, module, "ex01.demo", Limits(call_timeout_s=timeout), 0, TaskHealth())


def test_calls_return_values_and_learner_exceptions(server, tmp_path):
    session = _session(
        server, tmp_path, "import torch\ndef f(x):\n    return x * 2\ndef g():\n    raise KeyError('k')\n"
    )
    try:
        assert torch.equal(session.call("f", (torch.ones(2),), {}), torch.full((2,), 2.0))
        with pytest.raises(LearnerRaised) as raised:
            session.call("g", (), {})
        assert raised.value.is_a(KeyError) and "ex01_demo.py, line 5" in raised.value.describe().en
    finally:
        session.close()


def test_only_the_learners_own_raise_not_implemented_is_a_stub(server, tmp_path):
    source = (
        "import torch\n"
        "def todo():\n"
        "    raise NotImplementedError\n"
        "class Net(torch.nn.Module):\n"
        "    pass\n"
        "def run():\n"
        "    return Net()(torch.ones(1))\n"
    )
    session = _session(server, tmp_path, source)
    try:
        with pytest.raises(SandboxAbort) as aborted:
            session.call("todo", (), {})
        assert aborted.value.category == "not_implemented" and "todo is not implemented yet" in aborted.value.message.en
        with pytest.raises(LearnerRaised) as raised:  # torch's NotImplementedError: a Module without forward
            session.call("run", (), {})
        assert raised.value.is_a(NotImplementedError) and "forward" in raised.value.describe().en
    finally:
        session.close()


PROBES = """
def build_and_run(module, x):
    model = module.Net()
    return model(x).sum()

def use_result(module):
    return module.Net().missing_attribute
"""


def test_scenarios_name_the_learner_code_that_failed(server, tmp_path):
    source = (
        "import torch\n"
        "class Net(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "    def forward(self, x):\n"
        "        return x @ torch.ones(3, 2)\n"
        "class Todo(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        raise NotImplementedError\n"
    )
    module = tmp_path / "ex01_demo.py"
    module.write_text(source)
    probes = ProbeSource(filename="probes/ex01_demo.py", text=PROBES + "\ndef build_todo(module):\n    module.Todo()\n")
    session = CheckSession(server, module, "ex01.Net", Limits(call_timeout_s=5.0), 0, TaskHealth(), probes)
    try:
        with pytest.raises(LearnerRaised) as raised:
            session.probe("build_and_run", (torch.ones(2),), {})
        described = raised.value.describe().en
        assert described.startswith("Net.forward raised RuntimeError") and "ex01_demo.py, line 6" in described
        assert format_call(*session.calls[-1]) == "build_and_run(tensor([1., 1.]))"  # the input is the scenario's
        with pytest.raises(LearnerRaised) as raised:
            session.probe("use_result", (), {})
        assert raised.value.in_probe and "for Net:" in raised.value.describe().en
        with pytest.raises(SandboxAbort) as aborted:
            session.probe("build_todo", (), {})
        assert "Todo.__init__ is not implemented yet" in aborted.value.message.en
    finally:
        session.close()


def test_a_scenario_that_hangs_is_reported_under_the_task(server, tmp_path):
    module = tmp_path / "ex01_demo.py"
    module.write_text("def spin():\n    while True:\n        pass\n")
    probes = ProbeSource(filename="probes/ex01_demo.py", text="def run(module):\n    module.spin()\n")
    session = CheckSession(server, module, "ex01.spin", Limits(call_timeout_s=0.5), 0, TaskHealth(), probes)
    try:
        with pytest.raises(SandboxAbort) as aborted:
            session.probe("run", (), {})
        assert aborted.value.category == "timeout" and aborted.value.message.en.startswith("spin did not finish")
    finally:
        session.close()


def test_timeout_kills_the_child_and_stops_the_task(server, tmp_path):
    session = _session(server, tmp_path, "def spin():\n    while True:\n        pass\n", timeout=0.5)
    try:
        with pytest.raises(SandboxAbort) as aborted:
            session.call("spin", (), {})
        assert aborted.value.category == "timeout"
        with pytest.raises(SandboxAbort) as again:
            session.call("spin", (), {})
        assert again.value.category == "not_run"
    finally:
        session.close()


def test_segfault_is_a_crash_and_the_next_call_gets_a_fresh_child(server, tmp_path):
    source = "import ctypes\ndef boom():\n    ctypes.string_at(0)\ndef ok():\n    return 1\n"
    session = _session(server, tmp_path, source)
    try:
        with pytest.raises(SandboxAbort) as aborted:
            session.call("boom", (), {})
        assert aborted.value.category == "crash" and "segmentation fault" in aborted.value.message.en
        assert session.call("ok", (), {}) == 1
    finally:
        session.close()


def test_the_checks_of_a_task_share_its_child_until_a_crash(server, tmp_path):
    module = tmp_path / "ex01_demo.py"
    module.write_text("import ctypes, os\ndef pid():\n    return os.getpid()\ndef boom():\n    ctypes.string_at(0)\n")
    child = TaskChild(server, module, Limits(call_timeout_s=5.0), 0)

    def check() -> CheckSession:
        return CheckSession(server, module, "ex01.demo", Limits(call_timeout_s=5.0), 0, TaskHealth(), child=child)

    try:
        first = check()
        pid = first.call("pid", (), {})
        first.close()  # the check ends; the task's child lives on
        second = check()
        assert second.call("pid", (), {}) == pid
        with pytest.raises(SandboxAbort):
            second.call("boom", (), {})
        second.close()
        third = check()
        third_pid = third.call("pid", (), {})
        assert third_pid != pid  # a fresh child after the crash
    finally:
        child.close()
    assert _ends_soon(third_pid)  # closing the task's child ends its process


def _ends_soon(pid: int) -> bool:
    """Whether `pid` is gone or a zombie (the server reaps it later) within two seconds."""
    for _ in range(200):
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.01)
    return False


def test_a_call_prints_its_warnings_whatever_ran_before_it_in_the_child(server, tmp_path):
    source = (
        "import torch, warnings\n"
        "def warn():\n"
        "    warnings.warn('careful')\n"
        "    return float(torch.ones((), requires_grad=True))\n"  # torch's own warning, once per process by default
    )
    session = _session(server, tmp_path, source)
    try:
        for _ in range(2):
            assert session.call("warn", (), {}) == 1
            printed = session.printed() or ""
            assert "UserWarning: careful" in printed and "Converting a tensor with requires_grad=True" in printed
            assert printed.startswith("exercises/ex01_demo.py:3:")  # the learner's path, not the staged copy
    finally:
        session.close()


def test_system_exit_in_a_call_is_an_answer(server, tmp_path):
    session = _session(server, tmp_path, "import sys\ndef leave():\n    sys.exit(0)\n")
    try:
        with pytest.raises(LearnerRaised) as raised:
            session.call("leave", (), {})
        assert raised.value.is_a(SystemExit) and "must return" in raised.value.describe().en
    finally:
        session.close()


def test_children_do_not_see_the_judges_environment(server, tmp_path, monkeypatch):
    source = "import os\ndef env():\n    return sorted(os.environ)\ndef where():\n    return os.getcwd()\n"
    session = _session(server, tmp_path, source)
    try:
        names = session.call("env", (), {})
        assert "GRADE_CACHE_DIR" not in names and "HOME" in names
        assert str(server.scratch_root) in session.call("where", (), {})
    finally:
        session.close()


_PROBES = ProbeSource(
    "probes/ex01_demo.py",
    "def apply(module, name, x):\n    return getattr(module, name).apply(x)\n"
    "def twice(module, x, scale=1):\n    return module.f(x) * scale\n",
)
_FUNCTION = """
import torch


def f(x):
    return x * 2


class Half(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x / 2

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError
"""


def test_probes_run_next_to_the_learner_module_with_keyword_arguments(server, tmp_path):
    module = tmp_path / "ex01_demo.py"
    module.write_text(_FUNCTION)
    session = CheckSession(server, module, "ex01.demo", Limits(), 0, TaskHealth(), _PROBES)
    learner = Learner(session)
    try:
        assert torch.equal(learner.probe("twice", torch.ones(2), scale=3), torch.full((2,), 6.0))
        assert torch.equal(learner.probe("apply", name="Half", x=torch.ones(2)), torch.full((2,), 0.5))
        assert format_call(*session.calls[-1]) == "apply(name='Half', x=tensor([1., 1.]))"
    finally:
        session.close()


def test_a_stub_reached_through_a_probe_is_named_by_its_qualified_name(server, tmp_path):
    module = tmp_path / "ex01_demo.py"
    module.write_text(_FUNCTION.replace("return x / 2", "raise NotImplementedError"))
    session = CheckSession(server, module, "ex01.demo", Limits(), 0, TaskHealth(), _PROBES)
    try:
        with pytest.raises(SandboxAbort) as aborted:
            session.probe("apply", ("Half", torch.ones(2)), {})
        assert aborted.value.category == "not_implemented"
        assert aborted.value.message.en.startswith("Half.forward is not implemented yet")
    finally:
        session.close()
