"""Tags of SageMaker resources: AddTags, ListTags, DeleteTags, and the ``Tags`` of every Create*
request, which ListTags returns too (as SageMaker does; the SDK's ``attach()`` calls ListTags,
``Predictor.update_endpoint()`` AddTags).

Tags are kept by resource ARN in ``<jobs root>/tags/``, one small JSON file per resource, written
atomically; SageMaker allows 50 tags per resource, keys of 1-128 and values of 0-256 characters.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Callable

from smemu.emulator.api.errors import ValidationException

MAX_TAGS = 50
#: Create* operations whose request carries Tags, and the response member naming the new ARN
CREATE_OPERATIONS = {
    "CreateTrainingJob": "TrainingJobArn",
    "CreateModel": "ModelArn",
    "CreateEndpointConfig": "EndpointConfigArn",
    "CreateEndpoint": "EndpointArn",
    "CreateTransformJob": "TransformJobArn",
    "CreateHyperParameterTuningJob": "HyperParameterTuningJobArn",
}


def _check_arn(body: dict) -> str:
    arn = body.get("ResourceArn")
    if not isinstance(arn, str) or not arn.startswith("arn:aws:sagemaker:") or len(arn) > 256:
        raise ValidationException(
            "1 validation error detected: Value at 'resourceArn' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: arn:aws[a-z\\-]*:sagemaker:.*")
    return arn


def _check_tags(tags) -> list[dict]:
    if not isinstance(tags, list):
        raise ValidationException("Tags must be a list of {Key, Value}.")
    problems = []
    for i, tag in enumerate(tags, 1):
        key = tag.get("Key") if isinstance(tag, dict) else None
        value = tag.get("Value", "") if isinstance(tag, dict) else None
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or key.startswith("aws:"):
            problems.append(f"Value at 'tags.{i}.member.key' failed to satisfy constraint: Member "
                            f"must have length between 1 and 128 and not start with 'aws:'")
        if not isinstance(value, str) or len(value) > 256:
            problems.append(f"Value at 'tags.{i}.member.value' failed to satisfy constraint: "
                            f"Member must have length less than or equal to 256")
    if problems:
        raise ValidationException(f"{len(problems)} validation error"
                                  f"{'s' if len(problems) > 1 else ''} detected: "
                                  + "; ".join(problems))
    return [{"Key": t["Key"], "Value": t.get("Value", "")} for t in tags]


class TagStore:
    def __init__(self, root: Path):
        self.root = Path(root) / "tags"
        self._lock = threading.Lock()

    def _path(self, arn: str) -> Path:
        return self.root / (hashlib.sha256(arn.encode()).hexdigest()[:32] + ".json")

    def get(self, arn: str) -> list[dict]:
        try:
            return json.loads(self._path(arn).read_text())["Tags"]
        except (OSError, ValueError, KeyError):
            return []

    def _put(self, arn: str, tags: list[dict]) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tags-")
        with os.fdopen(fd, "w") as handle:
            json.dump({"ResourceArn": arn, "Tags": tags}, handle)
        os.replace(tmp, self._path(arn))

    def add(self, arn: str, tags: list[dict]) -> None:
        with self._lock:
            merged = {t["Key"]: t["Value"] for t in self.get(arn)}
            merged.update({t["Key"]: t["Value"] for t in tags})
            if len(merged) > MAX_TAGS:
                raise ValidationException(f"A resource can have at most {MAX_TAGS} tags; "
                                          f"{arn} would have {len(merged)}.")
            self._put(arn, [{"Key": k, "Value": v} for k, v in merged.items()])

    def delete(self, arn: str, keys: list[str]) -> None:
        with self._lock:
            self._put(arn, [t for t in self.get(arn) if t["Key"] not in set(keys)])


class TagService:
    def __init__(self, jobs_root: Path):
        self.tags = TagStore(jobs_root)

    def operations(self) -> dict:
        return {"AddTags": self.add_tags, "ListTags": self.list_tags,
                "DeleteTags": self.delete_tags}

    def add_tags(self, body: dict) -> dict:
        arn = _check_arn(body)
        tags = _check_tags(body.get("Tags"))
        self.tags.add(arn, tags)
        return {"Tags": self.tags.get(arn)}

    def list_tags(self, body: dict) -> dict:
        arn = _check_arn(body)
        tags = self.tags.get(arn)
        limit = body.get("MaxResults", 50)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 50 <= limit <= 100:
            raise ValidationException("MaxResults must be a number from 50 to 100.")
        token = body.get("NextToken")
        start = 0
        if token is not None:
            if not isinstance(token, str) or not token.isdigit():
                raise ValidationException("The NextToken is not one this endpoint gave.")
            start = int(token)
        answer = {"Tags": tags[start:start + limit]}
        if start + limit < len(tags):
            answer["NextToken"] = str(start + limit)
        return answer

    def delete_tags(self, body: dict) -> dict:
        arn = _check_arn(body)
        keys = body.get("TagKeys")
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise ValidationException("TagKeys must be a list of tag keys.")
        self.tags.delete(arn, keys)
        return {}

    def recording_create_tags(self, operations: dict[str, Callable]) -> dict[str, Callable]:
        """``operations`` (``{"SageMaker.CreateModel": handler, ...}``) with each Create* handler
        also keeping the request's Tags for the ARN it answers."""
        wrapped = dict(operations)
        for operation, arn_member in CREATE_OPERATIONS.items():
            target = f"SageMaker.{operation}"
            if target not in operations:
                continue

            def create(body, handler=operations[target], arn_member=arn_member):
                tags = _check_tags(body["Tags"]) if body.get("Tags") is not None else []
                answer = handler(body)
                if tags and isinstance(answer, dict) and answer.get(arn_member):
                    self.tags.add(answer[arn_member], tags)
                return answer

            wrapped[target] = create
        return wrapped
