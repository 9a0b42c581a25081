"""One enormous CSV line costs bounded memory: it is an error naming the line, and the reader goes
on past it (issue 14, item 18: a 100 MB line took 2.6 GB RSS in train and validate)."""

import io
import json
import os

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
    process = sandbox.popen("validate", "--job", str(path), "--json")
    _, status, usage = os.wait4(process.pid, 0)
    out = process.stdout.read().decode()
    process.returncode = os.waitstatus_to_exitcode(status)
    report = json.loads(out)
    assert process.returncode == 1
    assert any(p.get("line") == 2 and "bytes long" in p["message"] for p in report["problems"])
    peak_mb = usage.ru_maxrss / 1024
    assert peak_mb < 300, f"validate peaked at {peak_mb:.0f} MB"
