"""The containers smemu starts, recorded so that none outlives its smemu process unnoticed.

Every container (a training or serving process, or a Docker container) is tied to the smemu
process that started it in two ways:

* a *lifeline* (see :mod:`smemu.containers.lifeline`): the container's stdin is a pipe only the
  host holds; the container ends itself when it reads EOF, i.e. as soon as the host process is
  gone, ``kill -9`` included. The process backend also asks for ``PR_SET_PDEATHSIG``;
* a *record*: ``<run dir>/<pid>.json`` (``$SMEMU_HOME/run``, else ``~/.smemu/run``; or
  ``SMEMU_RUN_DIR``) names the container's pid and start time (or Docker container id) and its
  owner's pid and start time. :func:`reap_orphans`, which ``smemu server`` and ``smemu train`` run
  when they start, ends whatever a dead owner left (a process group by pid, when its start time
  still matches, so a reused pid is never hit; a Docker container by id) and drops the record.

Start times come from ``/proc/<pid>/stat`` (clock ticks since boot), so a record is judged on
this machine only; a record from before a reboot names processes that no longer exist.
"""

from __future__ import annotations

import json
import os
import signal
import tempfile
from pathlib import Path

from smemu import contract

LIFELINE_ENVIRONMENT = {contract.ENV_LIFELINE: "stdin"}


def run_dir() -> Path:
    explicit = os.environ.get("SMEMU_RUN_DIR")
    if explicit:
        return Path(explicit)
    home = os.environ.get("SMEMU_HOME")
    return (Path(home) if home else Path.home() / ".smemu") / "run"


def start_time(pid: int) -> int | None:
    """The process' start time in clock ticks since boot, or None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    try:
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (IndexError, ValueError):
        return None


def alive(pid: int | None, started: int | None) -> bool:
    """Whether the process ``pid`` that started at ``started`` still runs (not a zombie)."""
    if not pid:
        return False
    now = start_time(pid)
    if now is None or (started is not None and now != started):
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def record_child(pid: int | None = None, *, container_id: str | None = None,
                 what: str = "") -> Path | None:
    """Record a container this process started; the path to give :func:`forget_child`."""
    directory = run_dir()
    owner = os.getpid()
    entry = {"owner_pid": owner, "owner_start": start_time(owner), "what": what}
    if pid is not None:
        entry.update(pid=pid, start=start_time(pid))
    if container_id:
        entry["container_id"] = container_id
    key = f"{pid}" if pid is not None else f"docker-{container_id[:12]}"
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".child-", dir=directory)
        with os.fdopen(fd, "w") as handle:
            json.dump(entry, handle)
        path = directory / f"{key}.json"
        os.replace(tmp, path)
        return path
    except OSError:
        return None            # a full or read-only disk: the lifeline still holds


def forget_child(path: Path | None) -> None:
    if path is not None:
        try:
            path.unlink()
        except OSError:
            pass


def reap_orphans(directory: Path | None = None) -> list[str]:
    """End what dead smemu processes left running; one line for each thing ended."""
    directory = directory or run_dir()
    if not directory.is_dir():
        return []
    ended = []
    for path in sorted(directory.glob("*.json")):
        try:
            entry = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if alive(entry.get("owner_pid"), entry.get("owner_start")):
            continue
        what = entry.get("what") or "container"
        pid = entry.get("pid")
        if pid and alive(pid, entry.get("start")):
            try:
                os.killpg(pid, signal.SIGKILL)      # a session leader: its group is its pid
                ended.append(f"{what} (pid {pid})")
            except OSError:
                pass
        if entry.get("container_id") and _remove_container(entry["container_id"]):
            ended.append(f"{what} (Docker container {entry['container_id'][:12]})")
        forget_child(path)
    return ended


def _remove_container(container_id: str) -> bool:
    try:
        import docker
        import docker.errors
    except ImportError:
        return False
    try:
        client = docker.from_env()
        client.containers.get(container_id).remove(force=True)
        return True
    except Exception:      # no engine, or the container is gone already
        return False
