"""XGBoost's hyperparameters as SageMaker's XGBoost container (1.7-1) declares and checks them.

Names, ranges, aliases and dependency rules follow the container's ``algorithm_mode/
hyperparameter_validation.py`` (GitHub aws/sagemaker-xgboost-container); so do the words of its
errors (``Missing required hyperparameter: num_round``, ``Extraneous hyperparameter found: ...``,
``Hyperparameter eta: 2.0 is not in [0, 1]``). The container has no defaults of its own: what is
not given is left to the ``xgboost`` library. Unlike the container, which stops at the first
problem, every problem is listed (``smemu validate`` and the API list them all; training reports
the first, as the container does).
"""

from __future__ import annotations

import ast

from smemu.algorithms.hyperparameters import (
    Choice, Config, Float, HyperparameterError, Integer, Param, Schema, Wording, require)

#: metrics the container maximises / minimises (its ``XGB_MAXIMIZE_METRICS``/``MINIMIZE``)
MAXIMIZE_METRICS = ("accuracy", "auc", "aucpr", "balanced_accuracy", "f1", "f1_binary",
                    "f1_macro", "map", "ndcg", "precision", "r2", "recall", "precision_macro",
                    "precision_micro", "recall_macro", "recall_micro")
MINIMIZE_METRICS = ("aft-nloglik", "cox-nloglik", "error", "gamma-deviance", "gamma-nloglik",
                    "interval-regression-accuracy", "logloss", "mae", "mape", "merror",
                    "mlogloss", "mphe", "mse", "poisson-nloglik", "rmse", "rmsle",
                    "tweedie-nloglik")
#: metrics the container computes itself (a ``custom_metric``), not the xgboost library
CONTAINER_METRICS = ("accuracy", "balanced_accuracy", "f1", "f1_binary", "f1_macro", "mse",
                     "precision", "precision_macro", "precision_micro", "r2", "recall",
                     "recall_macro", "recall_micro")

OBJECTIVES = ("aft_loss_distribution", "binary:logistic", "binary:logitraw", "binary:hinge",
              "count:poisson", "multi:softmax", "multi:softprob", "rank:pairwise", "rank:ndcg",
              "rank:map", "reg:linear", "reg:squarederror", "reg:logistic", "reg:gamma",
              "reg:pseudohubererror", "reg:squaredlogerror", "reg:absoluteerror", "reg:tweedie",
              "survival:aft", "survival:cox")
TREE_UPDATERS = ("grow_colmaker", "distcol", "grow_histmaker", "grow_skmaker", "sync", "refresh",
                 "prune", "grow_quantile_histmaker")
TREE_BUILDERS = ("grow_colmaker", "distcol", "grow_histmaker", "grow_quantile_histmaker")
LINEAR_UPDATERS = ("shotgun", "coord_descent")


class CommaList(Param):
    """``a,b,c``: each item checked by ``item_ok`` (the container's CommaSeparatedList)."""

    def __init__(self, item_ok, shown: str, **kw):
        super().__init__(None, **kw)
        self.item_ok = item_ok
        self.shown = shown
        self.allowed = f"a comma-separated list of {shown}"

    def convert(self, text: str) -> list[str]:
        items = text.split(",")
        if not all(self.item_ok(i) for i in items):
            raise ValueError(text)
        return items


class Literal(Param):
    """A Python literal (tuple or nested list) of integers, as the container ``eval``s it."""

    def __init__(self, kind: type, item_ok, shown: str, **kw):
        super().__init__(None, **kw)
        self.kind, self.item_ok, self.shown = kind, item_ok, shown
        self.allowed = shown

    def convert(self, text: str):
        value = ast.literal_eval(text)
        if isinstance(value, list) and self.kind is tuple:
            value = tuple(value)
        if not isinstance(value, self.kind):
            raise ValueError(text)
        items = [x for inner in value for x in inner] if self.kind is list else list(value)
        if not all(isinstance(x, int) and self.item_ok(x) for x in items):
            raise ValueError(text)
        return value


def _metric_ok(metric: str) -> bool:
    if "@" in metric:
        name, _, threshold = metric.partition("@")
        if name.strip() not in ("error", "ndcg", "map"):
            return False
        try:
            float(threshold.strip().rstrip("-"))
        except ValueError:
            return False
        return True
    return metric in MAXIMIZE_METRICS + MINIMIZE_METRICS


