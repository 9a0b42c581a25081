"""XGBoost at inference time: the ``xgboost-model`` booster's predictions, as the container's
``/invocations`` gives them (GitHub aws/sagemaker-xgboost-container, ``algorithm_mode/serve.py``
and ``serve_utils.py``):

* requests are ``text/csv`` (no label column), ``text/libsvm`` (a leading label is ignored) or
  ``application/x-recordio-protobuf``; the container refuses JSON requests, and bodies it cannot
  parse, with 415, and answers an empty body with 204;
* the answer is ``text/csv`` unless the request's Accept (or ``SAGEMAKER_DEFAULT_INVOCATIONS_
  ACCEPT``) asks otherwise: one prediction a line, or for ``multi:softprob`` the class
  probabilities of a record comma-separated on its line; ``application/json`` is
  ``{"predictions": [{"score": 0.43}, ...]}`` (a list per record for ``multi:softprob``).
"""

from __future__ import annotations

import threading

import numpy as np

from smemu.algorithms.data import widened
from smemu.algorithms.errors import CustomerError, DataError
from smemu.algorithms.inference import Predictor

MODEL_NAME = "xgboost-model"


class XGBoostModel(Predictor):
    output_names = ("score",)
    default_accept = "text/csv"
    request_types = ("text/csv", "text/libsvm", "application/x-recordio-protobuf")
    undecodable_status = 415       # "Loading csv data failed with Exception, ..."
    empty_request_status = 204
    detail_in_bad_request = True

    def __init__(self, booster):
        self.booster = booster
        self.feature_dim = int(booster.num_features())
        self._lock = threading.Lock()   # Booster.predict is not documented as thread-safe

    def check_width(self, width: int, where: str) -> None:
        """Records may leave trailing columns out (xgboost reads them as missing, CSV included);
        more columns than the model's is the payload error."""
        if width > self.feature_dim:
            super().check_width(width, where)

    def encode(self, outputs: dict, accept: str, batch: bool) -> bytes | None:
        """In a batch transform the container answers a prediction a line whatever the Accept
        (``multi:softprob``: the Python list, ``[0.1, 0.2, 0.7]``); its CSV ends every row with a
        newline, the last one too. Other answers are the shared encoders'."""
        scores = np.asarray(outputs["score"], dtype=np.float32).tolist()
        if batch:
            return ("\n".join(map(str, scores)) + "\n").encode()
        if accept == "text/csv":
            rows = (",".join(map(repr, s)) if isinstance(s, list) else repr(s) for s in scores)
            return "".join(row + "\n" for row in rows).encode()
        return None

    def predict(self, features) -> dict[str, np.ndarray]:
        import xgboost as xgb

        features = widened(features, self.feature_dim)
        with self._lock:
            scores = self.booster.predict(xgb.DMatrix(features), validate_features=False)
        return {"score": np.asarray(scores, dtype=np.float32)}


def load_booster(data: bytes):
    """A Booster from the bytes of an ``xgboost-model`` file (any format the library reads)."""
    import xgboost as xgb

    booster = xgb.Booster()
    try:
        booster.load_model(bytearray(data))
    except xgb.core.XGBoostError as exc:
        raise CustomerError(
            f"Model xgboost-model cannot be loaded: {str(exc).strip().splitlines()[0]}. Give "
            f"the file Booster.save_model wrote.") from None
    booster.set_param("nthread", 1)
    return booster


def load_model(artifact) -> XGBoostModel:
    files = getattr(artifact, "files", None) or {}
    if MODEL_NAME not in files:
        raise DataError(f"An XGBoost model.tar.gz holds the file {MODEL_NAME}.")
    return XGBoostModel(load_booster(files[MODEL_NAME]))
