"""File-mode and Pipe-mode channels inside the container, over both content types."""

import os
import threading

import numpy as np
import pytest

from smemu.containers.channels import FileChannel, PipeChannel, open_channels
from smemu.containers.paths import OptML
from smemu.formats import FormatError, write_recordio_protobuf

from optml import blobs


def _rows(channel, passes=1, batch_size=128):
    out = []
    for _ in range(passes):
        out.append(np.vstack([b.features.toarray() if hasattr(b.features, "toarray")
                              else b.features for b in channel.batches(batch_size)]))
    return out


def test_file_mode_reads_every_visible_file_recursively_in_sorted_order(tmp_path):
    rows = blobs(300)
    d = tmp_path / "opt_ml" / "input" / "data" / "train"
    (d / "b").mkdir(parents=True)
    (d / ".hidden").mkdir()
    np.savetxt(d / "b" / "part-2.csv", rows[200:], delimiter=",", fmt="%.6f")
    np.savetxt(d / "a.csv", rows[:100], delimiter=",", fmt="%.6f")
    np.savetxt(d / "b" / "part-1.csv", rows[100:200], delimiter=",", fmt="%.6f")
    (d / ".part-3.csv.crc").write_text("not data\n")
    (d / ".hidden" / "x.csv").write_text("not data\n")
    opt_ml = OptML(tmp_path / "opt_ml")
    channel = FileChannel("train", "text/csv;label_size=0", d, opt_ml)
    assert [p.relative_to(d).as_posix() for p in channel.files()] == ["a.csv", "b/part-1.csv",
                                                                       "b/part-2.csv"]
    (got,) = _rows(channel)
    np.testing.assert_allclose(got, rows, atol=1e-5)


def test_file_mode_recordio_protobuf_and_error_names_the_logical_path(tmp_path):
    rows = blobs(300)
    d = tmp_path / "opt_ml" / "input" / "data" / "train"
    d.mkdir(parents=True)
    write_recordio_protobuf(str(d / "part-0.pbr"), rows)
    opt_ml = OptML(tmp_path / "opt_ml")
    channel = open_channels(opt_ml, {"train": {"TrainingInputMode": "File"}})["train"]
    (got,) = _rows(channel)
    np.testing.assert_array_equal(got, rows)
    (d / "part-1.pbr").write_bytes(b"\x00" * 64)
    with pytest.raises(FormatError) as info:
        _rows(channel)
    assert "/opt/ml/input/data/train/part-1.pbr" in str(info.value)


def _serve_fifo(path, payload: bytes, ready: threading.Event):
    os.mkfifo(path)
    ready.set()
    try:
        with open(path, "wb") as out:
            out.write(payload)
    except BrokenPipeError:
        pass
    finally:
        os.unlink(path)


@pytest.mark.parametrize("content_type", ["text/csv;label_size=0", None])
def test_pipe_mode_opens_the_next_fifo_for_each_pass(tmp_path, content_type):
    rows = blobs(300)
    if content_type is None:
        import io
        buf = io.BytesIO()
        write_recordio_protobuf(buf, rows)
        payload = buf.getvalue()
    else:
        payload = "\n".join(",".join(f"{v:.6f}" for v in r) for r in rows).encode() + b"\n"
    data = tmp_path / "opt_ml" / "input" / "data"
    data.mkdir(parents=True)
    opt_ml = OptML(tmp_path / "opt_ml")
    channel = PipeChannel("train", content_type, data, opt_ml)
    for epoch in range(3):
        ready = threading.Event()
        t = threading.Thread(target=_serve_fifo, args=(data / f"train_{epoch}", payload, ready))
        t.start()
        (got,) = _rows(channel)
        t.join(5)
        np.testing.assert_allclose(got, rows, atol=1e-5)
    assert channel.epoch == 3


def test_pipe_mode_waits_for_the_fifo_to_appear(tmp_path):
    rows = blobs(30)
    payload = "\n".join(",".join(f"{v:.6f}" for v in r) for r in rows).encode() + b"\n"
    data = tmp_path / "data"
    data.mkdir()
    channel = PipeChannel("train", "text/csv;label_size=0", data, OptML(tmp_path))
    ready = threading.Event()
    timer = threading.Timer(0.3, _serve_fifo, args=(data / "train_0", payload, ready))
    timer.start()
    (got,) = _rows(channel)
    timer.join()
    assert got.shape == (30, 3)
