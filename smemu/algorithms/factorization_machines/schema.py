"""Factorization Machines' hyperparameters, with the names, defaults and ranges of the AWS
developer guide page "Factorization Machines Hyperparameters".

Each of the three parameter groups (``bias`` = w0, ``linear`` = w1, ``factors`` = v) has its own
initialisation (``*_init_method`` normal | uniform | constant with ``*_init_sigma`` /
``*_init_scale`` / ``*_init_value``), learning rate and weight decay. ``*_init_scale``,
``*_init_value``, ``clip_gradient``, ``eps`` and ``rescale_grad`` have no default there.
"""

from __future__ import annotations

from smemu.algorithms.hyperparameters import Choice, Config, Float, Integer, Schema, require

GROUPS = ("bias", "linear", "factors")
INIT_METHODS = ("normal", "uniform", "constant")
#: the documented defaults per group: (init_sigma, lr, wd)
GROUP_DEFAULTS = {
    "bias": ("0.01", "0.1", "0.01"),
    "linear": ("0.01", "0.001", "0.001"),
    "factors": ("0.001", "0.0001", "0.00001"),
}


def _group_params() -> dict:
    params = {}
    for group, (sigma, lr, wd) in GROUP_DEFAULTS.items():
        params[f"{group}_init_method"] = Choice(INIT_METHODS, default="normal")
        params[f"{group}_init_sigma"] = Float(sigma, min=0)
        params[f"{group}_init_scale"] = Float(min=0)
        params[f"{group}_init_value"] = Float()
        params[f"{group}_lr"] = Float(lr, min=0)
        params[f"{group}_wd"] = Float(wd, min=0)
    return params


def _init_values_given(config: Config) -> None:
    """``uniform`` needs ``*_init_scale`` and ``constant`` needs ``*_init_value``."""
    for group in GROUPS:
        method = config[f"{group}_init_method"]
        needed = {"uniform": "init_scale", "constant": "init_value"}.get(method)
        if needed and config[f"{group}_{needed}"] is None:
            require(False,
                    f"{group}_init_method='{method}' needs {group}_{needed}; set it or choose "
                    f"another {group}_init_method.", name=f"{group}_{needed}")


SCHEMA = Schema(
    "factorization-machines",
    {
        "feature_dim": Integer(required=True, min=1),
        "num_factors": Integer(required=True, min=1),
        "predictor_type": Choice(("binary_classifier", "regressor"), required=True),
        "epochs": Integer("1", min=1),
        "mini_batch_size": Integer("1000", min=1),
        "clip_gradient": Float(),
        "eps": Float(),
        "rescale_grad": Float(),
        **_group_params(),
    },
    checks=(_init_values_given,),
)
