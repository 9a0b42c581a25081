"""A tiny corpus of known topics whose dominant topics NTM must recover (common algorithm test)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from smemu.algorithms.descriptor import RECORDIO_PROTOBUF, SampleData
from smemu.algorithms.topic_models.corpus import K, VOCABULARY, dominant_agreement, synthetic_corpus


def _quality(predictions, features, truth):
    predicted = np.asarray(predictions["topic_weights"]).argmax(axis=1)
    return dominant_agreement(predicted, np.asarray(truth, dtype=int)), 1.0 / K + 0.4


def sample(rng) -> list[SampleData]:
    """The corpus as sparse RecordIO-protobuf and as dense CSV (train, validation, test)."""
    corpus = synthetic_corpus(rng, documents=600)
    counts = corpus.counts
    common = dict(hyperparameters={"num_topics": str(K), "feature_dim": str(VOCABULARY),
                                   "mini_batch_size": "64"},
                  quality=_quality, truth=corpus.dominant)
    parts = {"train": counts, "validation": counts[:100], "test": counts[100:200]}
    return [
        SampleData(channels={n: (sp.csr_matrix(x), None) for n, x in parts.items()},
                   content_type=RECORDIO_PROTOBUF, **common),
        SampleData(channels={n: (x, None) for n, x in parts.items()},
                   content_type="text/csv;label_size=0", **common),
    ]
