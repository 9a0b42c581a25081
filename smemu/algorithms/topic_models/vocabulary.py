"""The vocabulary of a topic model's auxiliary channel (``vocab.txt``: one word a line, in the
order of the word ids) and the top words of each topic, for the log."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.errors import DataError


def read_vocabulary(channel, feature_dim: int, reporter) -> list[str] | None:
    """The words of the ``auxiliary`` channel (its text lines). A count other than
    ``feature_dim`` makes the words unusable: a warning, and topics are shown by word id."""
    words: list[str] = []
    for batch in channel.batches(10_000):
        words.extend(str(row[0]).strip() for row in batch.features)
    if not words:
        raise DataError(f"Channel '{channel.name}' is empty: give it a vocab.txt with one word "
                        f"a line, in the order of the word ids.")
    if len(words) != feature_dim:
        reporter.warning("The vocabulary of channel '%s' has %d words but feature_dim is %d; "
                         "topics are shown by word id.", channel.name, len(words), feature_dim)
        return None
    reporter.info("Loaded a vocabulary of %d words from channel '%s'.", len(words), channel.name)
    return words


def top_words(topic_word: np.ndarray, words: list[str] | None, count: int) -> list[list[str]]:
    """For each row of ``topic_word`` (a topic's weights over the vocabulary), its ``count``
    heaviest words (or their ids when there is no vocabulary)."""
    order = np.argsort(-np.asarray(topic_word), axis=1)[:, :count]
    return [[words[i] if words is not None else str(i) for i in row] for row in order]
