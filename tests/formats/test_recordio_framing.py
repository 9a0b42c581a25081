"""RecordIO framing: what the SDK and dmlc-core write, read back from paths, file objects, FIFOs."""

import io
import os
import struct
import threading

import numpy as np
import pytest

from smemu.formats import FormatError, read_recordio, write_recordio
from smemu.formats.recordio import MAGIC_BYTES, frame, iter_frames

PAYLOADS = [b"abc", b"", b"x" * 101, b"ab" + b"cd" + MAGIC_BYTES + b"zz", MAGIC_BYTES + b"1234" + MAGIC_BYTES]


def framed(payloads, split=False):
    out = io.BytesIO()
    write_recordio(out, payloads, split_magic=split)
    return out.getvalue()


def test_sdk_layout_magic_length_payload_padding():
    assert frame(b"abcde") == struct.pack("<II", 0xCED7230A, 5) + b"abcde\0\0\0"
    assert frame(b"abcd") == struct.pack("<II", 0xCED7230A, 4) + b"abcd"
    assert frame(b"") == struct.pack("<II", 0xCED7230A, 0)


def test_dmlc_split_at_aligned_magic_uses_flags_1_2_3():
    data = frame(b"abcd" + MAGIC_BYTES + b"ef" + b"\0\0" + MAGIC_BYTES + b"g", split_magic=True)
    words = struct.unpack("<II", data[:8]) + struct.unpack("<II", data[12:20])
    assert words == (0xCED7230A, (1 << 29) | 4, 0xCED7230A, (2 << 29) | 4)
    assert struct.unpack("<II", data[24:32]) == (0xCED7230A, (3 << 29) | 1)
    assert data[32:] == b"g\0\0\0"


@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("block", [4, 8, 12, 16, 20, 4096])
def test_round_trip_any_block_size(split, block):
    data = framed(PAYLOADS, split)
    got = []
    for frames in iter_frames(io.BytesIO(data), block_size=block):
        got += [frames.payload(i) for i in range(len(frames))]
    assert got == PAYLOADS


def test_offsets_are_header_positions(tmp_path):
    path = tmp_path / "r.rec"
    write_recordio(path, PAYLOADS)
    offsets = [o for _, o in read_recordio(path)]
    assert offsets == [0, 12, 20, 20 + 8 + 104, 20 + 8 + 104 + 8 + 12]


class Trickle(io.RawIOBase):
    """A stream that returns at most 3 bytes per read, like a slow pipe."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def readable(self):
        return True

    def readinto(self, b):
        n = min(3, len(b), len(self.data) - self.pos)
        b[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n


def test_short_reads():
    data = framed(PAYLOADS, True)
    assert [p for p, _ in read_recordio(Trickle(data))] == PAYLOADS


def test_fifo(tmp_path):
    path = tmp_path / "train_0"
    os.mkfifo(path)
    data = framed(PAYLOADS * 50)

    def feed():
        with open(path, "wb") as w:
            for i in range(0, len(data), 7):
                w.write(data[i:i + 7])
                w.flush()

    t = threading.Thread(target=feed)
    t.start()
    with open(path, "rb", buffering=0) as r:
        assert [p for p, _ in read_recordio(r)] == PAYLOADS * 50
    t.join()


def errors_of(data):
    with pytest.raises(FormatError) as e:
        list(read_recordio(io.BytesIO(data), name="train/part-1.pbr"))
    return e.value


def test_wrong_magic_names_record_and_offset():
    data = framed(PAYLOADS)
    bad = data[:12] + b"\0\0\0\0" + data[16:]
    e = errors_of(bad)
    assert (e.record, e.offset, e.source) == (1, 12, "train/part-1.pbr")
    assert "record 1 (byte offset 12) of file train/part-1.pbr" in str(e).lower()
    assert "magic" in str(e)


def test_truncated_header_and_payload():
    data = framed(PAYLOADS)
    e = errors_of(data[:15])
    assert (e.record, e.offset) == (1, 12) and "header" in str(e)
    e = errors_of(data[:30])
    assert (e.record, e.offset) == (2, 20) and "104" in str(e)


def test_length_past_end():
    bad = struct.pack("<II", 0xCED7230A, (1 << 29) - 1) + b"abcd"
    e = errors_of(bad)
    assert (e.record, e.offset) == (0, 0)


def test_unfinished_and_orphan_parts():
    assert "multi-part" in str(errors_of(struct.pack("<II", 0xCED7230A, 1 << 29)))
    assert "without a first part" in str(errors_of(struct.pack("<II", 0xCED7230A, 3 << 29)))


def test_random_garbage_never_hangs():
    rng = np.random.default_rng(0)
    for _ in range(200):
        data = MAGIC_BYTES + rng.integers(0, 256, rng.integers(0, 64), dtype=np.uint8).tobytes()
        try:
            list(read_recordio(io.BytesIO(data)))
        except FormatError as e:
            assert e.offset is not None
