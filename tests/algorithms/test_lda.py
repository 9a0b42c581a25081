"""LDA as SageMaker's built-in: spectral recovery of known topics, one pass, pwll, bad data."""

import logging
import re

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

from smemu.algorithms import get_algorithm, get_descriptor
from smemu.algorithms.channel_config import content_type_problem
from smemu.algorithms.errors import CustomerError, DataError, HyperparameterError
from smemu.algorithms.lda.inference import load_model
from smemu.algorithms.lda.mixture import floored, log_likelihood, mixtures
from smemu.algorithms.reporting import Reporter
from smemu.algorithms.topic_models.corpus import synthetic_corpus

from channels import ArrayChannel  # tests/algorithms/channels.py


def train(counts, test=None, **hyperparameters):
    algo = get_algorithm("lda")
    given = {"feature_dim": str(counts.shape[1]), "mini_batch_size": "500",
             **{k: str(v) for k, v in hyperparameters.items()}}
    config = algo.schema.resolve(given)
    channels = {"train": ArrayChannel(counts)}
    if test is not None:
        channels["test"] = ArrayChannel(test, name="test")
    return algo.train(config, channels, Reporter(algo.metrics_name)), channels


@pytest.fixture(scope="module")
def corpus():
    return synthetic_corpus(np.random.default_rng(7), k=5, vocabulary=200, documents=4000)


def _cosines(found, true):
    a = found / np.linalg.norm(found, axis=1, keepdims=True)
    b = true / np.linalg.norm(true, axis=1, keepdims=True)
    return a @ b.T


# hyperparameters ---------------------------------------------------------------------------------

def test_hyperparameters_are_the_guides():
    schema = get_descriptor("lda").schema
    assert schema.defaults() == {"alpha0": "1.0", "max_restarts": "10", "max_iterations": "1000",
                                 "tol": "1e-8"}
    assert sorted(schema.required) == ["feature_dim", "mini_batch_size", "num_topics"]
    with pytest.raises(HyperparameterError, match="'num_topics'"):
        schema.resolve({"feature_dim": "10", "mini_batch_size": "5"})
    with pytest.raises(HyperparameterError, match="alpha0"):
        schema.resolve({"feature_dim": "10", "mini_batch_size": "5", "num_topics": "2",
                        "alpha0": "0"})


# the model ---------------------------------------------------------------------------------------

def test_recovers_known_topics_and_dominant_topics(corpus):
    artifact, channels = train(sp.csr_matrix(corpus.counts), num_topics=5, alpha0=corpus.alpha0)
    assert channels["train"].passes == 1
    alpha, beta = artifact.arrays
    assert alpha.shape == (5,) and beta.shape == (5, 200) and beta.dtype == np.float32
    np.testing.assert_allclose(beta.sum(axis=1), 1.0, rtol=1e-5)
    cos = _cosines(beta, corpus.topics)
    rows, cols = linear_sum_assignment(-cos)          # one recovered topic per true topic
    assert cos[rows, cols].min() >= 0.9
    # the estimated prior is the true one (0.1 per topic) up to sampling noise
    np.testing.assert_allclose(np.sort(alpha), 0.1, rtol=0.3)
    mixture = load_model(artifact).predict(corpus.counts)["topic_mixture"]
    np.testing.assert_allclose(mixture.sum(axis=1), 1.0, rtol=1e-5)
    assert adjusted_rand_score(corpus.dominant, mixture.argmax(axis=1)) >= 0.8


def test_deterministic_and_dense_equals_sparse(corpus):
    counts = corpus.counts[:1500]
    first, _ = train(counts, num_topics=5, alpha0=0.5)
    again, _ = train(sp.csr_matrix(counts), num_topics=5, alpha0=0.5)
    for a, b in zip(first.arrays, again.arrays):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_large_vocabulary_is_sketched(corpus):
    # a vocabulary far above num_topics: the moments live on a random basis, not word x word
    rng = np.random.default_rng(3)
    big = synthetic_corpus(rng, k=3, vocabulary=2000, documents=3000, words=80)
    artifact, _ = train(sp.csr_matrix(big.counts), num_topics=3, alpha0=big.alpha0)
    cos = _cosines(artifact.arrays[1], big.topics)
    rows, cols = linear_sum_assignment(-cos)
    assert cos[rows, cols].min() >= 0.9


def test_test_pwll_is_the_per_word_log_likelihood(corpus, caplog):
    train_part, test_part = corpus.counts[:3500], corpus.counts[3500:]
    with caplog.at_level(logging.INFO, logger="smemu"):
        artifact, _ = train(train_part, test=test_part, num_topics=5, alpha0=corpus.alpha0)
    lines = [r.getMessage() for r in caplog.records]
    (score,) = [m for m in lines if m.startswith("#test_score (algo-1) : ('pwll', ")]
    (quality,) = [m for m in lines if m.startswith("#quality_metric: host=algo-1, test pwll")]
    pwll = float(quality.split("=")[-1])
    regex = dict((d.name, d.regex) for d in get_descriptor("lda").metric_definitions)["test:pwll"]
    assert float(re.search(regex, quality).group(1)) == pwll
    # the model scores held-out documents about as well as the true topics do, far above the
    # uniform word distribution
    alpha, beta = (a.astype(np.float64) for a in artifact.arrays)
    true_beta = floored(corpus.topics)
    ll, words = log_likelihood(test_part, mixtures(test_part, np.full(5, 0.1), true_beta), true_beta)
    assert pwll > -np.log(200) + 0.5
    assert pwll == pytest.approx(ll / words, abs=0.05)


def test_logs_like_a_builtin(corpus, caplog):
    with caplog.at_level(logging.INFO, logger="smemu"):
        train(corpus.counts[:800], num_topics=3)
    lines = [r.getMessage() for r in caplog.records]
    assert "processed a total of 800 examples" in lines
    assert "#progress_metric: host=algo-1, completed 100.0 % of epochs" in lines
    assert "Test data is not provided." in lines
    assert any('"Algorithm": "AWS/LDA"' in m for m in lines if m.startswith("#metrics"))


# bad input ---------------------------------------------------------------------------------------

def test_negative_count_is_named_by_record(corpus):
    counts = corpus.counts[:600].copy()
    counts[417, 3] = -1
    with pytest.raises(DataError, match="negative word count at record 417 "):
        train(counts, num_topics=3)


def test_wrong_width_names_both(corpus):
    with pytest.raises(DataError, match=r"\(200, at record 0.*feature_dim hyperparameter \(150\)"):
        train(corpus.counts[:100], num_topics=3, feature_dim=150)


def test_too_many_topics_is_a_client_error():
    rng = np.random.default_rng(0)
    small = synthetic_corpus(rng, k=2, vocabulary=3, documents=300)
    with pytest.raises(CustomerError, match="support at most .* fewer than num_topics=5"):
        train(small.counts, num_topics=5)


def test_documents_too_short_are_refused():
    counts = np.zeros((50, 10), dtype=np.float32)
    counts[:, 0] = 2
    with pytest.raises(DataError, match="needs documents of at least 3 words"):
        train(counts, num_topics=2)


def test_csv_is_file_mode_only():
    lda = get_descriptor("lda")
    problem = content_type_problem("train", "text/csv", lda, "Pipe")
    assert "File mode only" in str(problem) and "'train'" in str(problem)
    assert content_type_problem("train", "text/csv", lda, "File") is None
    assert content_type_problem("train", "application/x-recordio-protobuf", lda, "Pipe") is None
    # k-means takes CSV in Pipe mode
    assert content_type_problem("train", "text/csv", get_descriptor("kmeans"), "Pipe") is None
