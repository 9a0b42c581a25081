"""The metrics SageMaker's XGBoost container computes itself, against scikit-learn (which the
container calls): labels from margins (argmax, or margin > 0), f1 = macro average."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb
from sklearn import metrics

from smemu.algorithms.xgboost.container_metrics import custom_metric

RNG = np.random.default_rng(0)


def evaluate(names, preds, labels):
    dmatrix = xgb.DMatrix(np.zeros((len(labels), 1)), label=labels)
    return dict(custom_metric(names)(preds, dmatrix))


def test_binary_metrics_match_scikit_learn():
    labels = RNG.integers(0, 2, size=200).astype(float)
    margins = RNG.normal(size=200) + (labels - 0.5)
    predicted = (margins > 0).astype(int)
    got = evaluate(["accuracy", "f1", "f1_binary", "precision", "recall", "balanced_accuracy",
                    "precision_micro", "recall_macro"], margins, labels)
    assert got["accuracy"] == pytest.approx(metrics.accuracy_score(labels, predicted))
    assert got["f1"] == pytest.approx(metrics.f1_score(labels, predicted, average="macro"))
    assert got["f1_binary"] == pytest.approx(metrics.f1_score(labels, predicted))
    assert got["precision"] == pytest.approx(metrics.precision_score(labels, predicted))
    assert got["recall"] == pytest.approx(metrics.recall_score(labels, predicted))
    assert got["balanced_accuracy"] == pytest.approx(
        metrics.balanced_accuracy_score(labels, predicted))
    assert got["precision_micro"] == pytest.approx(
        metrics.precision_score(labels, predicted, average="micro"))
    assert got["recall_macro"] == pytest.approx(
        metrics.recall_score(labels, predicted, average="macro"))


def test_multiclass_and_regression_metrics_match_scikit_learn():
    labels = RNG.integers(0, 3, size=150).astype(float)
    scores = RNG.normal(size=(150, 3))
    scores[np.arange(150), labels.astype(int)] += 0.8
    predicted = scores.argmax(axis=1)
    got = evaluate(["accuracy", "f1_macro", "precision_macro"], scores, labels)
    assert got["accuracy"] == pytest.approx(metrics.accuracy_score(labels, predicted))
    assert got["f1_macro"] == pytest.approx(metrics.f1_score(labels, predicted, average="macro"))
    assert got["precision_macro"] == pytest.approx(
        metrics.precision_score(labels, predicted, average="macro"))

    target = RNG.normal(size=100)
    guess = target + 0.3 * RNG.normal(size=100)
    got = evaluate(["mse", "r2", "rmse"], guess, target)      # rmse: the library's own
    assert set(got) == {"mse", "r2"}
    assert got["mse"] == pytest.approx(metrics.mean_squared_error(target, guess), rel=1e-5)
    assert got["r2"] == pytest.approx(metrics.r2_score(target, guess), rel=1e-5)
