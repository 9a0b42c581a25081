"""The parts of botocore's SageMaker API model the emulator checks requests against.

Loading botocore's whole SageMaker model takes about half a second, a large share of a small job's
overhead, so the request shapes of the operations smemu serves (``OPERATIONS``) are extracted once
into plain nested dicts and cached as JSON under ``$SMEMU_HOME/cache`` (``~/.smemu/cache``), keyed
by botocore's version and by that list.

A shape dict: ``{"type": "structure"|"list"|"map"|"string"|"integer"|..., "meta": {min, max,
pattern, enum}, "members": {name: shape}, "required": [...], "member": shape, "key": shape,
"value": shape}``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import re
import tempfile
from pathlib import Path

# the SageMaker operations smemu serves, whose requests are checked against the model
OPERATIONS = (
    "CreateTrainingJob", "DescribeTrainingJob", "ListTrainingJobs", "StopTrainingJob",
    "CreateModel", "DescribeModel", "DeleteModel", "ListModels",
    "CreateEndpointConfig", "DescribeEndpointConfig", "DeleteEndpointConfig",
    "CreateEndpoint", "DescribeEndpoint", "UpdateEndpoint",
    "DeleteEndpoint", "ListEndpoints",
    "CreateTransformJob", "DescribeTransformJob", "ListTransformJobs", "StopTransformJob",
    "CreateHyperParameterTuningJob", "DescribeHyperParameterTuningJob",
    "ListHyperParameterTuningJobs", "StopHyperParameterTuningJob",
    "ListTrainingJobsForHyperParameterTuningJob",
)


def _botocore_version() -> str:
    """botocore's version, read from its ``__init__.py`` rather than by importing it (which costs
    every job's start-up about 15 ms); imported only when the file does not say it plainly."""
    spec = importlib.util.find_spec("botocore")
    try:
        found = re.search(r"^__version__ = ['\"]([^'\"]+)['\"]", Path(spec.origin).read_text(),
                          re.M)
    except (AttributeError, TypeError, OSError):
        found = None
    if found:
        return found.group(1)
    import botocore
    return botocore.__version__


def _cache_path() -> Path:
    home = os.environ.get("SMEMU_HOME")
    base = Path(home) if home else Path.home() / ".smemu"
    served = hashlib.sha256(" ".join(OPERATIONS).encode()).hexdigest()[:8]
    return base / "cache" / f"sagemaker-api-{_botocore_version()}-{served}.json"


def _extract(shape, seen: tuple = ()) -> dict:
    if shape.name in seen:             # a recursive shape: accept whatever is there
        return {"type": "any", "meta": {}}
    seen = seen + (shape.name,)
    meta = {k: v for k, v in shape.metadata.items() if k in ("min", "max", "pattern", "enum")}
    out = {"type": shape.type_name, "meta": meta}
    if shape.type_name == "structure":
        out["members"] = {n: _extract(m, seen) for n, m in shape.members.items()}
        out["required"] = list(shape.required_members)
    elif shape.type_name == "list":
        out["member"] = _extract(shape.member, seen)
    elif shape.type_name == "map":
        out["key"] = _extract(shape.key, seen)
        out["value"] = _extract(shape.value, seen)
    return out


def _from_botocore() -> dict:
    import botocore.session
    model = botocore.session.get_session().get_service_model("sagemaker")
    return {
        "Requests": {name: _extract(model.operation_model(name).input_shape)
                     for name in OPERATIONS if name in model.operation_names},
        "DescribeTrainingJobMembers": list(model.shape_for("DescribeTrainingJobResponse").members),
    }


@functools.lru_cache(maxsize=1)
def _model() -> dict:
    path = _cache_path()
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    model = _from_botocore()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".api-")
        with os.fdopen(fd, "w") as handle:
            json.dump(model, handle, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError:
        pass                            # no cache: the next run extracts it again
    return model


def request_shape(operation: str) -> dict | None:
    """The input shape of ``operation`` (one of ``OPERATIONS``), or None if this botocore does
    not know it."""
    return _model()["Requests"].get(operation)


def describe_training_job_members() -> frozenset:
    return frozenset(_model()["DescribeTrainingJobMembers"])
