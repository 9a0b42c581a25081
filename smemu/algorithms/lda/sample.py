"""A tiny corpus of known topics LDA must recover (for the common algorithm test)."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.descriptor import SampleData
from smemu.algorithms.topic_models.corpus import K, VOCABULARY, dominant_agreement, synthetic_corpus


def _quality(predictions, features, labels):
    predicted = np.asarray(predictions["topic_mixture"]).argmax(axis=1)
    return dominant_agreement(predicted, labels.astype(int)), 1.0 / K + 0.5


def sample(rng) -> SampleData:
    corpus = synthetic_corpus(rng, documents=600)
    labels = corpus.dominant.astype(np.float32)
    return SampleData(
        channels={"train": (corpus.counts, labels), "test": (corpus.counts[:100], None)},
        hyperparameters={"num_topics": str(K), "feature_dim": str(VOCABULARY),
                         "mini_batch_size": "100", "alpha0": str(corpus.alpha0)},
        content_type="application/x-recordio-protobuf",
        quality=_quality,
    )
