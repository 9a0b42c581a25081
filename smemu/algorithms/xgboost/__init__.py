"""SageMaker's built-in XGBoost ("algorithm mode" of the ``sagemaker-xgboost`` image), run on
the real ``xgboost`` library.

Training reads the ``train`` (and optional ``validation``) channel into one matrix each (dense
for CSV and RecordIO-protobuf, sparse for LIBSVM), through the same record checks ``smemu
validate`` runs, builds ``xgboost.DMatrix``es and calls ``xgboost.train`` as the container does
(GitHub aws/sagemaker-xgboost-container, ``algorithm_mode/train.py`` and ``callback.py``):

* the hyperparameters the container keeps for itself (``num_round``, ``csv_weights``,
  ``early_stopping_rounds``, ...) are taken out, the rest passed to xgboost as given;
* ``xgboost.callback.EvaluationMonitor`` prints each round, ``[0]<TAB>train-rmse:0.36893<TAB>
  validation-rmse:0.37524``, on stdout (CloudWatch shows the tab as ``#011``, and the
  MetricDefinitions SageMaker injects for XGBoost match that);
* early stopping runs only with a ``validation`` channel, ``early_stopping_rounds`` and an
  ``eval_metric`` (the container's rule), on the last metric of ``eval_metric``, keeping the best
  model;
* the model is ``Booster.save_model``'s bytes, written as ``xgboost-model``.
"""

from __future__ import annotations

import sys
from typing import Mapping

import numpy as np
import scipy.sparse as sp

from smemu.algorithms.base import Algorithm, DataChannel, ModelArtifact, checked_batches
from smemu.algorithms.data import widened
from smemu.algorithms.errors import CustomerError
from smemu.algorithms.hyperparameters import Config
from smemu.algorithms.reporting import Reporter
from smemu.algorithms.xgboost.checks import XGBoostChecks, split_csv_weights
from smemu.algorithms.xgboost.container_metrics import NAMES as CONTAINER_METRIC_NAMES
from smemu.algorithms.xgboost.container_metrics import custom_metric
from smemu.algorithms.xgboost.schema import MAXIMIZE_METRICS, NOT_FOR_XGBOOST

MODEL_NAME = "xgboost-model"
READ_BATCH = 20000
# the xgboost errors the container reports as the user's (its CUSTOMER_ERRORS)
CUSTOMER_ERRORS = (
    "label must be in [0,1] for logistic regression", "label must be in [0, num_class)",
    "feature_names mismatch", "Check failed: preds.size() == info.labels_.size()",
    "AUC: the dataset only contains pos or neg samples", "base_score must be in (0,1)",
    "label must be nonnegative", "Parameter reg_lambda should be greater equal to 0",
)


def read_matrix(channel: DataChannel, checks: XGBoostChecks, csv_weights: int):
    """(features, labels, weights or None, query ids or None) of a whole channel; features are
    a dense float32 array, or a CSR matrix when any part is sparse (LIBSVM)."""
    parts, labels, weights, qids = [], [], [], []
    for batch in checked_batches(channel, READ_BATCH, checks):
        features, w = split_csv_weights(batch, csv_weights)
        parts.append(features)
        labels.append(np.asarray(batch.labels, dtype=np.float32).ravel())
        weights.append(w)
        qids.append(getattr(batch, "qids", None))
    records = sum(p.shape[0] for p in parts)
    checks.end(channel.name, records)
    if any(sp.issparse(p) for p in parts):
        cols = max(p.shape[1] for p in parts)
        features = sp.vstack([widened(sp.csr_matrix(p), cols) for p in parts], format="csr")
    else:
        features = parts[0] if len(parts) == 1 else np.concatenate(parts)
    weight = None if any(w is None for w in weights) else np.concatenate(weights)
    qid = None if any(q is None for q in qids) else np.concatenate(qids)
    if qid is not None and (np.diff(qid) < 0).any():
        raise CustomerError(
            f"The '{channel.name}' channel's qid values are not in order: XGBoost needs the "
            f"records of each query together, sorted by qid. Sort the lines by qid.")
    return features, np.concatenate(labels), weight, qid


