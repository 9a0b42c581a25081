"""A full jobs root: the job ends Failed naming ENOSPC and the path, its container is stopped,
nothing hangs, the name is not burned, and ``describe`` works.

Each test mounts its own small tmpfs as the jobs root (the machine's disk is never filled). A
machine where mounting is impossible (not root, no CAP_SYS_ADMIN) skips them — except under
CI=true, where that is a failure."""

import os
import shutil
import subprocess

import pytest

from procs import pipe_job

TMPFS_BYTES = 2 * 1024 * 1024


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES},mode=0700",
                           "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        why = f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(why)
        pytest.skip(why)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(disk, leave: int):
    """Fill the disk up to ``leave`` free bytes; the filler file's path."""
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with open(filler, "wb") as handle:
        handle.write(b"\0" * max(free - leave, 0))
    while shutil.disk_usage(disk).free > leave:   # tmpfs rounds to pages
        with open(filler, "ab") as handle:
            handle.write(b"\0" * 4096)
    return filler


def leftovers(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob(".job-*"))


@pytest.mark.parametrize("leave", [0, 4096])
def test_no_room_to_record_the_job_burns_no_name(sandbox, small_disk, leave):
    """Too little room for the record and its reserve: refused at once, saying so; the name
    stays free, no temporary file is left."""
    job = pipe_job(sandbox.tmp, "no-room", epochs=1)
    filler = fill(small_disk, leave)
    done = sandbox.run("train", "--job", str(job), "--jobs-root", str(small_disk), "--quiet",
                       timeout=60)
    assert done.returncode == 1
    assert "No space left on device" in done.stderr and str(small_disk) in done.stderr
    assert "Traceback" not in done.stderr
    assert leftovers(small_disk) == []
    described = sandbox.run("describe", "no-room", "--jobs-root", str(small_disk))
    assert described.returncode == 1 and "Traceback" not in described.stderr
    filler.unlink()
    again = sandbox.run("train", "--job", str(job), "--jobs-root", str(small_disk), "--quiet",
                        "--name", "no-room", timeout=120)
    assert again.returncode == 0, again.stderr
    assert sandbox.describe("no-room", small_disk)["TrainingJobStatus"] == "Completed"


@pytest.mark.parametrize("leave", [96 * 1024, 256 * 1024])
def test_disk_filling_up_during_the_job_fails_it_naming_enospc(sandbox, small_disk, leave):
    """The log fills the disk (a k-means job logging ~1 KiB a pass): Failed, with a reason that
    says ENOSPC and where, within seconds; no container left; describe still works."""
    job = pipe_job(sandbox.tmp, "filling", epochs=2000)
    fill(small_disk, leave)
    done = sandbox.run("train", "--job", str(job), "--jobs-root", str(small_disk),
                       timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert sandbox.wait_for_no_survivors(timeout=10) == []
    record = sandbox.describe("filling", small_disk)
    assert record["TrainingJobStatus"] == "Failed"
    assert "ENOSPC" in record["FailureReason"] and str(small_disk) in record["FailureReason"]
    assert leftovers(small_disk) == []
