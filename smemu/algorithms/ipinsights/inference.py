"""IP Insights at inference time: ``dot_product`` of an entity's and an IP address's embeddings,
and with ``verbose=True`` in the Accept type the embeddings themselves.

The model is what ``model_algo-1`` holds: an NDArray dict of ``entity_embedding``
(num_entity_vectors x vector_dim), ``ip_embedding`` (the hashed prefix table) and the IP
encoder's ``ip_encoder<i>_weight``/``_bias``. Requests are ``entity,ip`` text records.
"""

from __future__ import annotations

import numpy as np

from smemu.algorithms.errors import CustomerError
from smemu.algorithms.inference import Predictor, artifact_arrays
from smemu.algorithms.ipinsights.addresses import Packed, entity_rows, ip_rows, parse_ips
from smemu.algorithms.ipinsights.network import scores


class IPInsightsModel(Predictor):
    output_names = ("dot_product", "entity_embedding", "ip_embedding")
    verbose_outputs = ("entity_embedding", "ip_embedding")
    request_fields = 2
    feature_dim = 2
    #: the guide: IP Insights answers application/json or application/jsonlines
    csv_output = False

    def __init__(self, arrays):
        if "entity_embedding" not in arrays or "ip_embedding" not in arrays:
            raise CustomerError(
                "This model_algo-1 is not an IP Insights model: it lacks entity_embedding or "
                "ip_embedding. Serve the model.tar.gz an ipinsights training job wrote.")
        self.params = {n: np.asarray(a, np.float32) for n, a in arrays.items()}
        self.layers = sum(1 for n in arrays if n.startswith("ip_encoder") and n.endswith("_weight"))
        self.num_entity_vectors = int(self.params["entity_embedding"].shape[0])

    def predict(self, features) -> dict[str, np.ndarray]:
        features = np.asarray(features, dtype=object)
        where = (lambda i: f"record {i + 1}")
        rows = entity_rows(features[:, 0], self.num_entity_vectors)
        packed = Packed.of(parse_ips(features[:, 1], where, "The request"))
        dot, entity, ip = scores(self.params, rows, ip_rows(packed), self.layers)
        return {"dot_product": dot, "entity_embedding": entity, "ip_embedding": ip}


def load_model(artifact) -> IPInsightsModel:
    arrays = artifact_arrays(artifact)
    if not isinstance(arrays, dict):
        raise CustomerError("An IP Insights model_algo-1 holds named NDArrays; this one holds an "
                            "unnamed list.")
    return IPInsightsModel(arrays)
