"""Linear Learner's hyperparameters: declared once, with the real container's defaults.

Defaults are the strings the real container's ``default-input.json`` holds (its ``Reading
default configuration`` log line, printed in public training logs; the values are those of the
AWS developer guide page "Linear learner hyperparameters"), so smemu prints the same map. ``resolve_auto`` turns the remaining ``auto`` values into numbers.
"""

from __future__ import annotations

from smemu.algorithms.hyperparameters import (
    AUTO, Auto, Boolean, Choice, Config, Float, Integer, OneOf, Schema, require)

PREDICTOR_TYPES = ("binary_classifier", "multiclass_classifier", "regressor")

#: which losses each predictor type accepts; the first is what ``auto`` means
LOSSES = {
    "binary_classifier": ("logistic", "hinge_loss"),
    "multiclass_classifier": ("softmax_loss",),
    "regressor": ("squared_loss", "absolute_loss", "eps_insensitive_squared_loss",
                  "eps_insensitive_absolute_loss", "quantile_loss", "huber_loss"),
}
ALL_LOSSES = ("auto", "logistic", "squared_loss", "absolute_loss", "hinge_loss",
              "eps_insensitive_squared_loss", "eps_insensitive_absolute_loss", "quantile_loss",
              "huber_loss", "softmax_loss")
OPTIMIZERS = ("auto", "sgd", "adam", "rmsprop")
SELECTION_CRITERIA = ("accuracy", "f_beta", "precision_at_target_recall",
                      "recall_at_target_precision", "loss_function")

_positive = dict(min=0, min_open=True)
_unit_open = dict(min=0, max=1, min_open=True, max_open=True)


# Cross-checks, audited against the AWS developer guide page "Linear learner hyperparameters":
# where it says a value is ignored, the trainer ignores it (and logs so, see IGNORED); where it
# says nothing, the check stays and its comment says so.

def _num_classes_fits(config: Config) -> None:
    # documented: "Required when predictor_type is multiclass_classifier. Otherwise, the
    # algorithm ignores it. Valid values: Integers from 3 to 1,000,000"
    kind, k = config["predictor_type"], config["num_classes"]
    if kind == "multiclass_classifier":
        require(k >= 3,
                f"predictor_type='multiclass_classifier' needs num_classes of 3 or more (got "
                f"num_classes={k}). For two classes use predictor_type='binary_classifier'.",
                name="num_classes")


def ignored(config: Config) -> list[str]:
    """Hyperparameters given a value that the documentation says the algorithm ignores under
    this predictor_type, as log lines."""
    kind = config["predictor_type"]
    out = []
    if kind != "multiclass_classifier" and config["num_classes"] != 1:
        out.append(f"num_classes={config['num_classes']} is ignored: it is used only when "
                   f"predictor_type is multiclass_classifier (predictor_type is {kind}).")
    if kind != "multiclass_classifier" and config["balance_multiclass_weights"]:
        out.append(f"balance_multiclass_weights is ignored: it is used only when predictor_type "
                   f"is multiclass_classifier (predictor_type is {kind}).")
    if kind != "regressor" and config["normalize_label"] is True:
        out.append(f"normalize_label is ignored: labels are normalised for regression only "
                   f"(predictor_type is {kind}).")
    return out


def _loss_fits(config: Config) -> None:
    # the documentation lists each predictor type's losses and says nothing of another type's
    # loss: kept as a check
    kind, loss = config["predictor_type"], config["loss"]
    if loss == AUTO:
        return
    require(loss in LOSSES[kind],
            f"loss='{loss}' cannot be used with predictor_type='{kind}'; for {kind} use one of: "
            f"auto, {', '.join(LOSSES[kind])}.", name="loss")


def _targets_fit(config: Config) -> None:
    # the documentation describes both for binary classifiers without saying that other types
    # ignore them: kept as checks
    crit = config["binary_classifier_model_selection_criteria"]
    if config["predictor_type"] != "binary_classifier" and crit != "accuracy":
        require(False,
                f"binary_classifier_model_selection_criteria='{crit}' applies only to "
                f"predictor_type='binary_classifier' (got predictor_type="
                f"'{config['predictor_type']}'). Remove it.",
                name="binary_classifier_model_selection_criteria")
    weight = config["positive_example_weight_mult"]
    if config["predictor_type"] != "binary_classifier" and weight not in (1.0, AUTO):
        require(False,
                f"positive_example_weight_mult={config.raw['positive_example_weight_mult']} "
                f"applies only to predictor_type='binary_classifier' (got predictor_type="
                f"'{config['predictor_type']}'). Use balance_multiclass_weights for multiclass.",
                name="positive_example_weight_mult")


def _scheduler_fits(config: Config) -> None:
    # not in the documentation: kept as a check (the scheduler could never reach the floor)
    lr, floor = config["learning_rate"], config["lr_scheduler_minimum_lr"]
    if lr != AUTO and floor != AUTO:
        require(floor <= lr,
                f"lr_scheduler_minimum_lr={floor:g} is larger than learning_rate={lr:g}; the "
                f"scheduler only lowers the learning rate. Lower lr_scheduler_minimum_lr.",
                name="lr_scheduler_minimum_lr")


