"""One Linear Learner training run: scaler sample, epochs, early stopping, selection, scoring."""

from __future__ import annotations

import json
import random
import string
import tempfile
import time
from typing import Iterator, Mapping

import numpy as np
import scipy.sparse as sp

from smemu.algorithms.base import ModelArtifact, checked_batches
from smemu.algorithms.data import as_float
from smemu.algorithms.linear_learner import metrics, selection
from smemu.algorithms.linear_learner.artifact import model_artifact
from smemu.algorithms.linear_learner.checks import LinearLearnerChecks, labels_of, no_records
from smemu.algorithms.linear_learner.losses import make_loss
from smemu.algorithms.linear_learner.model import LinearModels, search_settings
from smemu.algorithms.linear_learner.optimizers import FactorSchedule, Optimizer
from smemu.algorithms.linear_learner.scaling import fit_scaler
from smemu.algorithms.reporting import Reporter, Throughput


#: records on which all models are compared by a threshold criterion ("sampled_accuracy"); the
#: chosen model's threshold is then calibrated on up to num_calibration_samples records
SELECTION_SAMPLE = 100_000
#: num_models=auto trains fewer than 32 models when feature_dim x outputs x models exceeds this
MAX_AUTO_PARAMETERS = 16_000_000


def checkpoint_name() -> str:
    """Where the real job says it saves each improved epoch's module: ``mx-mod-0000.params`` in a
    fresh temporary directory (``/tmp/tmpXXXXXXXX``). smemu only prints the name; the model it
    keeps is in memory."""
    letters = string.ascii_lowercase + string.digits + "_"
    name = "".join(random.SystemRandom().choice(letters) for _ in range(8))
    return f"{tempfile.gettempdir()}/tmp{name}/mx-mod-0000.params"


