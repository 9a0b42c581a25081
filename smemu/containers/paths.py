"""The /opt/ml tree as a training container sees it.

The root is ``/opt/ml`` unless ``SMEMU_OPT_ML`` points elsewhere (the process backend runs the
container code on the host with the job's own tree). Messages a user reads name the *logical*
``/opt/ml/...`` path, so they read the same whichever backend ran the job.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from smemu import contract

LOGICAL_ROOT = contract.OPT_ML


class OptML(contract.Tree):
    def __init__(self, root: str | os.PathLike | None = None):
        super().__init__(root or os.environ.get(contract.ENV_OPT_ML) or LOGICAL_ROOT)

    def logical(self, path: str | os.PathLike) -> str:
        """``path`` under the root, shown as ``/opt/ml/...``."""
        try:
            rel = Path(path).relative_to(self.root)
        except ValueError:
            return str(path)
        return LOGICAL_ROOT + ("/" + rel.as_posix() if str(rel) != "." else "")

    # config files ------------------------------------------------------------------------------
    def read_config(self, name: str, default=None):
        path = self.config_file(name)
        if not path.exists() and default is not None:
            return default
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)

    def hyperparameters(self) -> dict:
        return self.read_config(contract.HYPERPARAMETERS, {})

    def input_data_config(self) -> dict:
        return self.read_config(contract.INPUT_DATA_CONFIG, {})

    def resource_config(self) -> dict:
        return self.read_config(contract.RESOURCE_CONFIG,
                                {"current_host": contract.FIRST_HOST, "hosts": [contract.FIRST_HOST]})
