import pytest

from smemu.algorithms.errors import HyperparameterError
from smemu.algorithms.hyperparameters import (
    Auto, Boolean, Choice, Float, Integer, JsonList, OneOf, Schema, require)


def schema():
    def k_fits(config):
        require(config["k"] <= 100, f"k={config['k']} is more than 100", name="k")

    return Schema("demo", {
        "k": Integer(min=1, required=True),
        "init_method": Choice(["random", "kmeans++"], default="random"),
        "factor": Auto(Integer(min=1)),
        "tol": Float("0.0001", min=0, max=1),
        "metrics": JsonList(["msd", "ssd"], default='["msd"]'),
        "dense": Boolean("true"),
        "weight": OneOf(Float(min=0, min_open=True), Choice(["balanced"]), default="1.0"),
    }, checks=[k_fits], private={"_kvstore": "auto"})


def test_defaults_are_strings_and_include_private_keys():
    d = schema().defaults()
    assert d["tol"] == "0.0001" and d["_kvstore"] == "auto" and "k" not in d


def test_resolve_parses_strings_as_sagemaker_sends_them():
    c = schema().resolve({"k": "10", "dense": "True", "metrics": '["msd", "ssd"]',
                          "factor": "auto", "weight": "balanced", "_tuning_objective_metric": "test:msd"})
    assert c["k"] == 10 and c["dense"] is True and c["metrics"] == ["msd", "ssd"]
    assert c["factor"] == "auto" and c["weight"] == "balanced" and c["tol"] == 0.0001
    assert c.raw["k"] == "10" and c["_tuning_objective_metric"] == "test:msd"


@pytest.mark.parametrize("given, words", [
    ({}, ["No value(s) were specified for 'k'"]),
    ({"k": "1.5"}, ["'1.5'", "'k'", "positive integer"]),
    ({"k": "0"}, ["'0'", "'k'"]),
    ({"k": "3", "tol": "2"}, ["'2'", "'tol'", "[0, 1]"]),
    ({"k": "3", "init_method": "kmeans+"}, ["'kmeans+'", "'random', 'kmeans++'"]),
    ({"k": "3", "metrics": '["mad"]'}, ["'metrics'", '"msd", "ssd"']),
    ({"k": "3", "dense": "yes"}, ["'dense'", "'true' or 'false'"]),
    ({"k": "3", "ini_method": "x"}, ["Additional properties are not allowed ('ini_method' was unexpected)",
                                     "Did you mean 'init_method'?"]),
    ({"k": "300"}, ["k=300 is more than 100"]),
])
def test_errors_name_the_hyperparameter_value_and_what_is_allowed(given, words):
    with pytest.raises(HyperparameterError) as err:
        schema().resolve(given)
    for w in words:
        assert w in str(err.value)


def test_problems_lists_every_problem():
    problems = schema().problems({"k": "x", "tol": "-1", "bogus": "1"})
    assert [p.name for p in problems] == ["bogus", "k", "tol"]
    assert schema().problems({"k": "5"}) == []
