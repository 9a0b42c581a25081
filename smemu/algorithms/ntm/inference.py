"""NTM at inference time: each document's ``topic_weights``, ``softmax`` of the encoder's mean.

The model is what ``model_algo-1`` holds: an NDArray dict of the weights training writes
(``enc<i>_weight``/``enc<i>_bias`` per encoder layer, with ``enc<i>_gamma``/``enc<i>_beta`` and the
running ``enc<i>_moving_mean``/``enc<i>_moving_var`` under batch_norm, ``mu_*``, ``logvar_*``,
``dec_*``) and ``encoder_activation`` (0 sigmoid, 1 tanh, 2 relu).
"""

from __future__ import annotations

import numpy as np

from smemu.algorithms.errors import CustomerError
from smemu.algorithms.inference import Predictor, artifact_arrays
from smemu.algorithms.ntm.network import ACTIVATION_CODES, NTMNetwork

_NAMES = {code: name for name, code in ACTIVATION_CODES.items()}


class NTMModel(Predictor):
    output_names = ("topic_weights",)
    #: the NTM guide: inference returns application/json or application/x-recordio-protobuf
    csv_output = False

    def __init__(self, arrays):
        needed = ("mu_weight", "mu_bias", "encoder_activation", "enc0_weight")
        missing = [n for n in needed if n not in arrays]
        if missing:
            raise CustomerError(
                f"This model_algo-1 is not an NTM model: it lacks {', '.join(missing)}. Serve "
                f"the model.tar.gz an ntm training job wrote.")
        self.params = {n: np.asarray(a, np.float64) for n, a in arrays.items()}
        layers = sum(1 for n in arrays if n.startswith("enc") and n.endswith("_weight"))
        batch_norm = "enc0_gamma" in arrays
        activation = _NAMES[int(self.params["encoder_activation"][0])]
        self.net = NTMNetwork(layers, activation, batch_norm)
        self.stats = {n: p for n, p in self.params.items() if "_moving_" in n}
        self.feature_dim = int(arrays["enc0_weight"].shape[0])

    def predict(self, features) -> dict[str, np.ndarray]:
        x = features.astype(np.float64) if hasattr(features, "tocsr") \
            else np.asarray(features, np.float64)
        weights = self.net.topic_weights(self.params, self.stats, x)
        return {"topic_weights": weights.astype(np.float32)}


def load_model(artifact) -> NTMModel:
    arrays = artifact_arrays(artifact)
    if not isinstance(arrays, dict):
        raise CustomerError("An NTM model_algo-1 holds named NDArrays (mx.nd.save of a dict); "
                            "this one holds an unnamed list.")
    return NTMModel(arrays)
