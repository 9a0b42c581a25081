"""NTM as SageMaker's built-in: topic recovery, per-epoch losses, early stopping, vocabulary."""

import logging
import re

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import adjusted_rand_score

from smemu.algorithms import get_algorithm, get_descriptor
from smemu.algorithms.errors import DataError, HyperparameterError
from smemu.algorithms.ntm.inference import load_model
from smemu.algorithms.reporting import Reporter
from smemu.algorithms.topic_models.corpus import synthetic_corpus

from channels import ArrayChannel  # tests/algorithms/channels.py


class TextChannel:
    """The auxiliary channel as the container hands it: text lines, (n, 1) object batches."""

    name, content_type = "auxiliary", "text/plain"

    def __init__(self, lines):
        self.lines = lines

    def batches(self, batch_size):
        features = np.empty((len(self.lines), 1), dtype=object)
        features[:, 0] = self.lines
        from channels import ArrayBatch
        yield ArrayBatch(features, None, "auxiliary/vocab.txt", 0)


def train(counts, validation=None, test=None, vocab=None, **hyperparameters):
    algo = get_algorithm("ntm")
    given = {"feature_dim": str(counts.shape[1]), **{k: str(v) for k, v in hyperparameters.items()}}
    config = algo.schema.resolve(given)
    channels = {"train": ArrayChannel(counts)}
    if validation is not None:
        channels["validation"] = ArrayChannel(validation, name="validation")
    if test is not None:
        channels["test"] = ArrayChannel(test, name="test")
    if vocab is not None:
        channels["auxiliary"] = TextChannel(vocab)
    return algo.train(config, channels, Reporter(algo.metrics_name))


@pytest.fixture(scope="module")
def corpus():
    return synthetic_corpus(np.random.default_rng(7), k=5, vocabulary=200, documents=4000)


def _lines(caplog):
    return [r.getMessage() for r in caplog.records]


def _losses(lines, channel):
    pattern = re.compile(rf"#quality_metric: host=algo-1, epoch=(\d+), {channel} total_loss <loss>=(\S+)")
    return [float(m.group(2)) for m in map(pattern.fullmatch, lines) if m]


def test_hyperparameters_are_the_guides():
    schema = get_descriptor("ntm").schema
    assert schema.defaults() == {
        "batch_norm": "false", "clip_gradient": "Infinity", "encoder_layers": "auto",
        "encoder_layers_activation": "sigmoid", "epochs": "50", "learning_rate": "0.001",
        "mini_batch_size": "256", "num_patience_epochs": "3", "optimizer": "adadelta",
        "rescale_gradient": "1.0", "sub_sample": "1.0", "tolerance": "0.001",
        "weight_decay": "0.0"}
    config = schema.resolve({"feature_dim": "10", "num_topics": "2", "encoder_layers": "[30, 20]"})
    assert config["encoder_layers"] == [30, 20] and config["clip_gradient"] == float("inf")
    for bad in ({"num_topics": "1"}, {"encoder_layers": "10,0"}, {"optimizer": "lbfgs"},
                {"tolerance": "0.5"}, {"mini_batch_size": "10001"}):
        with pytest.raises(HyperparameterError):
            schema.resolve({"feature_dim": "10", "num_topics": "2", **bad})


def test_recovers_dominant_topics_and_held_out_loss_improves(corpus, caplog):
    with caplog.at_level(logging.INFO, logger="smemu"):
        artifact = train(sp.csr_matrix(corpus.counts[:3500]), validation=corpus.counts[3500:],
                         num_topics=5)        # the defaults: adadelta, 50 epochs, early stopping
    lines = _lines(caplog)
    held_out = _losses(lines, "validation")
    assert len(held_out) >= 10
    # held-out perplexity (exp of the loss per word) falls as training goes on
    words = corpus.counts[3500:].sum() / 500
    perplexity = np.exp(np.array(held_out) / words)
    assert perplexity[-1] < perplexity[0] * 0.9 and perplexity[len(held_out) // 2] < perplexity[0]
    weights = load_model(artifact).predict(corpus.counts)["topic_weights"]
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)
    assert adjusted_rand_score(corpus.dominant, weights.argmax(axis=1)) >= 0.6


