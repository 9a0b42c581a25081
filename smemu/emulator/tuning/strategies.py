"""How a tuning job picks each training job's hyperparameters: SageMaker's ``Random``, ``Grid``,
``Bayesian`` and ``Hyperband`` strategies.

``make_strategy(name, ranges, direction, max_jobs, seed, history)`` gives an object with
``propose() -> {name: value string} | None`` (None: nothing left to try) and
``observe(proposal, value)`` (the job's final objective, None when it has none).

* ``Random`` draws each hyperparameter independently, uniformly on its scale.
* ``Grid`` runs every combination of the categorical ranges once, in the order the request lists
  them (SageMaker's grid search takes categorical ranges only).
* ``Bayesian`` asks Optuna's TPE sampler. TPE rather than Optuna's Gaussian-process sampler: it
  handles integer, log-scaled and categorical ranges natively, needs no PyTorch (the GP sampler
  does), costs milliseconds per proposal, and with ``constant_liar`` proposes sensibly for jobs
  still running (``MaxParallelTrainingJobs`` > 1). Its first proposals are random (half the
  budget, 3 to 10; fewer random points made TPE settle on a poor categorical value too often on
  the synthetic objective of tests/tuning/test_tuning_strategies.py), as SageMaker's Bayesian
  search also starts from random points.
* ``Hyperband`` draws configurations as ``Random`` does; its strength is stopping the poor ones
  early, which :mod:`smemu.emulator.tuning.stopping` does from their intermediate metrics.

``history`` is ``[(tuned hyperparameters, objective value)]`` of earlier jobs (warm start): the
Bayesian sampler learns from those that lie within this job's ranges.
"""

from __future__ import annotations

import itertools
import math
import random
import warnings

from smemu.emulator.tuning.ranges import Range


class RandomSearch:
    def __init__(self, ranges: list[Range], seed: int | None):
        self.ranges = ranges
        self.rng = random.Random(seed)

    def propose(self) -> dict[str, str] | None:
        return {r.name: r.text(r.from_unit(self.rng.random())) for r in self.ranges}

    def observe(self, proposal: dict, value: float | None) -> None:
        pass


class GridSearch:
    def __init__(self, ranges: list[Range]):
        self.ranges = ranges
        self._combinations = itertools.product(*(r.values for r in ranges))

    @staticmethod
    def size(ranges: list[Range]) -> int:
        return math.prod(len(r.values) for r in ranges)

    def propose(self) -> dict[str, str] | None:
        combination = next(self._combinations, None)
        if combination is None:
            return None
        return {r.name: value for r, value in zip(self.ranges, combination)}

    def observe(self, proposal: dict, value: float | None) -> None:
        pass


class BayesianSearch:
    """Optuna's TPE sampler over the ranges; each proposal is an Optuna trial told its result."""

    def __init__(self, ranges: list[Range], direction: str, max_jobs: int, seed: int | None,
                 history=()):
        import optuna
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.optuna = optuna
        self.ranges = ranges
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # constant_liar / multivariate are "experimental"
            sampler = optuna.samplers.TPESampler(
                seed=seed, n_startup_trials=min(10, max(3, max_jobs // 2)),
                multivariate=True, constant_liar=True)
        self.study = optuna.create_study(
            direction="minimize" if direction == "Minimize" else "maximize", sampler=sampler)
        self.distributions = {r.name: self._distribution(r) for r in ranges}
        self._trials: dict[int, object] = {}
        for tuned, value in history:
            self._learn(tuned, value)

    def _distribution(self, r: Range):
        d = self.optuna.distributions
        if r.kind == "Categorical":
            return d.CategoricalDistribution(list(r.values))
        if r.kind == "Integer":
            return d.IntDistribution(int(r.low), int(r.high), log=r.scale == "Logarithmic")
        if r.scale == "ReverseLogarithmic":    # sampled as 1 - x on a log scale
            return d.FloatDistribution(1 - r.high, 1 - r.low, log=True)
        return d.FloatDistribution(r.low, r.high, log=r.scale == "Logarithmic")

    def _to_optuna(self, r: Range, text: str):
        if r.kind == "Categorical":
            return text
        if r.kind == "Integer":
            return int(text)
        value = float(text)
        return 1 - value if r.scale == "ReverseLogarithmic" else value

    def _from_optuna(self, r: Range, value) -> str:
        if r.kind == "Continuous" and r.scale == "ReverseLogarithmic":
            value = 1 - value
        return r.text(value)

    def _learn(self, tuned: dict, value: float | None) -> None:
        if value is None or not math.isfinite(value):
            return
        try:
            params = {r.name: self._to_optuna(r, tuned[r.name]) for r in self.ranges}
            trial = self.optuna.trial.create_trial(params=params, distributions=self.distributions,
                                                   value=value)
            self.study.add_trial(trial)
        except (KeyError, ValueError):
            pass     # a parent's job outside this job's ranges teaches nothing here

    def propose(self) -> dict[str, str] | None:
        trial = self.study.ask(self.distributions)
        proposal = {r.name: self._from_optuna(r, trial.params[r.name]) for r in self.ranges}
        self._trials[id(proposal)] = trial
        return proposal

    def observe(self, proposal: dict, value: float | None) -> None:
        trial = self._trials.pop(id(proposal), None)
        if trial is None:
            return
        if value is None or not math.isfinite(value):
            self.study.tell(trial, state=self.optuna.trial.TrialState.FAIL)
        else:
            self.study.tell(trial, value)


def make_strategy(name: str, ranges: list[Range], direction: str, max_jobs: int,
                  seed: int | None = None, history=()):
    if name == "Grid":
        return GridSearch(ranges)
    if name == "Bayesian":
        return BayesianSearch(ranges, direction, max_jobs, seed, history)
    return RandomSearch(ranges, seed)        # Random, and Hyperband's configurations
