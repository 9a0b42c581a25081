"""A tiny corpus of known topics whose dominant topics NTM must recover (common algorithm test)."""

from __future__ import annotations

from smemu.algorithms.descriptor import SampleData
from smemu.algorithms.topic_models.corpus import K, VOCABULARY, corpus_samples, synthetic_corpus


def sample(rng) -> list[SampleData]:
    corpus = synthetic_corpus(rng, documents=600)
    hyperparameters = {"num_topics": str(K), "feature_dim": str(VOCABULARY),
                       "mini_batch_size": "64"}
    return corpus_samples(corpus, {"train": slice(None), "validation": slice(0, 100),
                                   "test": slice(100, 200)},
                          hyperparameters, "topic_weights", floor=0.4)
