"""The /opt/ml tree the platform lays out for a training container, on the host.

``prepare(opt_ml, spec, arn)`` creates the directories and writes the config files in the shapes
the real platform writes (compact JSON; see ``shared/reference/container-contract.md`` §1):
``hyperparameters.json`` (strings), ``inputdataconfig.json`` (ContentType only when set),
``resourceconfig.json`` (one host, ``algo-1``) and ``trainingjobconfig.json`` (the request).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from smemu.emulator.spec import TrainingJobSpec


def _write(path: Path, value) -> None:
    # private to the user: the config files hold the request's Environment and hyperparameters
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(value, separators=(",", ":")))


def channel_dir(opt_ml: Path, channel: str) -> Path:
    return opt_ml / "input" / "data" / channel


def prepare(opt_ml: Path, spec: TrainingJobSpec, arn: str) -> None:
    config = opt_ml / "input" / "config"
    for directory in (config, opt_ml / "input" / "data", opt_ml / "model",
                      opt_ml / "output" / "data"):
        directory.mkdir(parents=True, exist_ok=True)
    _write(config / "hyperparameters.json", spec.hyperparameters)
    _write(config / "inputdataconfig.json", spec.input_data_config())
    _write(config / "resourceconfig.json", spec.resource_config())
    _write(config / "trainingjobconfig.json", dict(spec.request, TrainingJobArn=arn))
    for channel in spec.channels:
        if not channel.is_pipe:
            channel_dir(opt_ml, channel.name).mkdir(parents=True, exist_ok=True)
