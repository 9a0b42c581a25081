"""Backend supervision: StopTrainingJob and MaxRuntimeInSeconds as SIGTERM, then SIGKILL."""

import threading
import time

from smemu.emulator.backends import (MAX_RUNTIME_EXCEEDED, STOPPED, Backend, ContainerRun,
                                     get_backend)


class FakeContainer:
    """Exits on SIGTERM unless stubborn; always on SIGKILL."""

    def __init__(self, stubborn=False, exits_after=None):
        self.stubborn = stubborn
        self.code = None
        self.signals = []
        self.started = time.monotonic()
        self.exits_after = exits_after

    def poll(self):
        if self.code is None and self.exits_after is not None and \
                time.monotonic() - self.started >= self.exits_after:
            self.code = 0
        return self.code

    def terminate(self):
        self.signals.append(("TERM", time.monotonic()))
        if not self.stubborn:
            self.code = -15

    def kill(self):
        self.signals.append(("KILL", time.monotonic()))
        self.code = -9


def supervise(container, **run_options):
    run = ContainerRun(job_dir=".", algorithm="kmeans", **run_options)
    return run, Backend.supervise(run, container.poll, container.terminate, container.kill,
                                  interval=0.01)


def test_normal_exit_is_not_a_stop():
    container = FakeContainer(exits_after=0.05)
    _, outcome = supervise(container, max_runtime=10)
    assert outcome.exit_code == 0 and outcome.stop_reason is None and container.signals == []
    assert outcome.succeeded


def test_max_runtime_sends_sigterm():
    container = FakeContainer()
    started = time.monotonic()
    _, outcome = supervise(container, max_runtime=0.2, stop_grace=5)
    assert outcome.stop_reason == MAX_RUNTIME_EXCEEDED and outcome.exit_code == -15
    assert [s for s, _ in container.signals] == ["TERM"]
    assert 0.2 <= container.signals[0][1] - started < 3.0


def test_stop_event_then_sigkill_after_the_grace_period():
    container = FakeContainer(stubborn=True)
    stop = threading.Event()
    threading.Timer(0.1, stop.set).start()
    _, outcome = supervise(container, stop_event=stop, stop_grace=0.3)
    assert outcome.stop_reason == STOPPED and outcome.exit_code == -9
    (term, t1), (kill, t2) = container.signals
    assert (term, kill) == ("TERM", "KILL") and 0.3 <= t2 - t1 < 3.0


def test_process_backend_stops_the_whole_process_group(tmp_path, monkeypatch):
    """A stop reaches the container's children too: a child holding stdout open must not keep
    the job waiting."""
    import subprocess
    (tmp_path / "opt_ml").mkdir()
    script = tmp_path / "container.sh"
    script.write_text("echo started\nsleep 30 &\nwait\n")
    real_popen = subprocess.Popen
    monkeypatch.setattr(subprocess, "Popen",
                        lambda args, **kwargs: real_popen(["/bin/sh", str(script)], **kwargs))
    stop = threading.Event()
    lines = []
    run = ContainerRun(job_dir=tmp_path, algorithm="kmeans", on_log_line=lines.append,
                       stop_event=stop, stop_grace=2)
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    outcome = get_backend("process").run(run)
    assert outcome.stop_reason == STOPPED and outcome.exit_code == -15
    assert lines == ["started"]
    assert time.monotonic() - started < 5
