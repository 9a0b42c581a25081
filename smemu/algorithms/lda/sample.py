"""A tiny corpus of known topics LDA must recover (for the common algorithm test)."""

from __future__ import annotations

from smemu.algorithms.descriptor import SampleData
from smemu.algorithms.topic_models.corpus import K, VOCABULARY, corpus_samples, synthetic_corpus


def sample(rng) -> list[SampleData]:
    corpus = synthetic_corpus(rng, documents=600)
    hyperparameters = {"num_topics": str(K), "feature_dim": str(VOCABULARY),
                       "mini_batch_size": "100", "alpha0": str(corpus.alpha0)}
    return corpus_samples(corpus, {"train": slice(None), "test": slice(0, 100)},
                          hyperparameters, "topic_mixture", floor=0.5)
