"""The compiled RecordIO framing (``_wire_c.frame``) finds exactly the records, offsets and errors
the numpy framing finds: single-part records, multi-part ones (handed back to numpy), records cut
by block ends, truncated files and garbage."""

from __future__ import annotations

import io

import numpy as np
import pytest

from smemu.formats import FormatError, recordio
from smemu.formats.recordio import MAGIC_BYTES, frame, iter_frames

pytestmark = pytest.mark.skipif(recordio._compiled_frame is None,
                                reason="the compiled module is not built")


def framed(data: bytes, block_size: int, compiled: bool, monkeypatch):
    """[(record index, offset, payload)] and the error, if any, reading ``data`` in blocks."""
    monkeypatch.setattr(recordio, "_compiled_frame", recordio._compiled_frame if compiled else None)
    found, error = [], None
    try:
        for frames in iter_frames(io.BytesIO(data), "data.rec", block_size):
            for i in range(len(frames)):
                found.append((frames.first_record + i, int(frames.offsets[i]), frames.payload(i)))
    except FormatError as exc:
        error = str(exc)
    return found, error


def payloads(rng, count):
    out = []
    for _ in range(count):
        body = rng.integers(0, 256, int(rng.integers(0, 300)), dtype=np.uint8).tobytes()
        if rng.random() < 0.2:   # a magic number at a 4-byte boundary: dmlc-core splits the record
            body = body[:len(body) // 4 * 4] + MAGIC_BYTES + body[len(body) // 4 * 4:]
        out.append(body)
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("block_size", [64, 1000, 1 << 20])
@pytest.mark.parametrize("ending", ["whole", "truncated payload", "half header", "garbage"])
def test_compiled_framing_agrees_with_numpy(seed, block_size, ending, monkeypatch):
    rng = np.random.default_rng(seed)
    split = seed % 2 == 1   # odd seeds write multi-part records, which go back to numpy
    data = b"".join(frame(p, split_magic=split) for p in payloads(rng, 60))
    if ending == "truncated payload":
        data += frame(b"x" * 40)[:-12]
    elif ending == "half header":
        data += frame(b"abc")[:5]
    elif ending == "garbage":
        data += b"\x01\x02\x03\x04" * 3
    numpy_side = framed(data, block_size, False, monkeypatch)
    compiled_side = framed(data, block_size, True, monkeypatch)
    assert compiled_side == numpy_side
    # (a block ending in a bad tail raises before handing out the records before it)
    assert len(numpy_side[0]) == 60 if ending == "whole" else len(numpy_side[0]) <= 60
    assert (numpy_side[1] is None) == (ending == "whole")


def test_compiled_framing_is_used_for_single_part_records(monkeypatch):
    calls = []
    real = recordio._compiled_frame

    def counting(buf, n):
        out = real(buf, n)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(recordio, "_compiled_frame", counting)
    data = b"".join(frame(b"r%d" % i) for i in range(10))
    assert sum(len(f) for f in iter_frames(io.BytesIO(data), "d.rec")) == 10
    assert calls and all(calls)
