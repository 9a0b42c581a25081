"""What a trained built-in model is at inference time: arrays in, named arrays out.

Each algorithm that can be served names, in its descriptor, a function ``load_model(artifact) ->
Predictor``; ``artifact`` is the :class:`~smemu.algorithms.base.ModelArtifact` that training
returned (the serving container reads it back from the model files). The serving
container knows nothing of centroids or weights: it decodes a request into a feature matrix, calls
``predict`` and encodes the named outputs.
"""

from __future__ import annotations

import abc
from typing import Mapping

import numpy as np

from smemu.algorithms.builtin_errors import FEATURE_DIMENSION
from smemu.algorithms.errors import DataError


class Predictor(abc.ABC):
    """A loaded model. ``predict`` must be safe to call from several threads at once."""

    #: the number of feature columns the model was trained on
    feature_dim: int
    #: the names of ``predict``'s outputs, in the order responses list them
    output_names: tuple[str, ...]
    #: whether the real container answers ``Accept: text/csv`` (linear learner does not)
    csv_output: bool = True
    #: the Accept type answered when a request names none (or ``*/*``) and the endpoint sets no
    #: ``SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT``; None: the serving container's (JSON). XGBoost's
    #: container answers text/csv.
    default_accept: str | None = None
    #: the request content types the real container reads (others get 415); None: every type
    #: the serving container decodes but text/libsvm (the MXNet-based built-ins' set)
    request_types: tuple[str, ...] | None = None
    #: the status of a body that cannot be decoded (None: 400, "unable to evaluate payload
    #: provided"); XGBoost's container answers 415
    undecodable_status: int | None = None
    #: the status of an empty body (None: 400); XGBoost's container answers 204, no content
    empty_request_status: int | None = None
    #: whether a 400's body says what is wrong; False (the MXNet-based built-ins): exactly
    #: "unable to evaluate payload provided", what is wrong going to the log only
    detail_in_bad_request: bool = False
    #: the Accept types the real container answers (None: the serving container's JSON,
    #: JSON lines, RecordIO-protobuf and CSV); semantic segmentation answers image/png
    #: and RecordIO-protobuf, written by its ``encode``
    response_types: tuple[str, ...] | None = None
    #: the key of the JSON response's list of per-record objects (PCA: ``projections``)
    response_root: str = "predictions"
    #: outputs answered only when the Accept type carries ``verbose=true`` (k-NN's
    #: ``distances`` and ``labels``); ``predict`` always computes them
    verbose_outputs: tuple[str, ...] = ()
    #: > 0 when requests are records of that many text fields rather than numbers (IP
    #: Insights' ``entity,ip``): CSV lines split on commas, JSON/JSON Lines instances whose
    #: ``features`` (or ``data.features.values``) is a list of strings; ``predict`` then gets an
    #: ``(n, request_fields)`` object array, and RecordIO-protobuf requests are refused (415)
    request_fields: int = 0

    def decode(self, body: bytes, media: str):
        """The records of a non-empty request body of content type ``media`` (one of
        :attr:`request_types`, parameters left out) when the real container reads them itself —
        whatever ``predict`` takes (Seq2Seq: token-id sequences from sentences); a DataError
        naming the record for a bad one. None: the serving container's shared decoding (a feature
        matrix whose width is checked against :attr:`feature_dim`)."""
        return None

    def encode(self, outputs: dict, accept: str, batch: bool) -> bytes | None:
        """The body the real container answers for ``outputs`` when it writes its own (``batch``:
        the endpoint runs a batch transform, ``SAGEMAKER_BATCH`` is set); None: the serving
        container's shared encoding for ``accept``. XGBoost's container has its own."""
        return None

    @abc.abstractmethod
    def predict(self, features) -> dict[str, np.ndarray]:
        """Outputs for ``features`` (a dense (n, feature_dim) array or a CSR matrix).

        Each output is a float array of n values, or of shape (n, k) for a list per record
        (e.g. a multiclass score per class). Keys are :attr:`output_names`, in that order.
        """

    def check_width(self, width: int, where: str) -> None:
        """A DataError, in the built-ins' words, when a request's width is not the model's."""
        if width != self.feature_dim:
            raise DataError(FEATURE_DIMENSION.say(f"(The first record is at {where}.)",
                                                  got=width, want=self.feature_dim))


def artifact_arrays(artifact) -> list | Mapping[str, np.ndarray]:
    """The arrays of a ModelArtifact, or ``artifact`` itself when it already is arrays."""
    return getattr(artifact, "arrays", artifact)