def _interval(param: Param) -> str:
    """The container's ``Interval`` text: ``[0, 1]``, ``(0, 1]``, ``[1, +inf)``."""
    lo = "(-inf, " if param.min is None else \
        ("(" if getattr(param, "min_open", False) else "[") + f"{param.min}, "
    hi = "+inf)" if param.max is None else \
        f"{param.max}" + (")" if getattr(param, "max_open", False) else "]")
    return lo + hi


class ContainerWording(Wording):
    """The words of the container's ``sagemaker_algorithm_toolkit`` validation."""

    def unknown(self, schema, key):
        return f"Extraneous hyperparameter found: {key}"

    def missing(self, schema, names):
        return f"Missing required hyperparameter: {names[0]}"

    def invalid(self, param, raw, error):
        text = raw.strip()
        if isinstance(param, (Integer, Float)):
            try:
                value = int(text) if isinstance(param, Integer) else float(text)
            except ValueError:
                return f"Hyperparameter {param.name}: could not parse value (caused by ValueError)"
            return f"Hyperparameter {param.name}: {value} is not in {_interval(param)}"
        if isinstance(param, Choice):
            return f"Hyperparameter {param.name}: {text} is not in {list(param.options)}"
        if isinstance(param, CommaList):
            return (f"Hyperparameter {param.name}: value {text.split(',')} not in range "
                    f"{param.shown}")
        return f"Hyperparameter {param.name}: value {text} not in range {param.shown}"


# dependency rules ------------------------------------------------------------------------------

def _objective_fits(config: Config) -> None:
    objective, num_class = config["objective"], config["num_class"]
    require(not (objective in ("multi:softmax", "multi:softprob") and num_class is None),
            "Require input for parameter 'num_class' for multi-classification", name="num_class")
    require(not (objective is None and num_class is not None),
            "Do not need to setup parameter 'num_class' for learning task other than "
            "multi-classification.", name="num_class")


def _eval_metric_fits(config: Config) -> None:
    metrics = config["eval_metric"]
    if metrics is None:
        return
    objective = config["objective"] or "reg:squarederror"
    if "auc" in metrics:
        require(objective.startswith(("binary:", "rank:")),
                "Metric 'auc' can only be applied for classification and ranking problems.",
                name="eval_metric")
    if "aft-nloglik" in metrics:
        require(objective == "survival:aft",
                "Metric 'aft-nloglik' can only be applied for 'survival:aft' objective.",
                name="eval_metric")


def _updater_fits(config: Config) -> None:
    updaters = config["updater"]
    if updaters is None:
        return
    if config["booster"] == "gblinear":
        require(len(updaters) == 1 and updaters[0] in LINEAR_UPDATERS,
                "Linear updater should be one of these options: 'shotgun', 'coord_descent'.",
                name="updater")
    elif config["process_type"] == "update":
        require(all(u in ("refresh", "prune") for u in updaters),
                "process_type 'update' can only be used with updater 'refresh' and 'prune'",
                name="updater")
    else:
        require(all(u in TREE_UPDATERS for u in updaters),
                "Tree updater should be selected from these options: 'grow_colmaker', 'distcol', "
                "'grow_histmaker', 'grow_skmaker', 'grow_quantile_histmaker', 'sync', 'refresh', "
                "'prune', 'shortgun', 'coord_descent'.", name="updater")
        require(sum(u in TREE_BUILDERS for u in updaters) <= 1,
                "Only one tree grow plugin can be selected. Choose one from the"
                "following: 'grow_colmaker', 'distcol', 'grow_histmaker', 'grow_skmaker'",
                name="updater")


def _constraints_fit(config: Config) -> None:
    method = config["tree_method"]
    if config["monotone_constraints"] is not None:
        require(method in ("exact", "hist"),
                "monotone_constraints can be used only when the tree_method parameter is set to "
                "either 'exact' or 'hist'.", name="monotone_constraints")
    if config["interaction_constraints"] is not None:
        require(method in ("exact", "hist", "approx"),
                "interaction_constraints can be used only when the tree_method parameter is set "
                "to either 'exact', 'hist' or 'approx'.", name="interaction_constraints")


