"""The parts of botocore's SageMaker API model the emulator checks requests against.

Loading botocore's whole SageMaker model takes about half a second, a large share of a small job's
overhead, so the CreateTrainingJob request shape is extracted once into a plain nested dict and
cached as JSON under ``$SMEMU_HOME/cache`` (``~/.smemu/cache``), keyed by botocore's version.

A shape dict: ``{"type": "structure"|"list"|"map"|"string"|"integer"|..., "meta": {min, max,
pattern, enum}, "members": {name: shape}, "required": [...], "member": shape, "key": shape,
"value": shape}``.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path


def _cache_path() -> Path:
    import botocore
    home = os.environ.get("SMEMU_HOME")
    base = Path(home) if home else Path.home() / ".smemu"
    return base / "cache" / f"sagemaker-api-{botocore.__version__}.json"


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
        "CreateTrainingJobRequest": _extract(model.operation_model("CreateTrainingJob").input_shape),
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


def create_training_job_request() -> dict:
    return _model()["CreateTrainingJobRequest"]


def describe_training_job_members() -> frozenset:
    return frozenset(_model()["DescribeTrainingJobMembers"])
