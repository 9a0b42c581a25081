"""The strategies and early-stopping rules on their own, against synthetic objectives."""

from __future__ import annotations

import math
import statistics

from smemu.emulator.tuning.ranges import Range
from smemu.emulator.tuning.stopping import MedianRule, SuccessiveHalving
from smemu.emulator.tuning.strategies import BayesianSearch, GridSearch, RandomSearch


def test_scales_map_the_unit_interval_onto_the_range():
    log = Range("lr", "Continuous", low=1e-4, high=1.0, scaling="Logarithmic")
    assert math.isclose(log.from_unit(0.5), 1e-2)
    reverse = Range("beta", "Continuous", low=0.9, high=0.999, scaling="ReverseLogarithmic")
    assert math.isclose(reverse.from_unit(0.0), 0.9) and math.isclose(reverse.from_unit(1.0), 0.999)
    assert math.isclose(reverse.from_unit(0.5), 1 - math.sqrt(0.1 * 0.001))
    integer = Range("k", "Integer", low=2, high=5, scaling="Linear")
    assert {integer.from_unit(u / 100) for u in range(101)} == {2, 3, 4, 5}
    assert Range("wd", "Continuous", low=1e-7, high=1.0).scale == "Logarithmic"   # Auto
    assert Range("x", "Continuous", low=0.1, high=0.9).scale == "Linear"


def test_grid_enumerates_every_combination():
    ranges = [Range("a", "Categorical", values=("1", "2")), Range("b", "Categorical", values=("x", "y", "z"))]
    grid = GridSearch(ranges)
    seen = []
    while (proposal := grid.propose()) is not None:
        seen.append((proposal["a"], proposal["b"]))
    assert len(seen) == GridSearch.size(ranges) == 6 and len(set(seen)) == 6


def _objective(p: dict) -> float:
    x, y = float(p["x"]), int(p["y"])
    return (math.log10(x) + 2.5) ** 2 + (y - 7) ** 2 / 10 + (0 if p["c"] == "b" else 1)


def _best(strategy, budget: int) -> float:
    best = math.inf
    for _ in range(budget):
        proposal = strategy.propose()
        value = _objective(proposal)
        strategy.observe(proposal, value)
        best = min(best, value)
    return best


def test_bayesian_is_not_worse_than_random_on_the_same_budget():
    ranges = [Range("x", "Continuous", low=1e-5, high=1.0, scaling="Logarithmic"),
              Range("y", "Integer", low=0, high=20, scaling="Linear"),
              Range("c", "Categorical", values=("a", "b", "c"))]
    seeds = range(10)
    bayesian = [_best(BayesianSearch(ranges, "Minimize", 25, seed), 25) for seed in seeds]
    random = [_best(RandomSearch(ranges, seed), 25) for seed in seeds]
    assert statistics.mean(bayesian) < statistics.mean(random)


def test_bayesian_learns_from_warm_start_history_within_its_ranges():
    ranges = [Range("y", "Integer", low=0, high=20, scaling="Linear")]
    history = [({"y": str(y)}, (y - 7) ** 2) for y in (0, 5, 7, 12, 20)] + [({"y": "99"}, 0.0)]
    search = BayesianSearch(ranges, "Minimize", 10, seed=0, history=history)
    assert len(search.study.trials) == 5             # y=99 lies outside the range: not learnt
    assert search.study.best_params == {"y": 7}


def test_median_rule():
    rule = MedianRule("Minimize")
    assert not rule.should_stop([5.0])               # nothing completed yet
    rule.finished([1.0, 0.8, 0.6], completed=True)
    rule.finished([3.0, 2.0, 1.0], completed=True)
    rule.finished([9.0], completed=False)            # a stopped job does not count
    # epoch 2: running averages 0.9 and 2.5, median 1.7
    assert not rule.should_stop([4.0, 1.6])
    assert rule.should_stop([4.0, 1.8])
    maximize = MedianRule("Maximize")
    maximize.finished([0.5, 0.6], completed=True)
    assert maximize.should_stop([0.4]) and not maximize.should_stop([0.6])


def test_successive_halving_keeps_the_best_third_at_each_rung():
    rule = SuccessiveHalving("Minimize", min_resource=1, max_resource=9)
    assert rule.rungs == {1, 3}
    assert not rule.should_stop([0.5])               # first at rung 1: kept
    assert rule.should_stop([0.7])                   # worse than the best third of [0.5, 0.7]
    assert not rule.should_stop([0.4])               # the best so far
    assert not rule.should_stop([0.9, 0.8])          # epoch 2 is no rung
    later = SuccessiveHalving("Minimize", min_resource=3, max_resource=9)
    assert later.rungs == {3} and not later.should_stop([9.0])   # nothing before MinResource