def _unit(**kw):
    return Float(min=0, max=1, **kw)


_open_unit = dict(min=0, max=1, min_open=True)
_true_false = ("true", "false")

SCHEMA = Schema(
    "xgboost",
    {
        "num_round": Integer(min=1, required=True),
        "csv_weights": Integer(min=0, max=1),
        "early_stopping_rounds": Integer(min=1),
        "booster": Choice(("gbtree", "gblinear", "dart")),
        "verbosity": Integer(min=0, max=3),
        "nthread": Integer(min=1),
        "eta": _unit(),
        "gamma": Float(min=0),
        "max_depth": Integer(min=0),
        "min_child_weight": Float(min=0),
        "max_delta_step": Float(min=0),
        "subsample": Float(**_open_unit),
        "colsample_bytree": Float(**_open_unit),
        "colsample_bylevel": Float(**_open_unit),
        "colsample_bynode": Float(**_open_unit),
        "lambda": Float(min=0),
        "alpha": Float(min=0),
        "tree_method": Choice(("auto", "exact", "approx", "hist", "gpu_hist")),
        "sketch_eps": Float(min=0, max=1, min_open=True, max_open=True),
        "scale_pos_weight": Float(min=0, min_open=True),
        "updater": CommaList(lambda u: u in TREE_UPDATERS + LINEAR_UPDATERS,
                             str(list(TREE_UPDATERS + LINEAR_UPDATERS))),
        "dsplit": Choice(("row", "col")),
        "refresh_leaf": Integer(min=0, max=1),
        "process_type": Choice(("default", "update")),
        "grow_policy": Choice(("depthwise", "lossguide")),
        "max_leaves": Integer(min=0),
        "max_bin": Integer(min=0),
        "predictor": Choice(("auto", "cpu_predictor", "gpu_predictor")),
        "monotone_constraints": Literal(tuple, lambda x: x in (-1, 0, 1), "[-1, 0, 1]"),
        "interaction_constraints": Literal(list, lambda x: x >= 1, "[1, +inf)"),
        "sample_type": Choice(("uniform", "weighted")),
        "normalize_type": Choice(("tree", "forest")),
        "rate_drop": _unit(),
        "one_drop": Integer(min=0, max=1),
        "skip_drop": _unit(),
        "lambda_bias": _unit(),
        "tweedie_variance_power": Float(min=1, max=2, min_open=True, max_open=True),
        "objective": Choice(OBJECTIVES),
        "num_class": Integer(min=2),
        "base_score": Float(min=0),
        "_kfold": Integer(min=2),
        "_num_cv_round": Integer(min=1),
        "eval_metric": CommaList(_metric_ok, str(list(MAXIMIZE_METRICS + MINIMIZE_METRICS))),
        "seed": Integer(min=-(2 ** 31) + 1, max=2 ** 31 - 2),
        "num_parallel_tree": Integer(min=1),
        "save_model_on_termination": Choice(_true_false),
        "aft_loss_distribution": Choice(("normal", "logistic", "extreme")),
        "aft_loss_distribution_scale": Float(min=0),
        "deterministic_histogram": Choice(_true_false),
        "sampling_method": Choice(("uniform", "gradient_based")),
        "prob_buffer_row": Integer(min=2),
        "use_dask_gpu_training": Choice(_true_false),
    },
    checks=[_objective_fits, _eval_metric_fits, _updater_fits, _constraints_fit],
    aliases={"learning_rate": "eta", "min_split_loss": "gamma", "reg_lambda": "lambda",
             "reg_alpha": "alpha"},
    wording=ContainerWording(),
)

#: hyperparameters the container handles itself and does not pass to ``xgboost.train``
NOT_FOR_XGBOOST = ("num_round", "csv_weights", "early_stopping_rounds", "eval_metric",
                   "save_model_on_termination", "use_dask_gpu_training", "_kfold",
                   "_num_cv_round", "_tuning_objective_metric")

__all__ = ["SCHEMA", "HyperparameterError", "MAXIMIZE_METRICS", "MINIMIZE_METRICS",
           "CONTAINER_METRICS", "NOT_FOR_XGBOOST"]
