"""Synthetic corpora drawn from known topics, the kind of data topic models train on.

Each topic puts most of its mass on its own block of words and a little on the rest; each
document draws a mixture from a sparse Dirichlet (so most documents are mostly one topic) and its
words from that mixture.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from smemu.algorithms.descriptor import RECORDIO_PROTOBUF, SampleData

K, VOCABULARY, DOCUMENTS, WORDS = 4, 40, 2000, 60


@dataclass
class Corpus:
    counts: np.ndarray      # documents x vocabulary word counts (float32)
    topics: np.ndarray      # k x vocabulary true word distributions
    mixtures: np.ndarray    # documents x k true topic mixtures
    alpha0: float           # the true Dirichlet concentration

    @property
    def dominant(self) -> np.ndarray:
        return self.mixtures.argmax(axis=1)


def synthetic_corpus(rng: np.random.Generator, k: int = K, vocabulary: int = VOCABULARY,
                     documents: int = DOCUMENTS, words: int = WORDS, alpha: float = 0.1,
                     focus: float = 0.9) -> Corpus:
    """``documents`` bag-of-words rows of about ``words`` words from ``k`` known topics; each
    topic puts ``focus`` of its mass on its own block of the vocabulary."""
    blocks = np.array_split(np.arange(vocabulary), k)
    topics = np.full((k, vocabulary), (1.0 - focus) / vocabulary)
    for t, block in enumerate(blocks):
        topics[t, block] += focus * rng.dirichlet(np.ones(len(block)))
    topics /= topics.sum(axis=1, keepdims=True)
    mixtures = rng.dirichlet(np.full(k, alpha), size=documents)
    lengths = rng.poisson(words, size=documents).clip(min=3)
    word_probs = mixtures @ topics
    counts = np.stack([rng.multinomial(n, p / p.sum()) for n, p in zip(lengths, word_probs)])
    return Corpus(counts.astype(np.float32), topics, mixtures, alpha * k)


def dominant_agreement(predicted: np.ndarray, truth: np.ndarray) -> float:
    """The share of documents whose predicted dominant topic is the one most documents of their
    true dominant topic get (1.0 when the topics are recovered up to a relabelling)."""
    agree = 0
    for t in np.unique(truth):
        agree += np.bincount(predicted[truth == t]).max()
    return agree / len(truth)


def corpus_samples(corpus: Corpus, parts: dict, hyperparameters: dict, output: str,
                   floor: float) -> list[SampleData]:
    """The common algorithm test's samples of a topic model: ``corpus`` cut into channels
    (``parts``: channel -> row slice) as sparse RecordIO-protobuf and as dense CSV, judged by how
    well the argmax of the predictor's ``output`` recovers each document's dominant topic."""
    k = corpus.topics.shape[0]

    def quality(predictions, features, truth):
        predicted = np.asarray(predictions[output]).argmax(axis=1)
        return dominant_agreement(predicted, np.asarray(truth, dtype=int)), 1.0 / k + floor

    common = dict(hyperparameters=hyperparameters, quality=quality, truth=corpus.dominant)
    counts = {name: corpus.counts[rows] for name, rows in parts.items()}
    return [
        SampleData(channels={n: (sp.csr_matrix(x), None) for n, x in counts.items()},
                   content_type=RECORDIO_PROTOBUF, **common),
        SampleData(channels={n: (x, None) for n, x in counts.items()},
                   content_type="text/csv;label_size=0", **common),
    ]
