"""RecordIO framing as dmlc-core and the sagemaker SDK write it.

Each part is a little-endian uint32 magic ``0xced7230a``, a uint32 whose upper 3 bits are the
continuation flag and lower 29 bits the payload length, the payload, and zero padding to a multiple
of 4 bytes. Flag 0 is a whole record; a record split by dmlc-core (it splits where the payload holds
the magic number at a 4-byte boundary) is parts with flags 1 (first), 2 (middle), 3 (last), and the
reader puts the magic back between the parts.

Framing costs no Python work per record: where the compiled module is built, its ``frame`` follows
a block's headers in C (single-part records); otherwise, and for multi-part records and bad tails,
the block is scanned for magic words with numpy and the chain of headers followed from the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Iterable, Iterator

import numpy as np

from .errors import FormatError
from .sources import open_binary, read_into, source_name

try:   # the compiled twin of the framing below (and of wire.py's decoder), where it was built
    from . import _wire_c
except ImportError:   # pragma: no cover - SMEMU_PURE_PYTHON builds
    _wire_c = None
# an extension built from older sources (a checkout updated without reinstalling) has no frame()
_compiled_frame = getattr(_wire_c, "frame", None)

MAGIC = 0xCED7230A
MAGIC_BYTES = MAGIC.to_bytes(4, "little")
LENGTH_BITS = 29
LENGTH_MASK = (1 << LENGTH_BITS) - 1
MAX_PART = LENGTH_MASK
PAD = 16  # zero bytes after a block, so decoders may read a little past a payload's end
DEFAULT_BLOCK = 2 << 20  # small enough for the decoder's temporaries to stay in cache and be reused

HINT = ("Check that the file is RecordIO-protobuf (application/x-recordio-protobuf), "
        "was written completely and was not altered")


def padded_length(length: int) -> int:
    return (length + 3) & ~3


def header(length: int, flag: int = 0) -> bytes:
    if length > MAX_PART:
        raise ValueError(f"a RecordIO part holds at most {MAX_PART} bytes, not {length}")
    return MAGIC_BYTES + ((flag << LENGTH_BITS) | length).to_bytes(4, "little")


def headers(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The framing of many whole records at once, as :func:`frame` frames one: each record's
    8-byte header (an (n, 8) uint8 array) and the zero padding after its payload (bytes each)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    if (lengths > MAX_PART).any():
        raise ValueError(f"a RecordIO part holds at most {MAX_PART} bytes, not "
                         f"{int(lengths.max())}")
    head = np.zeros((len(lengths), 8), dtype=np.uint8)
    head.view("<u4")[:, 0] = MAGIC
    head.view("<u4")[:, 1] = lengths.astype(np.uint32)
    return head, (-lengths) % 4


def frame(payload: bytes, split_magic: bool = False) -> bytes:
    """The bytes that hold one record. Without ``split_magic`` this is what the sagemaker SDK
    writes (one part, flag 0); with it, what dmlc-core's RecordIOWriter writes (split into parts
    where the payload holds the magic number at a 4-byte boundary)."""
    payload = bytes(payload)
    n = len(payload)
    pad = b"\0" * (padded_length(n) - n)
    if not split_magic:
        return header(n) + payload + pad
    cuts = []
    if n >= 4:
        words = np.frombuffer(payload, dtype="<u4", count=n // 4)
        cuts = (np.flatnonzero(words == MAGIC) * 4).tolist()
    if not cuts:
        return header(n) + payload + pad
    out = []
    start = 0
    for i, cut in enumerate(cuts):
        out.append(header(cut - start, 1 if i == 0 else 2))
        out.append(payload[start:cut])
        start = cut + 4
    out.append(header(n - start, 3))
    out.append(payload[start:])
    out.append(pad)
    return b"".join(out)


def write_recordio(dest, payloads: Iterable[bytes], split_magic: bool = False) -> int:
    """Writes each payload as one RecordIO record to ``dest`` (a path or a binary file object);
    returns the number of bytes written."""
    total = 0
    with open_binary(dest, "wb") as f:
        for payload in payloads:
            data = frame(payload, split_magic)
            f.write(data)
            total += len(data)
    return total


@dataclass
class Frames:
    """Whole records found in one block of a stream: payload ``i`` is
    ``buf[starts[i]:starts[i] + lengths[i]]``; ``buf`` has PAD zero bytes past its end."""

    buf: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    offsets: np.ndarray  # byte offset of each record's (first) header in the source
    first_record: int
    source: str

    def __len__(self) -> int:
        return len(self.starts)

    def part(self, start: int, stop: int) -> "Frames":
        """Records ``start:stop`` of the block (the same buffer)."""
        return Frames(self.buf, self.starts[start:stop], self.lengths[start:stop],
                      self.offsets[start:stop], self.first_record + start, self.source)

    def payload(self, i: int) -> bytes:
        s = int(self.starts[i])
        return self.buf[s:s + int(self.lengths[i])].tobytes()


def iter_frames(source, name: str | None = None, block_size: int = DEFAULT_BLOCK,
                align: int = 1, reuse_buffers: bool = False) -> Iterator[Frames]:
    """Frames of whole records, block by block, from a path or binary file object.

    With ``align`` each block but the last holds a multiple of ``align`` records where it can (a
    block too small for ``align`` records keeps what it has): the records after the last multiple
    are carried into the next block, so that a reader cutting batches of ``align`` records never
    has to join a batch from two blocks' arrays.

    With ``reuse_buffers`` every block is read into the same buffer (the records carried over
    moved to its front): a block's Frames are overwritten by the next block, so the caller must
    copy what it keeps out of a block before it asks for the next. A fresh buffer per block costs
    a page fault for every 4 KiB read, and one buffer stays in the CPU's cache where two in turn
    would not (about 8% of a read)."""
    name = source_name(source, name)
    with open_binary(source) as f:
        yield from _frames_of(f, name, block_size, align, reuse_buffers)


def _frames_of(f: BinaryIO, name: str, block_size: int, align: int = 1,
               reuse_buffers: bool = False) -> Iterator[Frames]:
    base = 0
    record = 0
    carry = np.zeros(0, dtype=np.uint8)
    want = block_size
    kept = np.zeros(0, dtype=np.uint8)       # the reused buffer
    while True:
        size = len(carry) + want + PAD
        if len(kept) < size or not reuse_buffers:
            kept = np.empty(size, dtype=np.uint8)
        buf = kept[:size]
        buf[:len(carry)] = carry      # from the previous block; numpy copies overlaps safely
        got = read_into(f, memoryview(buf)[len(carry):len(carry) + want])
        at_eof = got < want
        n = len(carry) + got
        if n == 0:
            return
        buf[n:n + PAD] = 0
        buf = buf[:n + PAD]
        frames, consumed, needed = _frame_block(buf, n, base, record, name, at_eof)
        if frames is not None and align > 1 and not at_eof and len(frames) > align:
            keep = len(frames) // align * align
            if keep < len(frames):       # the records after `keep` start the next block
                consumed = int(frames.offsets[keep]) - base
                frames = frames.part(0, keep)
        if frames is not None and len(frames):
            yield frames
            record += len(frames)
        carry = buf[consumed:n]
        base += consumed
        if at_eof:
            return  # _frame_block raised if anything was left over
        want = max(block_size, needed - len(carry))


def _truncated(name, record, offset, problem):
    return FormatError(problem, HINT, source=name, record=record, offset=offset)


def _frame_block(buf: np.ndarray, n: int, base: int, first_record: int, name: str, at_eof: bool):
    """Returns (Frames or None, bytes consumed, bytes needed to finish the next record)."""
    nw = n // 4
    words = buf[:nw * 4].view("<u4")
    found = _compiled_frame(buf, n) if _compiled_frame is not None else None
    if found is not None:   # single-part records, their headers followed in C
        starts = np.frombuffer(found[0], np.int64)
        frames = (Frames(buf, starts, np.frombuffer(found[1], np.int64), base + starts - 8,
                         first_record, name) if len(starts) else None)
        return _rest(buf, n, words, base, first_record, name, at_eof, frames, found[2])
    cand = np.flatnonzero(words == MAGIC)
    cand = cand[cand + 1 < nw]
    lw = words[cand + 1].astype(np.int64)
    nxt = cand + 2 + (((lw & LENGTH_MASK) + 3) >> 2)
    if len(cand) and cand[0] == 0 and np.array_equal(nxt[:-1], cand[1:]):
        chain = np.arange(len(cand))
    else:
        index = dict(zip(cand.tolist(), range(len(cand))))
        nxt_list = nxt.tolist()
        order = []
        w = 0
        while w in index:
            i = index[w]
            order.append(i)
            w = nxt_list[i]
        chain = np.array(order, dtype=np.int64)
    complete = chain[nxt[chain] * 4 <= n] if len(chain) else chain
    heads = cand[complete]
    flags = lw[complete] >> LENGTH_BITS
    lengths = lw[complete] & LENGTH_MASK
    consumed = int(nxt[complete[-1]]) * 4 if len(complete) else 0
    frames = None
    if len(heads) and flags.any():
        frames, consumed = _reassemble(buf, heads, flags, lengths, base, first_record, name, at_eof,
                                       consumed)
    elif len(heads):
        frames = Frames(buf, heads * 4 + 8, lengths, base + heads * 4, first_record, name)
    return _rest(buf, n, words, base, first_record, name, at_eof, frames, consumed)


def _rest(buf, n, words, base, first_record, name, at_eof, frames, consumed):
    """What follows a block's whole records: (frames, consumed, bytes needed), or the error."""
    record = first_record + (len(frames) if frames is not None else 0)
    if consumed == n:
        return frames, consumed, 0
    rest = n - consumed
    if rest >= 4 and int(words[consumed // 4]) != MAGIC:
        found = int(words[consumed // 4])
        raise _truncated(name, record, base + consumed,
                         f"expected the RecordIO magic number 0xced7230a, found 0x{found:08x}")
    if rest >= 8:
        length = int(words[consumed // 4 + 1]) & LENGTH_MASK
        needed = 8 + padded_length(length)
        if at_eof:
            raise _truncated(name, record, base + consumed,
                             f"the record's header declares {length} bytes"
                             + (f" (padded to {padded_length(length)})"
                                if padded_length(length) != length else "")
                             + f" but the file ends {rest - 8} bytes after the header")
        return frames, consumed, needed
    if at_eof:
        raise _truncated(name, record, base + consumed,
                         f"the file ends inside a record header ({rest} of 8 bytes)")
    return frames, consumed, 8


def _reassemble(buf, heads, flags, lengths, base, first_record, name, at_eof, consumed):
    """Joins multi-part records (slow path, Python per part)."""
    payloads, offsets = [], []
    open_parts: list[bytes] | None = None
    open_head = 0
    for head, flag, length in zip(heads.tolist(), flags.tolist(), lengths.tolist()):
        record = first_record + len(payloads)
        start = head * 4 + 8
        part = buf[start:start + length].tobytes()
        if flag in (0, 1):
            if open_parts is not None:
                raise FormatError(
                    f"a multi-part record is not finished (its last part, flag 3, is missing) before "
                    f"a new record starts at byte offset {base + head * 4}", HINT, source=name,
                    record=record, offset=base + open_head * 4)
            if flag == 0:
                payloads.append(part)
                offsets.append(base + head * 4)
            else:
                open_parts, open_head = [part], head
        elif flag in (2, 3):
            if open_parts is None:
                raise FormatError(f"a continuation part (flag {flag}) comes without a first part",
                                  HINT, source=name, record=record, offset=base + head * 4)
            open_parts.append(part)
            if flag == 3:
                payloads.append(MAGIC_BYTES.join(open_parts))
                offsets.append(base + open_head * 4)
                open_parts = None
        else:
            raise FormatError(f"the record header has the unknown continuation flag {flag}", HINT,
                              source=name, record=record, offset=base + head * 4)
    if open_parts is not None:
        if at_eof:
            raise FormatError("the file ends inside a multi-part record (its last part, flag 3, "
                              "is missing)", HINT, source=name, record=first_record + len(payloads),
                              offset=base + open_head * 4)
        consumed = open_head * 4
    lengths_out = np.array([len(p) for p in payloads], dtype=np.int64)
    starts = np.zeros(len(payloads), dtype=np.int64)
    if len(payloads):
        starts[1:] = np.cumsum(lengths_out)[:-1]
    joined = np.zeros(int(lengths_out.sum()) + PAD, dtype=np.uint8)
    if len(payloads):
        joined[:-PAD] = np.frombuffer(b"".join(payloads), np.uint8)
    frames = Frames(joined, starts, lengths_out, np.array(offsets, dtype=np.int64), first_record, name)
    return frames, consumed


def read_recordio(source, name: str | None = None) -> Iterator[tuple[bytes, int]]:
    """Yields ``(payload, offset)`` for each record of a path or binary file object, where
    ``offset`` is the byte offset of the record's header. Bad framing raises FormatError."""
    for frames in iter_frames(source, name):
        for i in range(len(frames)):
            yield frames.payload(i), int(frames.offsets[i])
