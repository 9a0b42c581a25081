"""A tiny corpus of known topics LDA must recover (for the common algorithm test)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from smemu.algorithms.descriptor import RECORDIO_PROTOBUF, SampleData
from smemu.algorithms.topic_models.corpus import K, VOCABULARY, dominant_agreement, synthetic_corpus


def _quality(predictions, features, truth):
    predicted = np.asarray(predictions["topic_mixture"]).argmax(axis=1)
    return dominant_agreement(predicted, np.asarray(truth, dtype=int)), 1.0 / K + 0.5


def sample(rng) -> list[SampleData]:
    """The corpus as sparse RecordIO-protobuf and as dense CSV."""
    corpus = synthetic_corpus(rng, documents=600)
    counts = corpus.counts
    common = dict(hyperparameters={"num_topics": str(K), "feature_dim": str(VOCABULARY),
                                   "mini_batch_size": "100", "alpha0": str(corpus.alpha0)},
                  quality=_quality, truth=corpus.dominant)
    return [
        SampleData(channels={"train": (sp.csr_matrix(counts), None),
                             "test": (sp.csr_matrix(counts[:100]), None)},
                   content_type=RECORDIO_PROTOBUF, **common),
        SampleData(channels={"train": (counts, None), "test": (counts[:100], None)},
                   content_type="text/csv;label_size=0", **common),
    ]
