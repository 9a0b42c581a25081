"""The MXNet symbol of a Linear Learner model, in the real built-in's shape:
``data -> dot(data, fc0_weight) -> broadcast_add(., fc0_bias) -> output``.

Checked against a real regressor's ``mx-mod-symbol.json``: ``fc0_weight`` is (feature_dim,
outputs), ``fc0_bias`` is (1, outputs) with ``__lr_mult__`` "10.0", the nodes are ``dot`` and
``broadcast_add`` (named ``dot<N>`` / ``broadcast_plus<N>``; the real file's N was 32, smemu's is
0, as a fresh MXNet names them), the head is ``LinearRegressionOutput`` named ``out`` (so its
label is ``out_label``: ``Module.load('mx-mod', 0, label_names=['out_label'])``), and
``mxnet_version`` is 10301 (MXNet 1.3.1). The output operator of the other losses is inferred:
``LogisticRegressionOutput`` (a probability) for logistic loss, ``SoftmaxOutput`` (probabilities
per class) for softmax loss, and ``LinearRegressionOutput`` (the raw score) for every other loss,
hinge loss included (its scores are documented as not being probabilities).
"""

from __future__ import annotations

MXNET_VERSION = 10301  # 1.3.1, the real container's
NODE_NUMBER = 0

#: loss -> (MXNet output operator, what its forward pass returns)
OUTPUTS = {
    "logistic": ("LogisticRegressionOutput", "sigmoid"),
    "softmax_loss": ("SoftmaxOutput", "softmax"),
}
DEFAULT_OUTPUT = ("LinearRegressionOutput", "identity")
#: an output operator -> what its forward pass returns
OPERATOR_OUTPUTS = {"LogisticRegressionOutput": "sigmoid", "SoftmaxOutput": "softmax",
                    "LinearRegressionOutput": "identity", "MAERegressionOutput": "identity"}


def module_symbol(loss: str, feature_dim: int, outputs: int) -> tuple[dict, str]:
    """The symbol JSON (as ``mx.sym.Symbol.tojson`` writes it) and the output's kind."""
    op, kind = OUTPUTS.get(loss, DEFAULT_OUTPUT)
    n = NODE_NUMBER
    nodes = [
        {"op": "null", "name": "data", "inputs": []},
        {"op": "null", "name": "fc0_weight", "attrs": {"__shape__": f"({feature_dim}, {outputs})"},
         "inputs": []},
        {"op": "dot", "name": f"dot{n}", "inputs": [[0, 0, 0], [1, 0, 0]]},
        {"op": "null", "name": "fc0_bias",
         "attrs": {"__lr_mult__": "10.0", "__shape__": f"(1, {outputs})"}, "inputs": []},
        {"op": "broadcast_add", "name": f"broadcast_plus{n}", "inputs": [[2, 0, 0], [3, 0, 0]]},
        {"op": "null", "name": "out_label", "inputs": []},
        {"op": op, "name": "out", "inputs": [[4, 0, 0], [5, 0, 0]]},
    ]
    symbol = {
        "nodes": nodes,
        "arg_nodes": [0, 1, 3, 5],
        "node_row_ptr": list(range(len(nodes) + 1)),
        "heads": [[6, 0, 0]],
        "attrs": {"mxnet_version": ["int", MXNET_VERSION]},
    }
    return symbol, kind


def symbol_output(symbol) -> str:
    """What the symbol's head operator returns; ``identity`` when it is not one of LL's."""
    nodes = (symbol or {}).get("nodes") or []
    heads = (symbol or {}).get("heads") or []
    if heads and nodes and heads[0][0] < len(nodes):
        return OPERATOR_OUTPUTS.get(nodes[heads[0][0]].get("op"), "identity")
    return "identity"


def weight_is_transposed(symbol) -> bool:
    """True for smemu's older symbol (``FullyConnected``: fc0_weight is (outputs, feature_dim));
    False for the real one (``dot``: (feature_dim, outputs))."""
    ops = {node.get("op") for node in (symbol or {}).get("nodes") or []}
    return "FullyConnected" in ops and "dot" not in ops