def test_log_lines_and_metric_regexes(corpus, caplog):
    vocab = [f"word{i}" for i in range(200)]
    with caplog.at_level(logging.INFO, logger="smemu"):
        train(corpus.counts[:1000], validation=corpus.counts[1000:1200],
              test=corpus.counts[1200:1400], vocab=vocab, num_topics=5, epochs=3)
    lines = _lines(caplog)
    assert "# Finished training epoch 1 on 1000 examples from 4 batches, each of size 256." in lines
    definitions = {d.name: re.compile(d.regex) for d in get_descriptor("ntm").metric_definitions}
    for metric in ("train:total_loss", "train:recons_loss", "train:kld", "validation:total_loss",
                   "validation:recons_loss", "validation:kld", "test:total_loss"):
        values = [float(m.group(1)) for m in map(definitions[metric].search, lines) if m]
        assert len(values) == (1 if metric.startswith("test") else 3), metric
        assert all(v > 0 for v in values)
    # total_loss is recons_loss + kld
    for channel in ("train", "validation"):
        total = _losses(lines, channel)
        recons = [float(l.split("=")[-1]) for l in lines if f"{channel} recons_loss <loss>" in l]
        kld = [float(l.split("=")[-1]) for l in lines if f"{channel} kld <loss>" in l]
        np.testing.assert_allclose(total, np.add(recons, kld))
    assert any(l.startswith("#test_score (algo-1) : ('total_loss', ") for l in lines)
    assert "Loaded a vocabulary of 200 words from channel 'auxiliary'." in lines
    topic_lines = [l for l in lines if l.startswith("[topic ")]
    assert len(topic_lines) == 5 and all(len(l.split()) == 12 for l in topic_lines)
    assert all(w.startswith("word") for l in topic_lines for w in l.split()[2:])


def test_early_stopping_and_patience(corpus, caplog):
    with caplog.at_level(logging.INFO, logger="smemu"):
        train(corpus.counts[:800], validation=corpus.counts[800:1000], num_topics=5, epochs=20,
              num_patience_epochs=1, tolerance=0.1)
    lines = _lines(caplog)
    assert len(_losses(lines, "validation")) == 2       # epoch 2 improved by less than 10 %
    assert any(l.startswith("#early_stopping_criteria_metric: host=algo-1, epoch=2") for l in lines)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="smemu"):
        train(corpus.counts[:800], num_topics=5, epochs=4, num_patience_epochs=5, tolerance=0.1)
    assert len(_losses(_lines(caplog), "train")) == 4   # patience > epochs: never stops early


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adagrad", "adadelta", "rmsprop"])
def test_every_optimizer_lowers_the_loss(corpus, caplog, optimizer):
    with caplog.at_level(logging.INFO, logger="smemu"):
        train(corpus.counts[:1000], num_topics=5, epochs=5, optimizer=optimizer,
              learning_rate=0.05 if optimizer in ("sgd", "adagrad") else 0.01,
              num_patience_epochs=10)
    losses = _losses(_lines(caplog), "train")
    assert losses[-1] < losses[0]


def test_deterministic_and_sub_sampled(corpus, caplog):
    first = train(corpus.counts[:600], num_topics=3, epochs=2)
    again = train(corpus.counts[:600], num_topics=3, epochs=2)
    for name in first.arrays:
        np.testing.assert_array_equal(first.arrays[name], again.arrays[name])
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="smemu"):
        train(corpus.counts[:2000], num_topics=3, epochs=1, sub_sample=0.25)
    (line,) = [l for l in _lines(caplog) if l.startswith("# Finished training epoch 1 on ")]
    assert 400 < int(line.split()[6]) < 600


def test_batch_norm_model_serves_with_running_statistics(corpus):
    artifact = train(corpus.counts[:1000], num_topics=4, epochs=3, batch_norm="true",
                     encoder_layers="16", encoder_layers_activation="relu")
    assert {"enc0_gamma", "enc0_moving_mean", "enc0_moving_var"} <= set(artifact.arrays)
    assert "enc1_weight" not in artifact.arrays
    model = load_model(artifact)
    one = model.predict(corpus.counts[:1])["topic_weights"]
    many = model.predict(corpus.counts[:50])["topic_weights"]
    np.testing.assert_allclose(one[0], many[0], rtol=1e-5)   # no batch statistics at inference


def test_negative_counts_are_named(corpus):
    counts = corpus.counts[:300].copy()
    counts[123, 0] = -2
    with pytest.raises(DataError, match="negative word count at record 123 "):
        train(counts, num_topics=3, epochs=1)
