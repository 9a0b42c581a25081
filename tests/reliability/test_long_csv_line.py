"""One enormous CSV line costs bounded memory: it is an error naming the line, and the reader goes
on past it (issue 14, item 18: a 100 MB line took 2.6 GB RSS in train and validate)."""

import io
import json
import subprocess
import sys

import pytest

from smemu.formats import FormatError
from smemu.formats.csv import MAX_LINE_BYTES, read_csv

from procs import pipe_job


def long_line(size):
    cells = size // 9          # "1.234567," is 9 bytes
    return b",".join([b"1.234567"] * cells) + b"\n"


def test_a_line_over_the_limit_names_the_line():
    body = b"1,2,3\n" + long_line(MAX_LINE_BYTES + 100) + b"4,5,6\n"
    with pytest.raises(FormatError) as info:
        list(read_csv(io.BytesIO(body), label_size=0, name="big.csv"))
    assert info.value.line == 2 and "big.csv" in str(info.value) and "bytes long" in str(info.value)


def test_the_lines_around_it_are_still_read_when_errors_are_collected():
    body = b"1,2,3\n" + long_line(MAX_LINE_BYTES + 100) + b"4,5,6\n"
    errors = []
    batches = list(read_csv(io.BytesIO(body), label_size=0, name="big.csv",
                            on_error=errors.append))
    assert [e.line for e in errors] == [2]
    rows = [row.tolist() for batch in batches for row in batch.features]
    assert rows == [[1, 2, 3], [4, 5, 6]]


def test_a_line_just_under_the_limit_is_read():
    line = long_line(MAX_LINE_BYTES - 1000)
    (batch,) = read_csv(io.BytesIO(line), label_size=0)
    assert batch.features.shape == (1, line.count(b",") + 1)


PEAK = ("import atexit, os, runpy\n"
        "def peak():\n"
        "    with open('/proc/self/status') as status:\n"
        "        line = next(l for l in status if l.startswith('VmHWM:'))\n"
        "    with open(os.environ['PEAK_FILE'], 'w') as out:\n"
        "        out.write(line)\n"
        "atexit.register(peak)\n"
        "runpy.run_module('smemu', run_name='__main__', alter_sys=True)\n")


def test_validate_on_a_100_mb_line_stays_small(sandbox):
    data = sandbox.tmp / "huge"
    data.mkdir()
    with open(data / "one-line.csv", "wb") as handle:
        handle.write(b"1,2,3,4,5,6,7\n")
        chunk = b"1.234567," * (1 << 17)
        for _ in range(100 * (1 << 20) // len(chunk)):
            handle.write(chunk)
        handle.write(b"1\n")
    job = json.loads(pipe_job(sandbox.tmp, "huge", epochs=1).read_text())
    job["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = data.as_uri() + "/"
    path = sandbox.tmp / "huge.json"
    path.write_text(json.dumps(job))
    # the peak is read from the process's own /proc status at exit (VmHWM, reset by exec):
    # getrusage's ru_maxrss of a child would count the pages it shared with a large test runner
    # between fork and exec
    peak_file = sandbox.tmp / "peak"
    done = subprocess.run([sys.executable, "-c", PEAK, "validate", "--job", str(path), "--json"],
                          env={**sandbox.env, "PEAK_FILE": str(peak_file)}, capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=300)
    report = json.loads(done.stdout.decode())
    assert done.returncode == 1
    assert any(p.get("line") == 2 and "bytes long" in p["message"] for p in report["problems"])
    peak_mb = int(peak_file.read_text().split()[1]) / 1024      # "VmHWM:  123456 kB"
    assert peak_mb < 300, f"validate peaked at {peak_mb:.0f} MB"