class Run:
    def __init__(self, cfg: dict, channels: Mapping, reporter: Reporter):
        self.cfg = cfg
        self.channels = channels
        self.report = reporter
        self.kind = cfg["predictor_type"]
        self.binary = self.kind == "binary_classifier"
        self.multiclass = self.kind == "multiclass_classifier"
        self.outputs = cfg["num_classes"] if self.multiclass else 1
        self.feature_dim = None if cfg["feature_dim"] == "auto" else cfg["feature_dim"]
        self.checks = LinearLearnerChecks(cfg)
        self.eval_loss = make_loss(cfg)
        self.criterion = cfg["binary_classifier_model_selection_criteria"] if self.binary else None
        self.threshold_criterion = self.criterion in selection.THRESHOLD_CRITERIA

    # reading and checking batches ------------------------------------------------------------
    def batches(self, channel_name: str) -> Iterator[tuple]:
        """(features, labels, batch) of one pass over a channel, checked."""
        channel = self.channels[channel_name]
        for batch in checked_batches(channel, self.cfg["mini_batch_size"], self.checks):
            self.feature_dim = self.checks.feature_dim  # set by the first batch for "auto"
            yield as_float(batch.features), labels_of(batch, channel_name), batch

    def train_batches(self) -> Iterator[tuple]:
        """(features, labels) of one pass over ``train``. On the first pass the scaler is fitted
        on the first ``num_point_for_scaler`` records before any of them is trained on."""
        passing = self.batches("train")
        if hasattr(self, "models"):
            for X, y, _ in passing:
                yield X, y
            return
        pending, rows = [], 0
        for X, y, _ in passing:
            pending.append((X, y))
            rows += X.shape[0]
            if rows >= self.cfg["num_point_for_scaler"]:
                break
        if not pending:
            raise no_records("train")
        self.prepare([p[0] for p in pending], [p[1] for p in pending])
        yield from pending
        for X, y, _ in passing:
            yield X, y

    # setup --------------------------------------------------------------------------------------
    def prepare(self, sample_features, sample_labels):
        cfg = self.cfg
        X = sp.vstack(sample_features, format="csr") if sp.issparse(sample_features[0]) \
            else np.vstack(sample_features)
        y = np.concatenate(sample_labels)
        cut = cfg["num_point_for_scaler"]
        X, y = X[:cut], y[:cut]
        self.scaler = fit_scaler(X, y, normalize_data=cfg["normalize_data"],
                                 unbias_data=cfg["unbias_data"],
                                 normalize_label=cfg["normalize_label"],
                                 unbias_label=cfg["unbias_label"])
        self.report.info("Scaling model computed with parameters: %s", self.scaler.describe())
        balanced = 1.0
        if self.binary:
            pos = float((y == 1).sum())
            balanced = (len(y) - pos) / pos if pos else 1.0
        self.class_weights = None
        if self.multiclass and cfg["balance_multiclass_weights"]:
            counts = np.bincount(y.astype(np.int64), minlength=self.outputs).astype(np.float64)
            present = counts > 0
            w = np.ones(self.outputs)
            w[present] = len(y) / (present.sum() * counts[present])
            self.class_weights = w.astype(np.float32)
        if cfg["num_models_auto"]:
            # keep the weight tensor (and the optimiser's copies of it) to a few hundred MB
            fits = MAX_AUTO_PARAMETERS // max(1, self.feature_dim * self.outputs)
            cfg["num_models"] = int(max(1, min(cfg["num_models"], fits)))
        self.settings = search_settings(cfg, balanced)
        self.models = LinearModels(self.feature_dim, cfg["num_models"], self.outputs,
                                   self.scaler, cfg)
        k = self.outputs
        schedule = FactorSchedule(np.repeat(self.settings.learning_rate, k),
                                  cfg["lr_scheduler_step"], cfg["lr_scheduler_factor"],
                                  cfg["lr_scheduler_minimum_lr"])
        self.optimizer = Optimizer(
            cfg["optimizer"], self.models.W, self.models.b, schedule,
            wd=np.repeat(self.settings.wd, k), l1=np.repeat(self.settings.l1, k),
            bias_lr_mult=cfg["bias_lr_mult"], bias_wd_mult=cfg["bias_wd_mult"],
            momentum=cfg["momentum"], beta_1=cfg["beta_1"], beta_2=cfg["beta_2"])
        scale = self.scaler.label_scale
        self.train_loss = (self.eval_loss.scaled(scale) if hasattr(self.eval_loss, "scaled")
                           else self.eval_loss)

    def to_label_units(self, S):
        if not self.kind == "regressor":
            return S
        return S * np.float32(self.scaler.label_scale) + np.float32(self.scaler.label_shift)

    # one mini-batch ---------------------------------------------------------------------------------
    def step(self, X, y):
        """One update of every model; returns each model's summed training loss on the batch
        (before the update; a regressor's on the normalised label scale, as the real job's
        per-epoch train objective is)."""
        models, sc = self.models, self.scaler
        S = models.scores(X)
        regressor = self.kind == "regressor"
        y32 = y.astype(np.float32)
        y_train = (y32 - np.float32(sc.label_shift)) / np.float32(sc.label_scale) if regressor \
            else y32
        loss, G = self.train_loss.value_and_grad(S, y_train)
        if self.binary:
            if np.any(self.settings.positive_weight != 1.0):
                w = np.where(y32[:, None] == 1, self.settings.positive_weight.astype(np.float32),
                             np.float32(1.0))
                G *= w[:, :, None]
        elif self.class_weights is not None:
            G *= self.class_weights[y.astype(np.int64)][:, None, None]
        gW, gb = models.gradients(X, G.reshape(G.shape[0], -1))
        self.optimizer.step(models.W, models.b, gW, gb)
        return loss.sum(axis=0, dtype=np.float64)

    # evaluation of every model over a channel -------------------------------------------------
    def evaluate_all(self, channel_name, W, b, keep_scores: bool):
        """Mean eval loss per model and, if asked, raw scores of the first records (at most
        SELECTION_SAMPLE and num_calibration_samples) as (records, models) with their labels."""
        loss_sum = np.zeros(self.models.models)
        n = 0
        kept, kept_y = [], []
        cap = min(self.cfg["num_calibration_samples"], SELECTION_SAMPLE)
        for X, y, _ in self.batches(channel_name):
            S = self.to_label_units(self.models.scores(X, W, b))
            loss_sum += self.eval_loss.value(S, y.astype(np.float32)).sum(axis=0)
            if keep_scores and n < cap:
                kept.append(S[: cap - n, :, 0])
                kept_y.append(y[: cap - n])
            n += X.shape[0]
        if n == 0:
            raise no_records(channel_name)
        scores = np.vstack(kept) if kept else None
        labels = np.concatenate(kept_y) if kept_y else None
        return loss_sum / n, scores, labels

    def criterion_values(self, losses, scores, labels):
        """(criterion per model, larger is better)."""
        if self.threshold_criterion:
            values, _ = selection.calibrate(scores, labels, self.criterion, **self.targets())
            return values
        return -losses

    def targets(self):
        c = self.cfg
        return dict(beta=c["f_beta"], target_recall=c["target_recall"],
                    target_precision=c["target_precision"])

    def criteria_name(self):
        if self.threshold_criterion:
            return f"sampled_{self.criterion}"
        return self.eval_loss.objective

    # the run --------------------------------------------------------------------------------------
    def train(self) -> ModelArtifact:
        cfg, report = self.cfg, self.report
        has_validation = "validation" in self.channels
        epochs = cfg["epochs"]
        best_value = best_W = best_b = None
        overall_best, stale = -np.inf, 0
        last_train_loss = None
        objective = self.eval_loss.objective
        checkpoint = checkpoint_name()
        for epoch in range(epochs):
            start = time.time()
            throughput = Throughput()
            loss_sum = 0.0  # becomes one sum per model (num_models is final once data is seen)
            seen = 0
            for X, y in self.train_batches():
                loss_sum = loss_sum + self.step(X, y)
                seen += X.shape[0]
                throughput.add(X.shape[0])
            models_n = self.models.models
            if best_W is None:
                best_W, best_b = self.models.W.copy(), self.models.b.copy()
                best_value = np.full(models_n, -np.inf)
            train_loss = loss_sum / max(seen, 1)
            last_train_loss = train_loss
            end = time.time()
            records_per_second = throughput.per_second
            for m in range(models_n):
                report.metrics({f"train_{objective}": float(train_loss[m])}, start=start, end=end,
                               epoch=epoch, model=m)
            report.quality("train", objective, float(train_loss[0]), epoch=epoch)
            if has_validation:
                val_loss, scores, labels = self.evaluate_all(
                    "validation", self.models.W, self.models.b, self.threshold_criterion)
                for m in range(models_n):
                    report.metrics({f"validation_{objective}": float(val_loss[m])},
                                   start=end, epoch=epoch, model=m)
                report.quality("validation", objective, float(val_loss[0]), epoch=epoch)
                values = self.criterion_values(val_loss, scores, labels)
            else:
                values = -train_loss
            # per-model best snapshots (for selection), vectorised over columns
            improved = values > best_value
            if improved.any():
                cols = np.repeat(improved, self.outputs)
                best_W[:, cols] = self.models.W[:, cols]
                best_b[cols] = self.models.b[cols]
                best_value = np.where(improved, values, best_value)
            epoch_best = float(np.max(np.where(np.isfinite(values), values, -np.inf)))
            shown = epoch_best if self.threshold_criterion else -epoch_best
            report.early_stopping(epoch, self.criteria_name(), shown)
            gain = epoch_best - overall_best
            if not np.isfinite(overall_best) or gain > cfg["early_stopping_tolerance"] * abs(overall_best):
                overall_best, stale = max(epoch_best, overall_best), 0
                report.info("Epoch %d: Loss improved. Updating best model", epoch)
                report.info("Saving model for epoch: %d", epoch)
                report.info('Saved checkpoint to "%s"', checkpoint)
            else:
                stale += 1
                report.info("Epoch %d: Loss has not improved for %d epochs.", epoch, stale)
            report.progress((epoch + 1) / epochs, whole=True)
            report.throughput(records_per_second)
            if stale >= cfg["early_stopping_patience"]:
                report.info("Epoch %d: Loss has not improved for %d epochs. Early stopping.",
                            epoch, stale)
                break
        return self.finish(best_W if has_validation else self.models.W,
                           best_b if has_validation else self.models.b,
                           best_value, last_train_loss)

    def finish(self, W, b, best_value, last_train_loss) -> ModelArtifact:
        cfg, report = self.cfg, self.report
        has_validation = "validation" in self.channels
        calibration = "validation" if has_validation else "train"
        if has_validation:
            chosen = selection.best_index(best_value, larger_is_better=True)
        elif self.threshold_criterion:
            losses, scores, labels = self.evaluate_all("train", W, b, True)
            chosen = selection.best_index(self.criterion_values(losses, scores, labels), True)
        else:
            chosen = selection.best_index(last_train_loss, larger_is_better=False)
        cols = self.models.columns(chosen)
        single_W, single_b = W[:, cols], b[cols]
        threshold = None
        calibration_scores = None
        if self.binary:
            calibration_scores, calibration_labels = self.single_scores(calibration, single_W,
                                                                        single_b)
            if self.threshold_criterion:
                cap = cfg["num_calibration_samples"]
                sample = calibration_scores[:cap, None], calibration_labels[:cap]
                value, thr = selection.calibrate(*sample, self.criterion, **self.targets())
                if not np.isfinite(value[0]):
                    report.warning(
                        "No threshold reaches the target of %s on the %s data; using the "
                        "threshold with the best accuracy instead.", self.criterion, calibration)
                    value, thr = selection.calibrate(*sample, "accuracy")
                threshold = float(thr[0])
            else:
                threshold = 0.0
        # the chosen model scored on validation, or (as the real job does without one) on train:
        # its objective line is then train:objective_loss:final
        self.score_channel(calibration, single_W, single_b, threshold)
        description = self.settings.describe(chosen, cfg)
        report.info("Best model found for hyperparameters: %s", json.dumps(description))
        if "test" in self.channels:
            self.score_channel("test", single_W, single_b, threshold)
        else:
            report.info("Test data is not provided.")
        return self.artifact(chosen, W, b, threshold)

    def single_scores(self, channel_name, W, b):
        """Scores of one model (records,) or (records, classes), in label units, and labels."""
        out, ys = [], []
        for X, y, _ in self.batches(channel_name):
            S = self.to_label_units(self.models.scores(X, W, b))[:, 0, :]
            out.append(S if self.multiclass else S[:, 0])
            ys.append(y)
        if not out:
            raise no_records(channel_name)
        return np.concatenate(out), np.concatenate(ys)

    def score_channel(self, channel_name, W, b, threshold):
        scores, labels = self.single_scores(channel_name, W, b)
        if self.binary:
            results = metrics.binary(scores, labels, threshold, self.eval_loss, self.cfg["f_beta"])
        elif self.multiclass:
            results = metrics.multiclass(scores, labels, self.eval_loss, self.cfg["f_beta"],
                                         self.cfg["accuracy_top_k"])
        else:
            results = metrics.regression(scores, labels, self.eval_loss)
        for name, value, _ in results:
            self.report.score(channel_name, name, value)
        for name, value, kind in results:
            self.report.quality(channel_name, name, value, kind=kind)
        return results

    def artifact(self, chosen, W, b, threshold) -> ModelArtifact:
        weight, bias = self.models.folded(chosen, W, b)
        out_threshold = None
        if threshold is not None:
            # the model outputs a probability under logistic loss, a raw margin under hinge loss
            out_threshold = float(1.0 / (1.0 + np.exp(-threshold))) \
                if self.eval_loss.name == "logistic" else float(threshold)
        positive = float(self.settings.positive_weight[chosen]) if self.binary else 1.0
        return model_artifact(self.cfg, weight, bias, out_threshold, positive, self.class_weights)