SCHEMA = Schema(
    "linear-learner",
    {
        "predictor_type": Choice(PREDICTOR_TYPES, required=True),
        "num_classes": Integer("1", min=1, max=1_000_000),
        "feature_dim": Auto(Integer(min=1)),
        "mini_batch_size": Integer("1000", min=1),
        "epochs": Integer("15", min=1),
        "num_models": Auto(Integer(min=1)),
        "optimizer": Choice(OPTIMIZERS, default="auto"),
        "loss": Choice(ALL_LOSSES, default="auto"),
        "learning_rate": Auto(Float(**_positive)),
        "l1": Auto(Float(min=0)),
        "wd": Auto(Float(min=0)),
        "momentum": Auto(Float(min=0, max=1, max_open=True)),
        "beta_1": Auto(Float(min=0, max=1, max_open=True)),
        "beta_2": Auto(Float(min=0, max=1, max_open=True)),
        "bias_lr_mult": Auto(Float(**_positive)),
        "bias_wd_mult": Auto(Float(min=0)),
        "use_bias": Boolean("true"),
        "normalize_data": OneOf(Choice(["auto"]), Boolean(), default="true"),
        "normalize_label": OneOf(Choice(["auto"]), Boolean(), default="auto"),
        "unbias_data": OneOf(Choice(["auto"]), Boolean(), default="auto"),
        "unbias_label": OneOf(Choice(["auto"]), Boolean(), default="auto"),
        "num_point_for_scaler": Integer("10000", min=1),
        "init_method": Choice(["uniform", "normal"], default="uniform"),
        "init_scale": Float("0.07", **_positive),
        "init_sigma": Float("0.01", **_positive),
        "init_bias": Float("0.0"),
        "use_lr_scheduler": Boolean("true"),
        "lr_scheduler_step": Auto(Integer(min=1)),
        "lr_scheduler_factor": Auto(Float(**_unit_open)),
        "lr_scheduler_minimum_lr": Auto(Float(**_positive)),
        "early_stopping_patience": Integer("3", min=1),
        "early_stopping_tolerance": Float("0.001", **_positive),
        "binary_classifier_model_selection_criteria": Choice(SELECTION_CRITERIA,
                                                             default="accuracy"),
        "target_recall": Float("0.8", **_unit_open),
        "target_precision": Float("0.8", **_unit_open),
        "f_beta": Float("1.0", **_positive),
        "positive_example_weight_mult": OneOf(Choice(["balanced", "auto"]), Float(**_positive),
                                              default="1.0"),
        "balance_multiclass_weights": Boolean("false"),
        "accuracy_top_k": Integer("3", min=1),
        "margin": Float("1.0", min=0),
        "quantile": Float("0.5", **_unit_open),
        "loss_insensitivity": Float("0.01", **_positive),
        "huber_delta": Float("1.0", **_positive),
        "num_calibration_samples": Auto(Integer(min=1), default="10000000"),
    },
    checks=[_num_classes_fits, _loss_fits, _targets_fit, _scheduler_fits],
    private={"_kvstore": "auto", "_num_gpus": "auto", "_num_kv_servers": "auto",
             "_log_level": "info", "_enable_profiler": "false",
             "_tuning_objective_metric": ""},
)


# ``auto`` resolution ---------------------------------------------------------------------------
# AWS documents what some ``auto`` values mean; the rest are smemu's choices, set to what the real
# container logs for its best model ("learning_rate": 0.1, "wd": 0.0001, "l1": 0.0,
# "lr_scheduler_step": 100, "lr_scheduler_factor": 0.99, "lr_scheduler_minimum_lr": 1e-05).
AUTO_LEARNING_RATE = {"adam": 0.01, "rmsprop": 0.01, "sgd": 0.01}
AUTO_VALUES = {"wd": 1e-4, "l1": 0.0, "momentum": 0.9, "beta_1": 0.9, "beta_2": 0.999,
               "bias_lr_mult": 1.0, "bias_wd_mult": 0.0, "lr_scheduler_step": 100,
               "lr_scheduler_factor": 0.99, "lr_scheduler_minimum_lr": 1e-5,
               "num_calibration_samples": 10_000_000}
AUTO_NUM_MODELS = 32  # observed for binary and regression jobs


def resolved(config: Config) -> dict:
    """The typed configuration with every ``auto`` replaced by its value (``user_set`` names the
    per-model search parameters the user fixed, so the other models stay close to them)."""
    out = dict(config)
    kind = config["predictor_type"]
    out["user_set"] = {n for n in ("learning_rate", "wd", "l1") if config[n] != AUTO}
    out["optimizer"] = "adam" if config["optimizer"] == AUTO else config["optimizer"]
    out["loss"] = LOSSES[kind][0] if config["loss"] == AUTO else config["loss"]
    if config["learning_rate"] == AUTO:
        out["learning_rate"] = AUTO_LEARNING_RATE[out["optimizer"]]
    for name, value in AUTO_VALUES.items():
        if config[name] == AUTO:
            out[name] = value
    out["num_models_auto"] = config["num_models"] == AUTO
    if config["num_models"] == AUTO:
        out["num_models"] = AUTO_NUM_MODELS
    regressor = kind == "regressor"
    out["normalize_data"] = config["normalize_data"] in (True, AUTO)
    out["normalize_label"] = regressor and config["normalize_label"] in (True, AUTO)
    out["unbias_data"] = (config["use_bias"] if config["unbias_data"] == AUTO
                          else config["unbias_data"])
    out["unbias_label"] = regressor and (config["use_bias"] if config["unbias_label"] == AUTO
                                         else config["unbias_label"])
    if not config["use_lr_scheduler"]:
        out["lr_scheduler_factor"] = 1.0
    if str(config.get("_tuning_objective_metric") or ""):
        out["num_models"] = 1  # automatic model tuning switches the internal search off
        out["num_models_auto"] = False
    return out
