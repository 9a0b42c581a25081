"""The run dir's records: what the next smemu process reaps, and what it must leave alone."""

import json
import signal
import subprocess
import sys

from smemu.emulator import supervision


def sleeper(**options):
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], **options)


def write(run, child, owner_pid, owner_start, child_start=None):
    (run / f"{child.pid}.json").write_text(json.dumps({
        "owner_pid": owner_pid, "owner_start": owner_start, "what": "train container",
        "pid": child.pid, "start": supervision.start_time(child.pid) if child_start is None
        else child_start}))


def test_a_live_owner_keeps_its_container(tmp_path):
    child = sleeper(start_new_session=True)
    try:
        write(tmp_path, child, supervision.os.getpid(), supervision.start_time(supervision.os.getpid()))
        assert supervision.reap_orphans(tmp_path) == []
        assert child.poll() is None and (tmp_path / f"{child.pid}.json").exists()
    finally:
        child.kill()
        child.wait()


def test_a_dead_owner_is_known_by_its_start_time_not_its_pid_alone(tmp_path):
    """Our own pid with another start time is a dead owner whose pid was reused."""
    child = sleeper(start_new_session=True)
    try:
        me = supervision.os.getpid()
        write(tmp_path, child, me, supervision.start_time(me) - 1)
        assert supervision.reap_orphans(tmp_path) == [f"train container (pid {child.pid})"]
        assert child.wait(10) == -signal.SIGKILL
        assert list(tmp_path.glob("*.json")) == []
    finally:
        if child.poll() is None:
            child.kill()


def test_a_reused_container_pid_is_never_signalled(tmp_path):
    """The recorded pid now names another process (another start time): it is left alone."""
    bystander = sleeper(start_new_session=True)
    try:
        write(tmp_path, bystander, 999999999, 1,
              child_start=supervision.start_time(bystander.pid) + 5)
        assert supervision.reap_orphans(tmp_path) == []
        assert bystander.poll() is None
        assert list(tmp_path.glob("*.json")) == []      # the stale record is dropped
    finally:
        bystander.kill()
        bystander.wait()


def test_process_backend_records_its_container_while_it_runs(tmp_path, monkeypatch):
    import threading

    from smemu.emulator.backends import ContainerRun, get_backend

    monkeypatch.setenv("SMEMU_RUN_DIR", str(tmp_path / "run"))
    (tmp_path / "opt_ml").mkdir()
    seen = []
    stop = threading.Event()

    def on_line(line):
        seen.append(sorted(p.name for p in (tmp_path / "run").glob("*.json")))
        stop.set()

    script = tmp_path / "container.sh"
    script.write_text("echo started\nsleep 30\n")
    real = subprocess.Popen
    monkeypatch.setattr(subprocess, "Popen",
                        lambda args, **kw: real(["/bin/sh", str(script)], **kw))
    run = ContainerRun(job_dir=tmp_path, algorithm="kmeans", on_log_line=on_line,
                       stop_event=stop, stop_grace=1)
    outcome = get_backend("process").run(run)
    assert outcome.stop_reason == "Stopped"
    assert len(seen[0]) == 1 and seen[0][0].endswith(".json")
    assert list((tmp_path / "run").glob("*.json")) == []
