"""The /opt/ml tree the platform lays out for a training container, on the host.

``prepare(opt_ml, spec, arn)`` creates the directories and writes the config files in the shapes
the real platform writes them — compact JSON, as a training container running on SageMaker finds
them: ``hyperparameters.json`` (every value a string, as the API carries them),
``inputdataconfig.json`` (``ContentType`` only when the channel sets one), ``resourceconfig.json``
(one host, ``algo-1``) and ``trainingjobconfig.json`` (the request). The names come from
``smemu.contract``, which the container side reads them by.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from smemu import contract
from smemu.emulator.spec import TrainingJobSpec


def _write(path: Path, value) -> None:
    # private to the user: the config files hold the request's Environment and hyperparameters
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(value, separators=(",", ":")))


def channel_dir(opt_ml: Path, channel: str) -> Path:
    return contract.Tree(opt_ml).channel_dir(channel)


def prepare(opt_ml: Path, spec: TrainingJobSpec, arn: str) -> None:
    tree = contract.Tree(opt_ml)
    for directory in (tree.config_dir, tree.data_dir, tree.model_dir, tree.output_data_dir):
        directory.mkdir(parents=True, exist_ok=True)
    _write(tree.config_file(contract.HYPERPARAMETERS), spec.hyperparameters)
    _write(tree.config_file(contract.INPUT_DATA_CONFIG), spec.input_data_config())
    _write(tree.config_file(contract.RESOURCE_CONFIG), spec.resource_config())
    _write(tree.config_file(contract.TRAINING_JOB_CONFIG), dict(spec.request, TrainingJobArn=arn))
    for channel in spec.channels:
        if not channel.is_pipe:
            tree.channel_dir(channel.name).mkdir(parents=True, exist_ok=True)
