"""Stopping a tuning job's training jobs early from their intermediate objective values.

A training job's intermediate values are the successive matches of the objective metric's regex
in its log (for linear learner's ``validation:objective_loss``, one per epoch); the n-th match is
taken as epoch n.

* :class:`MedianRule` is ``TrainingJobEarlyStoppingType: Auto`` as the AWS developer guide ("Stop
  Training Jobs Early") describes it: after each epoch, the running average of the objective up to
  that epoch is computed for every previous (completed) training job, and the current job is
  stopped when its value is worse than the median of those averages.
* :class:`SuccessiveHalving` is the early stopping of the ``Hyperband`` strategy: rungs at
  ``MinResource * 3**k`` epochs below ``MaxResource``; a job reaching a rung whose value is not
  among the best third of the values recorded at that rung so far is stopped (the asynchronous
  successive halving that Hyperband brackets are run with). SageMaker does not publish its exact
  rule; the documented contract is kept: no job is stopped before ``MinResource`` epochs.
"""

from __future__ import annotations

import math
import statistics
import threading


def _worse(a: float, b: float, direction: str) -> bool:
    return a > b if direction == "Minimize" else a < b


class MedianRule:
    def __init__(self, direction: str):
        self.direction = direction
        self.completed: list[list[float]] = []
        self.lock = threading.Lock()

    def should_stop(self, values: list[float]) -> bool:
        epoch = len(values)
        with self.lock:
            averages = [sum(v[:epoch]) / epoch for v in self.completed if len(v) >= epoch]
        if not averages:
            return False
        return _worse(values[-1], statistics.median(averages), self.direction)

    def finished(self, values: list[float], completed: bool) -> None:
        if completed and values:
            with self.lock:
                self.completed.append(list(values))


class SuccessiveHalving:
    ETA = 3

    def __init__(self, direction: str, min_resource: int, max_resource: int):
        self.direction = direction
        self.rungs = set()
        rung = max(1, min_resource)
        while rung < max_resource:
            self.rungs.add(rung)
            rung *= self.ETA
        self.recorded: dict[int, list[float]] = {r: [] for r in self.rungs}
        self.lock = threading.Lock()

    def should_stop(self, values: list[float]) -> bool:
        epoch = len(values)
        if epoch not in self.rungs:
            return False
        value = values[-1]
        with self.lock:
            at_rung = self.recorded[epoch]
            at_rung.append(value)
            keep = math.ceil(len(at_rung) / self.ETA)
            better = sum(1 for other in at_rung if _worse(value, other, self.direction))
        return better >= keep

    def finished(self, values: list[float], completed: bool) -> None:
        pass
