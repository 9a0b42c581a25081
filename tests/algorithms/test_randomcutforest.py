"""Random Cut Forest: reservoir sampling is uniform, the trees' cuts follow the ranges, scores
rank injected anomalies at least as well as scikit-learn's IsolationForest and agree in rank with
the ``rrcf`` package's CoDisp, the compiled and numpy walks agree, and the model serves."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

from training_helpers import invoke, train_algorithm
from smemu.algorithms.errors import DataError, HyperparameterError
from smemu.algorithms.randomcutforest import scoring
from smemu.algorithms.randomcutforest.forest import Forest, build_forest
from smemu.algorithms.randomcutforest.reservoir import Reservoirs
from smemu.algorithms.randomcutforest.sample import anomaly_data
from smemu.algorithms.registry import get_descriptor
from smemu.containers.invocations import InvocationsApp

NAME = "randomcutforest"


def train(hp: dict, **data):
    return train_algorithm(NAME, hp, **data)


def forest_on(X, trees=100, size=256, seed=1) -> Forest:
    reservoirs = Reservoirs(trees, size, X.shape[1], np.random.default_rng(seed))
    for start in range(0, len(X), 500):
        reservoirs.add(X[start:start + 500])
    return build_forest(reservoirs.samples(), np.random.default_rng(seed + 1))


def one_axis_anomalies(rng, rows=3000, dim=10, anomalies=30):
    """Standard normal records; anomalies moved 3.5-5 standard deviations along ONE random axis
    each — the case of Guha et al. (2016) where cuts chosen by range beat uniformly chosen ones."""
    X = rng.normal(size=(rows, dim)).astype(np.float32)
    y = np.zeros(rows)
    far = rng.choice(rows, anomalies, replace=False)
    y[far] = 1
    axis = rng.integers(0, dim, size=anomalies)
    X[far, axis] += (rng.choice([-1, 1], size=anomalies)
                     * rng.uniform(3.5, 5.0, size=anomalies)).astype(np.float32)
    return X, y


def test_reservoirs_are_uniform_samples_without_repeats():
    n, size, trees = 100, 10, 2000
    reservoirs = Reservoirs(trees, size, 1, np.random.default_rng(0))
    stream = np.arange(n, dtype=np.float32)[:, None]
    for start in range(0, n, 7):         # batches of 7, so slots are contested within a batch
        reservoirs.add(stream[start:start + 7])
    held = reservoirs.samples()[:, :, 0].astype(int)
    assert all(len(set(row)) == size for row in held)      # no record twice in a tree
    counts = np.bincount(held.ravel(), minlength=n)
    expected = trees * size / n                             # 200 per record
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 160, chi2                                 # 99 d.o.f.: p ≈ 1e-4 at 160
    assert abs(counts[:50].sum() - counts[50:].sum()) < 0.05 * trees * size


def test_cuts_choose_dimensions_in_proportion_to_their_range():
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.uniform(0, 9, 256), rng.uniform(0, 1, 256)]).astype(np.float32)
    forest = build_forest(np.repeat(X[None], 400, axis=0), np.random.default_rng(2))
    first = forest.cut_dim[forest.roots]
    share = float((first == 0).mean())
    assert 0.84 < share < 0.96, share                       # 9 / (9 + 1) = 0.9
    leaves = forest.cut_dim < 0
    assert forest.count[leaves].sum() == 256 * 400          # every point ends in one leaf


def test_roc_auc_at_least_isolation_forests_on_injected_anomalies():
    for seed in range(3):
        X, y = one_axis_anomalies(np.random.default_rng(seed))
        ours = roc_auc_score(y, scoring.codisp_scores(forest_on(X), X))
        theirs = roc_auc_score(y, -IsolationForest(random_state=0).fit(X).score_samples(X))
        assert ours >= theirs, (seed, ours, theirs)
        assert ours > 0.95


def test_scores_agree_in_rank_with_rrcf_codisp():
    rrcf = pytest.importorskip("rrcf")
    rng = np.random.default_rng(3)
    X, _ = anomaly_data(rng, rows=256, dim=3, anomalies=8)
    queries, _ = anomaly_data(rng, rows=40, dim=3, anomalies=5, shift=(2.0, 5.0))
    ours = scoring.codisp_scores(forest_on(X, trees=100, size=256), queries)
    np.random.seed(0)
    trees = [rrcf.RCTree(X.astype(np.float64)) for _ in range(100)]
    theirs = np.zeros(len(queries))
    for i, q in enumerate(queries.astype(np.float64)):
        for tree in trees:          # rrcf's streaming score: insert, CoDisp, forget
            tree.insert_point(q, index="q")
            theirs[i] += tree.codisp("q")
            tree.forget_point("q")
    theirs /= len(trees)
    assert spearmanr(ours, theirs).statistic > 0.9
    assert 0.5 < np.median(ours / theirs) < 2.0             # the same scale, too


def test_compiled_and_numpy_walks_give_the_same_scores():
    if scoring._codisp_c is None:
        pytest.skip("the compiled module is not built here")
    X, _ = anomaly_data(np.random.default_rng(4), rows=500, dim=4)
    X[:5] = X[10]                   # records equal to a sampled point join its leaf
    forest = forest_on(X, trees=50, size=64)
    np.testing.assert_allclose(scoring.codisp_scores(forest, X),
                               scoring.codisp_scores(forest, X, compiled=False), rtol=1e-6)  # float32 boxes


def test_training_reports_test_metrics_and_the_model_serves():
    X, y = anomaly_data(np.random.default_rng(5), rows=2000, dim=3, anomalies=20)
    art, log = train({"feature_dim": "3", "num_trees": "50"}, train=(X, None), test=(X, y))
    f1 = float(re.search(r"#test_score \(algo-1\) : \('f1', (\S+)\)", log.text).group(1))
    assert f1 > 0.8
    assert "#quality_metric: host=algo-1, test accuracy <score>=" in log.text
    assert "#quality_metric: host=algo-1, test precision <score>=" in log.text
    assert art.layout == "ndarray" and art.arrays["roots"].shape == (50,)
    model = get_descriptor(NAME).load_predictor(art)
    app = InvocationsApp(model, NAME)
    body = "\n".join(",".join(repr(float(v)) for v in row) for row in X[:4]).encode()
    for accept, check in (("application/json", lambda b: json.loads(b)["scores"]),
                          ("application/jsonlines",
                           lambda b: [json.loads(line) for line in b.splitlines()])):
        status, answer = invoke(app, body, "text/csv", accept)
        assert status == 200
        scores = [r["score"] for r in check(answer)]
        np.testing.assert_allclose(scores, model.predict(X[:4])["score"], rtol=1e-6)


def test_eval_metrics_selects_the_lines():
    X, y = anomaly_data(np.random.default_rng(6), rows=400, dim=3)
    _, log = train({"feature_dim": "3", "num_trees": "50", "eval_metrics": '["accuracy"]'},
                   train=(X, None), test=(X, y))
    assert "test accuracy <score>=" in log.text and "f1" not in log.text


def test_test_labels_must_be_0_or_1():
    X, y = anomaly_data(np.random.default_rng(7), rows=100, dim=3)
    y[4] = 2
    with pytest.raises(DataError, match=r"label 2.0 at record 4 .* 1 \(anomaly\) or 0 \(normal\)"):
        train({"feature_dim": "3", "num_trees": "50"}, train=(X, None), test=(X, y))


def test_schema_ranges():
    schema = get_descriptor(NAME).schema
    assert schema.defaults()["num_trees"] == "100"
    assert schema.defaults()["num_samples_per_tree"] == "256"
    with pytest.raises(HyperparameterError, match="'feature_dim'"):
        schema.resolve({})
    for bad in ({"num_trees": "49"}, {"num_trees": "1001"}, {"num_samples_per_tree": "2049"},
                {"feature_dim": "10001"}, {"eval_metrics": '["f1"]'}):
        with pytest.raises(HyperparameterError, match=next(iter(bad))):
            schema.resolve(dict({"feature_dim": "3"}, **bad))
    assert schema.resolve({"feature_dim": "3", "mini_batch_size": "1000"})["mini_batch_size"] \
        == 1000                                              # what the SDK sends

