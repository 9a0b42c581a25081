"""The contract between the platform (the host side) and a built-in algorithm's container.

A leaf module: it imports nothing of smemu, so both sides — ``smemu.containers`` (inside the image)
and ``smemu.emulator`` (the platform) — take the names from here and cannot drift apart.

What SageMaker documents ("Use Your Own Training Algorithms" and "Use Your Own Inference Code" in
the Amazon SageMaker developer guide): the training container finds its configuration in
``/opt/ml/input/config/`` (``hyperparameters.json``, ``inputdataconfig.json``,
``resourceconfig.json``), File-mode channels in ``/opt/ml/input/data/<channel>/``, Pipe-mode
channels as one FIFO per pass ``/opt/ml/input/data/<channel>_<epoch>``; it writes the model into
``/opt/ml/model/`` (packed as ``model.tar.gz``), other outputs into ``/opt/ml/output/data/``
(``output.tar.gz``) and, when it fails, the reason into ``/opt/ml/output/failure``. A serving
container finds the model unpacked in ``/opt/ml/model/`` and listens on port 8080, or on
``SAGEMAKER_BIND_TO_PORT`` when the platform sets it. The built-ins name their model file
``model_algo-1`` (the host name ``algo-1`` of the first instance).

The ``SMEMU_*`` variables are smemu's own: the process backend runs the container code on the host
with its ``/opt/ml`` somewhere else (``SMEMU_OPT_ML``), and one image entrypoint serves every
algorithm (``SMEMU_ALGORITHM``).
"""

from __future__ import annotations

import os
from pathlib import Path

# the host keeps a job's copy of the tree in this directory of the job's own directory
JOB_TREE = "opt_ml"

# the tree -------------------------------------------------------------------------------------
OPT_ML = "/opt/ml"                        # where the container sees the tree
INPUT_CONFIG = ("input", "config")
INPUT_DATA = ("input", "data")
MODEL = ("model",)
OUTPUT = ("output",)
OUTPUT_DATA = ("output", "data")
FAILURE = ("output", "failure")

# the config files the platform writes into input/config
HYPERPARAMETERS = "hyperparameters.json"
INPUT_DATA_CONFIG = "inputdataconfig.json"
RESOURCE_CONFIG = "resourceconfig.json"
TRAINING_JOB_CONFIG = "trainingjobconfig.json"

# the instance smemu runs, and what the built-ins call their model file
FIRST_HOST = "algo-1"
MODEL_FILE = "model_algo-1"

# what the platform uploads after training (to <S3OutputPath>/<job>/output/)
MODEL_ARCHIVE = "model.tar.gz"
OUTPUT_ARCHIVE = "output.tar.gz"

# environment ------------------------------------------------------------------------------------
ENV_OPT_ML = "SMEMU_OPT_ML"                       # the tree's root, when not /opt/ml
ENV_ALGORITHM = "SMEMU_ALGORITHM"                 # which built-in the entrypoint runs
ENV_BIND_HOST = "SMEMU_BIND_HOST"                 # the serving address (default 0.0.0.0)
ENV_BIND_PORT = "SAGEMAKER_BIND_TO_PORT"          # the serving port, as SageMaker sets it
ENV_SERVING_THREADS = "SMEMU_SERVING_THREADS"
ENV_DEFAULT_ACCEPT = "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT"
ENV_FIFO_WAIT_SECONDS = "SMEMU_FIFO_WAIT_SECONDS"  # how long a Pipe-mode reader waits for a FIFO
ENV_LIFELINE = "SMEMU_LIFELINE"        # "stdin": end the container at EOF on stdin (host gone)
ENV_PARENT_PID = "SMEMU_PARENT_PID"    # the host process; the container dies with it
SERVING_PORT = 8080

# the entrypoint's commands (``docker run <image> train|serve``)
TRAIN = "train"
SERVE = "serve"


def fifo_name(channel: str, epoch: int) -> str:
    """The Pipe-mode FIFO of ``channel``'s pass ``epoch`` (0-based), in ``input/data``."""
    return f"{channel}_{epoch}"


class Tree:
    """The places of an ``/opt/ml`` tree rooted at ``root`` (the host's copy or the container's)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    @property
    def config_dir(self) -> Path:
        return self.root.joinpath(*INPUT_CONFIG)

    @property
    def data_dir(self) -> Path:
        return self.root.joinpath(*INPUT_DATA)

    @property
    def model_dir(self) -> Path:
        return self.root.joinpath(*MODEL)

    @property
    def output_dir(self) -> Path:
        return self.root.joinpath(*OUTPUT)

    @property
    def output_data_dir(self) -> Path:
        return self.root.joinpath(*OUTPUT_DATA)

    @property
    def failure_file(self) -> Path:
        return self.root.joinpath(*FAILURE)

    @property
    def model_file(self) -> Path:
        return self.model_dir / MODEL_FILE

    def config_file(self, name: str) -> Path:
        return self.config_dir / name

    def channel_dir(self, channel: str) -> Path:
        """Where File mode puts ``channel``'s objects."""
        return self.data_dir / channel

    def fifo(self, channel: str, epoch: int) -> Path:
        return self.data_dir / fifo_name(channel, epoch)


def logical(*parts: str) -> str:
    """``/opt/ml/<parts...>``: a place as the container (and a user's message) names it."""
    return "/".join((OPT_ML, *parts))
