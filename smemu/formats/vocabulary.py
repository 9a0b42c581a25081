"""Vocabulary files of SageMaker's Sequence-to-Sequence (``vocab.src.json``, ``vocab.trg.json``).

As the seq2seq example's ``create_vocab_proto.py`` writes them: one JSON object mapping each token
to its integer id, the special symbols first — ``<pad>`` 0, ``<unk>`` 1, ``<s>`` 2, ``</s>`` 3 —
then the words by frequency. The reader checks the file itself (JSON, an object of string -> non-
negative integer, ids distinct and 0..n-1, the special symbols present with ``<pad>`` at 0) and
yields the whole vocabulary as one batch, ``features`` the ids as an (n, 1) array.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from .batch import Batch
from .errors import FormatError
from .sources import open_binary, source_name

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<s>", "</s>"
SPECIAL = (PAD, UNK, BOS, EOS)
HINT = ("A vocabulary file is a JSON object mapping each token to its id, the ids 0 to n-1 each "
        "used once, <pad> 0 and <unk>, <s>, </s> present, as the seq2seq example's "
        "create_vocab_proto.py writes vocab.src.json and vocab.trg.json")


@dataclass
class VocabularyBatch(Batch):
    """One vocabulary file: ``tokens[i]`` is the token whose id is ``i``."""

    tokens: list = field(default_factory=list, repr=False)

    def rows(self, lo: int, hi: int) -> "VocabularyBatch":
        return self


def parse_vocabulary(data: bytes, name: str) -> list[str]:
    """The tokens of a vocabulary file by id; FormatError naming the file and the bad entry."""
    try:
        vocab = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise FormatError(f"the vocabulary is not UTF-8 text ({e.reason} at byte {e.start})",
                          HINT, source=name) from None
    except json.JSONDecodeError as e:
        raise FormatError(f"the vocabulary is not valid JSON ({e.msg})", HINT, source=name,
                          line=e.lineno, column=e.colno) from None
    if not isinstance(vocab, dict):
        raise FormatError(f"the vocabulary is a JSON {type(vocab).__name__}, not an object",
                          HINT, source=name)
    tokens: list = [None] * len(vocab)
    for token, ident in vocab.items():
        if isinstance(ident, bool) or not isinstance(ident, int):
            raise FormatError(f"token {token!r} has id {ident!r}, not an integer", HINT,
                              source=name)
        if not 0 <= ident < len(vocab):
            raise FormatError(f"token {token!r} has id {ident}, outside 0..{len(vocab) - 1} for "
                              f"a vocabulary of {len(vocab)} tokens", HINT, source=name)
        if tokens[ident] is not None:
            raise FormatError(f"tokens {tokens[ident]!r} and {token!r} have the same id {ident}",
                              HINT, source=name)
        tokens[ident] = token
    missing = [s for s in SPECIAL if s not in vocab]
    if missing:
        raise FormatError(f"the vocabulary lacks the special symbol(s) {', '.join(missing)}",
                          HINT, source=name)
    if vocab[PAD] != 0:
        raise FormatError(f"<pad> has id {vocab[PAD]}; it must be 0", HINT, source=name)
    return tokens


def read_vocabulary(source, batch_size: int = 1000, name: str | None = None, on_error=None,
                    **_ignored) -> Iterator[VocabularyBatch]:
    """The vocabulary in one file (path or binary file object) as one batch. A bad file raises
    FormatError (also with ``on_error``: a file is one unit)."""
    name = source_name(source, name)
    with open_binary(source) as f:
        data = f.read()
    tokens = parse_vocabulary(data, name)
    ids = np.arange(len(tokens), dtype=np.int32).reshape(-1, 1)
    yield VocabularyBatch(ids, None, name, 0, tokens=tokens)