def xgboost_params(config: Config) -> dict:
    """What the container passes ``xgboost.train`` as ``params``."""
    params = {}
    for name, value in config.items():
        if value is None or name in NOT_FOR_XGBOOST or name.startswith("_"):
            continue
        if name == "updater":
            value = ",".join(value)
        elif name in ("monotone_constraints", "interaction_constraints"):
            value = config.raw[name]
        params[name] = value
    return params


def eval_metrics(config: Config) -> tuple[list[str], list[str], str | None]:
    """(the xgboost library's metrics, the container's own, the early-stopping metric) of
    ``eval_metric`` plus the tuning objective, as the container splits them: early stopping
    watches the tuning objective when there is one, else the last of ``eval_metric``."""
    wanted = list(config["eval_metric"] or [])
    stopping = wanted[-1] if wanted else None
    tuning = str(config.get("_tuning_objective_metric") or "")
    if tuning:
        stopping = tuning.split(":", 1)[-1]
        wanted = sorted(set(wanted) | {stopping})
    return ([m for m in wanted if m not in CONTAINER_METRIC_NAMES],
            [m for m in wanted if m in CONTAINER_METRIC_NAMES], stopping)


def _dmatrix(xgb, features, labels, weights, qid, width: int):
    return xgb.DMatrix(widened(features, width), label=labels, weight=weights, qid=qid,
                       nthread=-1)


def _print_line(message: str) -> None:
    sys.stdout.write(message if message.endswith("\n") else message + "\n")
    sys.stdout.flush()


class XGBoost(Algorithm):
    def train(self, config: Config, channels: Mapping[str, DataChannel],
              reporter: Reporter) -> ModelArtifact:
        import xgboost as xgb

        checks = self.input_checks(config)
        csv_weights = config["csv_weights"] or 0
        x, y, w, qid = read_matrix(channels["train"], checks, csv_weights)
        validation = None
        if "validation" in channels:
            validation = read_matrix(channels["validation"], checks, csv_weights)
        width = max(x.shape[1], validation[0].shape[1] if validation else 0)
        dtrain = _dmatrix(xgb, x, y, w, qid, width)
        evals = [(dtrain, "train")]
        reporter.info("Train matrix has %d rows and %d columns", dtrain.num_row(),
                      dtrain.num_col())
        if validation is not None:
            dval = _dmatrix(xgb, *validation, width)
            evals.append((dval, "validation"))
            reporter.info("Validation matrix has %d rows", dval.num_row())

        params = xgboost_params(config)
        if params.get("tree_method") == "gpu_hist":
            # what the GPU instances of SageMaker run; smemu has none (and xgboost >= 2 names it
            # tree_method=hist, device=cuda): the same algorithm on the CPU
            reporter.warning("tree_method 'gpu_hist' needs a GPU instance; smemu trains with "
                             "tree_method 'hist' on the CPU instead.")
            params["tree_method"] = "hist"
        library_metrics, own_metrics, metric = eval_metrics(config)
        if library_metrics:
            params["eval_metric"] = library_metrics
        callbacks = [xgb.callback.EvaluationMonitor(logger=_print_line)]
        rounds = config["early_stopping_rounds"]
        if rounds and validation is not None and metric:
            callbacks.append(xgb.callback.EarlyStopping(
                rounds=rounds, data_name="validation", metric_name=metric,
                maximize=metric in MAXIMIZE_METRICS, save_best=True))
        try:
            booster = xgb.train(params, dtrain, num_boost_round=config["num_round"],
                                evals=evals, custom_metric=custom_metric(own_metrics),
                                callbacks=callbacks, verbose_eval=False)
        except xgb.core.XGBoostError as exc:
            text = str(exc)
            if any(words in text for words in CUSTOMER_ERRORS):
                raise CustomerError(text.strip().splitlines()[0]) from None
            raise
        return ModelArtifact(layout="files", files={MODEL_NAME: bytes(booster.save_raw("ubj"))})
