"""The container's half of the lifeline, on its own: EOF on stdin ends the container and its
process group at once — what a Docker container sees when the engine closes its StdinOnce stdin
after smemu's connection went."""

import signal
import subprocess
import sys
import time

from procs import tagged

CONTAINER = """
import os, subprocess, sys, time
from smemu.containers import lifeline
lifeline.hold({"SMEMU_LIFELINE": "stdin"})
child = subprocess.Popen(["sleep", "60"])       # something the container started
print(child.pid, flush=True)
time.sleep(60)
"""


def test_eof_on_stdin_ends_the_container_and_its_group(sandbox):
    container = subprocess.Popen([sys.executable, "-c", CONTAINER], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env=sandbox.env, start_new_session=True)
    grandchild = int(container.stdout.readline())
    time.sleep(0.3)
    assert container.poll() is None                   # holds while stdin is open
    container.stdin.close()                           # the host is gone
    assert container.wait(10) == -signal.SIGKILL
    assert b"the host process that started this container is gone" in container.stderr.read()
    deadline = time.monotonic() + 5
    while grandchild in tagged(sandbox.token) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert grandchild not in tagged(sandbox.token)


def test_without_the_variable_stdin_means_nothing(sandbox):
    """A container run by hand (no SMEMU_LIFELINE) ignores its stdin."""
    code = ("from smemu.containers import lifeline; lifeline.hold({}); import time; "
            "time.sleep(1.5)")
    container = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                 env=sandbox.env)
    container.stdin.close()
    assert container.wait(10) == 0


def test_a_parent_already_gone_ends_it_at_once(sandbox):
    code = ("from smemu.containers import lifeline; "
            "lifeline.hold({'SMEMU_PARENT_PID': '1'}); import time; time.sleep(30)")
    began = time.monotonic()
    container = subprocess.Popen([sys.executable, "-c", code], env=sandbox.env,
                                 start_new_session=True)
    assert container.wait(10) == -signal.SIGKILL
    assert time.monotonic() - began < 10
