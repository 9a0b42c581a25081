"""A tiny corpus of known topics whose dominant topics NTM must recover (common algorithm test)."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.descriptor import SampleData
from smemu.algorithms.topic_models.corpus import K, VOCABULARY, dominant_agreement, synthetic_corpus


def _quality(predictions, features, labels):
    predicted = np.asarray(predictions["topic_weights"]).argmax(axis=1)
    return dominant_agreement(predicted, labels.astype(int)), 1.0 / K + 0.4


def sample(rng) -> SampleData:
    corpus = synthetic_corpus(rng, documents=600)
    labels = corpus.dominant.astype(np.float32)
    return SampleData(
        channels={"train": (corpus.counts, labels), "validation": (corpus.counts[:100], None),
                  "test": (corpus.counts[100:200], None)},
        hyperparameters={"num_topics": str(K), "feature_dim": str(VOCABULARY),
                         "mini_batch_size": "64"},
        content_type="application/x-recordio-protobuf",
        quality=_quality,
    )
