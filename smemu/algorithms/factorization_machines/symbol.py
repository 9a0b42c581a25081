"""The MXNet symbol of a factorization machine, as ``Symbol.tojson`` writes it.

Arguments ``data``, ``w1_weight`` (feature_dim, 1), ``w0_weight`` (1,), ``v`` (feature_dim,
num_factors) and ``out_label``: the parameter names users of the real model read
(``module._arg_params['v']``, ``['w1_weight']``, ``['w0_weight']``) and the label name they load it
with (``label_names=['out_label']``). The graph computes
``w0 + data·w1 + ½ Σ_f [(data·v)² − data²·v²]`` with dense operators, then the output layer ``out``
(``LogisticRegressionOutput``: a probability, for binary_classifier; ``LinearRegressionOutput``
for regressor).
"""

from __future__ import annotations

MXNET_VERSION = 10901  # 1.9.1

OUTPUTS = {"binary_classifier": "LogisticRegressionOutput", "regressor": "LinearRegressionOutput"}


def fm_symbol(predictor_type: str, feature_dim: int, num_factors: int) -> dict:
    def var(name, shape=None):
        node = {"op": "null", "name": name, "inputs": []}
        if shape is not None:
            node["attrs"] = {"__shape__": str(shape)}
        return node

    def op(kind, name, inputs, attrs=None):
        node = {"op": kind, "name": name, "inputs": [[i, 0, 0] for i in inputs]}
        if attrs:
            node["attrs"] = attrs
        return node

    nodes = [
        var("data"),                                                      # 0
        var("w1_weight", (feature_dim, 1)),                               # 1
        op("dot", "dot0", [0, 1]),                                        # 2  data·w1
        var("w0_weight", (1,)),                                           # 3
        op("broadcast_add", "broadcast_add0", [2, 3]),                    # 4  + w0
        var("v", (feature_dim, num_factors)),                             # 5
        op("dot", "dot1", [0, 5]),                                        # 6  data·v
        op("square", "square0", [6]),                                     # 7
        op("square", "square1", [0]),                                     # 8  data²
        op("square", "square2", [5]),                                     # 9  v²
        op("dot", "dot2", [8, 9]),                                        # 10
        op("elemwise_sub", "_minus0", [7, 10]),                           # 11
        op("sum", "sum0", [11], {"axis": "1", "keepdims": "True"}),       # 12
        op("_mul_scalar", "_mulscalar0", [12], {"scalar": "0.5"}),        # 13
        op("elemwise_add", "_plus0", [4, 13]),                            # 14
        var("out_label"),                                                 # 15
        op(OUTPUTS[predictor_type], "out", [14, 15]),                     # 16
    ]
    return {
        "nodes": nodes,
        "arg_nodes": [0, 1, 3, 5, 15],
        "node_row_ptr": list(range(len(nodes) + 1)),
        "heads": [[16, 0, 0]],
        "attrs": {"mxnet_version": ["int", MXNET_VERSION]},
    }
