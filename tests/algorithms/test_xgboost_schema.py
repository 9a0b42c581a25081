"""XGBoost's hyperparameters: the container's ranges, aliases, dependency rules and words."""

from __future__ import annotations

import pytest

from smemu.algorithms.errors import HyperparameterError
from smemu.algorithms.xgboost import eval_metrics, xgboost_params
from smemu.algorithms.xgboost.schema import SCHEMA


def messages(**given):
    return [str(e) for e in SCHEMA.problems({k: str(v) for k, v in given.items()})]


def test_every_problem_in_the_containers_words():
    assert messages(eta=2, max_depth="x", booster="tree", foo=1) == [
        "Extraneous hyperparameter found: foo",
        "Missing required hyperparameter: num_round",
        "Hyperparameter booster: tree is not in ['gbtree', 'gblinear', 'dart']",
        "Hyperparameter eta: 2.0 is not in [0, 1]",
        "Hyperparameter max_depth: could not parse value (caused by ValueError)",
    ]


@pytest.mark.parametrize("given, words", [
    ({"objective": "multi:softprob"}, "Require input for parameter 'num_class'"),
    ({"num_class": 3}, "Do not need to setup parameter 'num_class'"),
    ({"eval_metric": "auc"}, "Metric 'auc' can only be applied for classification"),
    ({"eval_metric": "rmse,foo"}, "Hyperparameter eval_metric: value ['rmse', 'foo'] not in"),
    ({"subsample": 0}, "Hyperparameter subsample: 0.0 is not in (0, 1]"),
    ({"monotone_constraints": "(1,-1)"}, "monotone_constraints can be used only when"),
    ({"booster": "gblinear", "updater": "grow_colmaker"}, "Linear updater should be one of"),
])
def test_dependency_and_range_rules(given, words):
    problems = messages(num_round=5, **given)
    assert problems and words in problems[0]


def test_aliases_and_thresholds_resolve():
    config = SCHEMA.resolve({"num_round": "10", "learning_rate": "0.1", "reg_lambda": "2",
                             "eval_metric": "error@0.7,auc", "objective": "binary:logistic",
                             "monotone_constraints": "(1,0)", "tree_method": "hist"})
    assert config["eta"] == 0.1 and config["lambda"] == 2.0
    assert config["eval_metric"] == ["error@0.7", "auc"]
    assert config["monotone_constraints"] == (1, 0)
    with pytest.raises(HyperparameterError):
        SCHEMA.resolve({"num_round": "0"})


def test_metrics_split_as_the_container_splits_them():
    config = SCHEMA.resolve({"num_round": "1", "eval_metric": "rmse,r2"})
    assert eval_metrics(config) == (["rmse"], ["r2"], "r2")
    tuned = SCHEMA.resolve({"num_round": "1", "eval_metric": "rmse,r2",
                            "_tuning_objective_metric": "validation:mae"})
    assert eval_metrics(tuned) == (["mae", "rmse"], ["r2"], "mae")
    assert xgboost_params(tuned) == {}          # what the container keeps for itself
    params = xgboost_params(SCHEMA.resolve({"num_round": "1", "updater": "grow_colmaker,prune",
                                            "eta": "0.1", "monotone_constraints": "(1,0)",
                                            "tree_method": "exact"}))
    assert params == {"updater": "grow_colmaker,prune", "eta": 0.1,
                      "monotone_constraints": "(1,0)", "tree_method": "exact"}
