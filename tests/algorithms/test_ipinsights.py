"""IP Insights as SageMaker's built-in: discriminating an entity's own addresses, IPv4 and IPv6,
malformed addresses named by record, validation AUC lines, hyperparameter rules."""

import logging
import re

import numpy as np
import pytest

from smemu.algorithms import get_algorithm, get_descriptor
from smemu.algorithms.errors import DataError, HyperparameterError
from smemu.algorithms.ipinsights import auc
from smemu.algorithms.ipinsights.inference import load_model
from smemu.algorithms.ipinsights.sample import other_entity_pairs, synthetic_events
from smemu.algorithms.reporting import Reporter
from sklearn.metrics import roc_auc_score

from channels import ArrayChannel  # tests/algorithms/channels.py


def train(rows, validation=None, **hyperparameters):
    algo = get_algorithm("ipinsights")
    given = {"num_entity_vectors": "1000", "vector_dim": "32", "mini_batch_size": "500",
             "learning_rate": "0.01", **{k: str(v) for k, v in hyperparameters.items()}}
    config = algo.schema.resolve(given)
    channels = {"train": ArrayChannel(rows, content_type="text/csv", source="train/events.csv")}
    if validation is not None:
        channels["validation"] = ArrayChannel(validation, name="validation",
                                              content_type="text/csv")
    return algo.train(config, channels, Reporter(algo.metrics_name))


@pytest.fixture(scope="module")
def events():
    rng = np.random.default_rng(21)
    rows = synthetic_events(rng, entities=300, events=9000, ipv6_share=0.3)
    return rows[:8000], rows[8000:], rng


def test_hyperparameters_are_the_guides():
    schema = get_descriptor("ipinsights").schema
    assert schema.defaults() == {
        "batch_metrics_publish_interval": "1000", "epochs": "10", "learning_rate": "0.001",
        "mini_batch_size": "10000", "num_ip_encoder_layers": "1",
        "random_negative_sampling_rate": "1", "shuffled_negative_sampling_rate": "1",
        "weight_decay": "0.00001"}
    assert sorted(schema.required) == ["num_entity_vectors", "vector_dim"]
    base = {"num_entity_vectors": "10", "vector_dim": "8"}
    with pytest.raises(HyperparameterError, match="between 1 and 500; it is 0"):
        schema.resolve({**base, "random_negative_sampling_rate": "0",
                        "shuffled_negative_sampling_rate": "0"})
    for bad in ({"vector_dim": "3"}, {"num_ip_encoder_layers": "101"}, {"learning_rate": "11"}):
        with pytest.raises(HyperparameterError):
            schema.resolve({**base, **bad})


def test_own_addresses_score_above_other_entities(events, caplog):
    train_rows, held_out, rng = events
    with caplog.at_level(logging.INFO, logger="smemu"):
        artifact = train(train_rows, validation=held_out, epochs=6)
    model = load_model(artifact)
    negatives = other_entity_pairs(held_out, rng)
    positive = model.predict(held_out)["dot_product"]
    negative = model.predict(negatives)["dot_product"]
    value = auc(positive, negative)
    assert value >= 0.85
    labels = np.r_[np.ones(len(positive)), np.zeros(len(negative))]
    assert value == pytest.approx(roc_auc_score(labels, np.r_[positive, negative]))
    # both families are learned, not only the majority one
    v6 = np.array([":" in ip for ip in held_out[:, 1]])
    assert v6.any() and auc(positive[v6], negative[v6]) >= 0.8
    lines = [r.getMessage() for r in caplog.records]
    definition = {d.name: d.regex for d in get_descriptor("ipinsights").metric_definitions}
    found = [float(m.group(1)) for m in
             map(re.compile(definition["validation:discriminator_auc"]).search, lines) if m]
    assert len(found) == 7 and found[-1] > 0.9 and found[-1] >= found[0]
    assert any(l.startswith("#validation_score (algo-1) : ('discriminator_auc', ") for l in lines)


def test_deterministic(events):
    rows = events[0][:1500]
    first = train(rows, epochs=2)
    again = train(rows, epochs=2)
    for name in first.arrays:
        np.testing.assert_array_equal(first.arrays[name], again.arrays[name])


@pytest.mark.parametrize("address", ["300.1.2.3", "10.0.0", "not-an-ip", "2001:db8::g1", ""])
def test_malformed_ip_is_named_by_record(events, address):
    rows = events[0][:800].copy()
    rows[611, 1] = address
    with pytest.raises(DataError, match=rf"malformed IP address '{re.escape(address)}' at "
                                        rf"record 611 of file train/events.csv"):
        train(rows, epochs=1)


def test_entity_without_id_is_named(events):
    rows = events[0][:100].copy()
    rows[7, 0] = " "
    with pytest.raises(DataError, match="empty entity id at record 7 "):
        train(rows, epochs=1)


def test_no_encoder_layers_and_shuffled_negatives_only(events):
    train_rows, held_out, rng = events
    artifact = train(train_rows[:4000], epochs=4, num_ip_encoder_layers=0,
                     random_negative_sampling_rate=0, shuffled_negative_sampling_rate=3)
    assert not any(n.startswith("ip_encoder") for n in artifact.arrays)
    model = load_model(artifact)
    value = auc(model.predict(held_out)["dot_product"],
                model.predict(other_entity_pairs(held_out, rng))["dot_product"])
    assert value >= 0.8


def test_verbose_outputs_are_the_embeddings(events):
    artifact = train(events[0][:1000], epochs=1, vector_dim=8)
    out = load_model(artifact).predict(events[1][:5])
    assert out["entity_embedding"].shape == (5, 8) and out["ip_embedding"].shape == (5, 8)
    np.testing.assert_allclose(out["dot_product"],
                               (out["entity_embedding"] * out["ip_embedding"]).sum(axis=1),
                               rtol=1e-5)
