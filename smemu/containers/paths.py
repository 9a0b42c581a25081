"""The /opt/ml tree as a training container sees it.

The root is ``/opt/ml`` unless ``SMEMU_OPT_ML`` points elsewhere (the process backend runs the
container code on the host with the job's own tree). Messages a user reads name the *logical*
``/opt/ml/...`` path, so they read the same whichever backend ran the job.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

LOGICAL_ROOT = "/opt/ml"


class OptML:
    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root or os.environ.get("SMEMU_OPT_ML") or LOGICAL_ROOT)

    # places --------------------------------------------------------------------------------------
    @property
    def config_dir(self) -> Path:
        return self.root / "input" / "config"

    @property
    def data_dir(self) -> Path:
        return self.root / "input" / "data"

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def failure_file(self) -> Path:
        return self.output_dir / "failure"

    def logical(self, path: str | os.PathLike) -> str:
        """``path`` under the root, shown as ``/opt/ml/...``."""
        try:
            rel = Path(path).relative_to(self.root)
        except ValueError:
            return str(path)
        return LOGICAL_ROOT + ("/" + rel.as_posix() if str(rel) != "." else "")

    # config files ------------------------------------------------------------------------------
    def read_config(self, name: str, default=None):
        path = self.config_dir / name
        if not path.exists() and default is not None:
            return default
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)

    def hyperparameters(self) -> dict:
        return self.read_config("hyperparameters.json", {})

    def input_data_config(self) -> dict:
        return self.read_config("inputdataconfig.json", {})

    def resource_config(self) -> dict:
        return self.read_config("resourceconfig.json", {"current_host": "algo-1", "hosts": ["algo-1"]})
