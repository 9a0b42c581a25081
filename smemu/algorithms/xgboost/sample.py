"""Tiny problems XGBoost must solve, one per kind of objective, whose evaluation metrics together
print a line for every MetricDefinition the service injects for XGBoost."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.descriptor import SampleData

ROWS, DIM = 300, 5


def _accuracy(predictions, features, labels):
    """Training accuracy of the predicted class; the floor is the majority class plus 15 points."""
    scores = np.asarray(predictions["score"])
    predicted = scores.argmax(axis=1) if scores.ndim == 2 else (scores > 0.5)
    accuracy = float(np.mean(predicted == labels))
    majority = np.bincount(labels.astype(int)).max() / len(labels)
    return accuracy, min(majority + 0.15, 0.9)


def _explained(predictions, features, labels):
    """1 - MSE / variance of the labels (R^2); the floor: a fifth of the variance explained."""
    scores = np.asarray(predictions["score"], dtype=np.float64)
    return 1.0 - np.mean((scores - labels) ** 2) / np.var(labels), 0.2


def _split(features, labels):
    return {"train": (features, labels), "validation": (features[:100], labels[:100])}


def samples(rng) -> list[SampleData]:
    features = rng.normal(size=(ROWS, DIM)).astype(np.float32)
    weights = rng.normal(size=DIM)
    margin = features @ weights
    binary = (margin + 0.2 * rng.normal(size=ROWS) > 0).astype(np.float32)
    classes = np.digitize(margin, np.quantile(margin, [1 / 3, 2 / 3])).astype(np.float32)
    positive = np.exp(0.3 * margin).astype(np.float32) + 0.1
    base = {"num_round": "10", "max_depth": "3", "eta": "0.3", "seed": "1"}
    return [
        SampleData(channels=_split(features, binary), quality=_accuracy, hyperparameters={
            **base, "objective": "binary:logistic",
            "eval_metric": "error,auc,aucpr,logloss,ndcg,map,accuracy,f1"}),
        SampleData(channels=_split(features, classes), quality=_accuracy, hyperparameters={
            **base, "objective": "multi:softprob", "num_class": "3",
            "eval_metric": "merror,mlogloss"}),
        SampleData(channels=_split(features, positive), quality=_explained, hyperparameters={
            **base, "objective": "reg:gamma",
            "eval_metric": "rmse,mae,mse,r2,gamma-nloglik,gamma-deviance,poisson-nloglik,"
                           "cox-nloglik"}),
    ]
