"""The MXNet symbol of a Linear Learner model: ``data -> FullyConnected(fc0) -> output``.

The output layer is named ``out``, so MXNet names its label ``out_label`` (how users' code loads
the real model: ``Module.load('mx-mod', 0, label_names=['out_label'])``). Its forward pass gives
the model's score: a probability for logistic loss, softmax probabilities for softmax loss,
the raw linear score otherwise.
"""

from __future__ import annotations

MXNET_VERSION = 10901  # 1.9.1

#: loss -> (MXNet output operator, what its forward pass returns)
OUTPUTS = {
    "logistic": ("LogisticRegressionOutput", "sigmoid"),
    "softmax_loss": ("SoftmaxOutput", "softmax"),
}
DEFAULT_OUTPUT = ("LinearRegressionOutput", "identity")


def module_symbol(loss: str, outputs: int) -> tuple[dict, str]:
    """The symbol JSON (as ``mx.sym.Symbol.tojson`` writes it) and the output's kind."""
    op, kind = OUTPUTS.get(loss, DEFAULT_OUTPUT)
    hidden = {"num_hidden": str(outputs)}
    nodes = [
        {"op": "null", "name": "data", "inputs": []},
        {"op": "null", "name": "fc0_weight", "attrs": dict(hidden), "inputs": []},
        {"op": "null", "name": "fc0_bias", "attrs": dict(hidden), "inputs": []},
        {"op": "FullyConnected", "name": "fc0", "attrs": dict(hidden),
         "inputs": [[0, 0, 0], [1, 0, 0], [2, 0, 0]]},
        {"op": "null", "name": "out_label", "inputs": []},
        {"op": op, "name": "out", "inputs": [[3, 0, 0], [4, 0, 0]]},
    ]
    symbol = {
        "nodes": nodes,
        "arg_nodes": [0, 1, 2, 4],
        "node_row_ptr": list(range(len(nodes) + 1)),
        "heads": [[5, 0, 0]],
        "attrs": {"mxnet_version": ["int", MXNET_VERSION]},
    }
    return symbol, kind
