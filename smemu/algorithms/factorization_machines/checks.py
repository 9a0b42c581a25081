"""What Factorization Machines checks of its channels' records (training and ``smemu validate``
share these; see :class:`smemu.algorithms.base.InputChecks`).

Beyond width, finiteness and labels (0/1 for a binary classifier, the linear learner's label
rules), the real algorithm takes "recordIO-protobuf format with Float32 tensors" only (AWS
developer guide, "Factorization Machines Algorithm", input/output interface): a batch whose
feature tensor is Float64 or Int32 is refused.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from smemu.algorithms.base import InputChecks
from smemu.algorithms.data import (
    check_finite, check_labels, check_width, labels_of, no_records, require_labels)
from smemu.algorithms.errors import DataError
from smemu.algorithms.hyperparameters import Config


def check_float32(batch, channel: str) -> None:
    values = batch.features.data if sp.issparse(batch.features) else np.asarray(batch.features)
    if values.dtype != np.float32:
        kind = {"f": "Float64", "i": "Int32", "u": "Int32"}.get(values.dtype.kind, str(values.dtype))
        raise DataError(
            f"Channel '{channel}' holds {kind} feature tensors (at {batch.location(0)}); "
            f"factorization-machines reads recordIO-protobuf with Float32 tensors only. Write "
            f"the features as float32 (e.g. sagemaker.amazon.common.write_spmatrix_to_sparse_tensor "
            f"with a float32 matrix) and try again.")


class FactorizationMachinesChecks(InputChecks):
    def __init__(self, config: Config):
        self.feature_dim = config["feature_dim"]
        self.predictor_type = config["predictor_type"]

    def batch(self, batch, channel: str) -> None:
        check_float32(batch, channel)
        check_width(batch, self.feature_dim, channel)
        require_labels(batch, channel)

    def records(self, batch, channel: str) -> None:
        check_finite(batch, channel)
        check_labels(batch, labels_of(batch, channel), channel, self.predictor_type, 2)

    def end(self, channel: str, records: int) -> None:
        if records == 0:
            raise no_records(channel)
