"""What Seq2Seq checks of its channels, shared by training and ``smemu validate``.

The channels are read in the descriptor's order, ``vocab`` first: what it holds (the sizes of
vocab.src.json and vocab.trg.json) is what the token ids of ``train`` and ``validation`` are then
checked against. The vocabulary files themselves are checked as they are read
(``smemu.formats.vocabulary``).
"""

from __future__ import annotations

from pathlib import PurePosixPath

import numpy as np

from smemu.algorithms.base import InputChecks
from smemu.algorithms.data import empty_channel
from smemu.algorithms.errors import DataError
from smemu.algorithms.hyperparameters import Config

VOCAB_CHANNEL = "vocab"
VOCAB_FILES = {"vocab.src.json": "source", "vocab.trg.json": "target"}


def vocab_side(source: str | None) -> str | None:
    """'source' for a vocab.src.json, 'target' for a vocab.trg.json, else None."""
    return VOCAB_FILES.get(PurePosixPath(source or "").name)


class Seq2SeqChecks(InputChecks):
    def __init__(self, config: Config | None = None):
        self.sizes: dict[str, int] = {}          # side -> vocabulary size
        self.files: dict[str, str] = {}          # side -> the file it came from
        self.others: list[str] = []

    def batch(self, batch, channel: str) -> None:
        if channel != VOCAB_CHANNEL:
            return
        side = vocab_side(batch.source)
        if side is None:
            self.others.append(PurePosixPath(batch.source or "").name)
            return
        self.sizes[side] = len(batch.tokens)
        self.files[side] = PurePosixPath(batch.source).name

    def records(self, batch, channel: str) -> None:
        if channel == VOCAB_CHANNEL:
            return
        for side, ids, lengths in (("source", batch.features, batch.source_lengths),
                                   ("target", batch.labels, batch.target_lengths)):
            empty = np.flatnonzero(lengths == 0)
            if len(empty):
                raise DataError(
                    f"Channel '{channel}' has a record with an empty {side} sequence at "
                    f"{batch.location(int(empty[0]))}. Every record needs at least one source "
                    f"and one target token; leave out empty sentence pairs.")
            inside = np.arange(ids.shape[1]) < lengths[:, None]
            size = self.sizes.get(side)
            bad = inside & ((ids < 0) | (ids >= size if size is not None else False))
            if bad.any():
                row, col = (int(v[0]) for v in np.nonzero(bad))
                limit = (f"{self._file(side)} has {size} tokens (ids 0 to {size - 1})"
                         if size is not None else "token ids are never negative")
                raise DataError(
                    f"Channel '{channel}' has {side} token id {int(ids[row, col])} (position "
                    f"{col}) at {batch.location(row)}, but {limit}. Encode the data with the "
                    f"vocabularies in the 'vocab' channel.")

    def _file(self, side: str) -> str:
        return self.files.get(side, "vocab.src.json" if side == "source" else "vocab.trg.json")

    def end(self, channel: str, records: int) -> None:
        if channel == VOCAB_CHANNEL:
            missing = [name for name, side in VOCAB_FILES.items() if side not in self.sizes]
            if missing:
                found = ", ".join(self.others) or "no other file"
                raise DataError(
                    f"Channel 'vocab' lacks {' and '.join(missing)} (it holds {found}). It must "
                    f"hold the two vocabulary files vocab.src.json and vocab.trg.json.")
            return
        if records == 0:
            raise empty_channel(channel)
