"""``ListTags`` for the resources whose tags smemu keeps: hyperparameter tuning jobs and the
training jobs they launch (which carry the tuning job's Tags, as SageMaker propagates them).

The SageMaker Python SDK calls it when it attaches to a training job
(``HyperparameterTuner.best_estimator()`` / ``deploy()``). Other resources answer an empty list.
"""

from __future__ import annotations

from smemu.emulator.api.errors import ValidationException
from smemu.emulator.store import JobNotFound, JobStore
from smemu.emulator.tuning.store import TuningJobNotFound, TuningStore


class TagService:
    def __init__(self, store: JobStore):
        self.store = store
        self.tunings = TuningStore(store)

    def operations(self) -> dict:
        return {"ListTags": self.list_tags}

    def list_tags(self, body: dict) -> dict:
        arn = body.get("ResourceArn")
        if not isinstance(arn, str) or not arn.startswith("arn:"):
            raise ValidationException("1 validation error detected: Value at 'resourceArn' failed "
                                      "to satisfy constraint: Member must be a SageMaker ARN.")
        kind, _, name = arn.split(":", 5)[-1].partition("/")
        tuning_arn = None
        if kind == "hyper-parameter-tuning-job":
            tuning_arn = arn
        elif kind == "training-job":
            found = self._find(self.store.names(), name)
            try:
                tuning_arn = self.store.load(found).get("TuningJobArn") if found else None
            except JobNotFound:
                tuning_arn = None
        if tuning_arn is None:
            return {"Tags": []}
        found = self._find(self.tunings.names(), tuning_arn.rsplit("/", 1)[-1])
        try:
            return {"Tags": self.tunings.load(found).get("_tags", []) if found else []}
        except TuningJobNotFound:
            return {"Tags": []}

    @staticmethod
    def _find(names: list[str], lowered: str) -> str | None:
        """ARNs hold names in lower case; the records keep the name as given."""
        return next((n for n in names if n.lower() == lowered), None)
