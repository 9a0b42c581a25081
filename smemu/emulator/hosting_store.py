"""Models, endpoint configurations and endpoints that outlive the server that created them.

They live beside the training jobs, in the jobs root, under a directory no job name can take
(job names match ``[a-zA-Z0-9](-*[a-zA-Z0-9])*``, so never start with a dot)::

    <jobs root>/.hosting/models/<name>.json            the DescribeModel response
    <jobs root>/.hosting/endpoint-configs/<name>.json  the DescribeEndpointConfig response
    <jobs root>/.hosting/endpoints/<name>.json         the DescribeEndpoint response, plus private
                                                       members starting with "_" (the serving
                                                       container's URL, the server's pid)
    <jobs root>/.hosting/endpoints/<name>.log          the serving container's log lines
    <jobs root>/.hosting/transform-jobs/<name>.json    the DescribeTransformJob response (+ "_")
    <jobs root>/.hosting/transform-jobs/<name>.log     its container's log lines

Times are epoch seconds. ``create`` claims a name atomically (two creators cannot both win);
``save`` replaces a record atomically, so readers never see half a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from smemu.emulator import json_records

HOSTING_DIR = ".hosting"
KINDS = ("models", "endpoint-configs", "endpoints", "transform-jobs")


class RecordExists(Exception):
    """The name is taken."""


class RecordNotFound(Exception):
    """No record has this name."""


class RecordDirectory:
    """The records of one kind (``models``, ``endpoint-configs`` or ``endpoints``)."""

    def __init__(self, jobs_root: str | os.PathLike, kind: str):
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        self.directory = Path(jobs_root) / HOSTING_DIR / kind

    def path(self, name: str) -> Path:
        return self.directory / f"{name}.json"

    def log_path(self, name: str) -> Path:
        return self.directory / f"{name}.log"

    def create(self, name: str, record: dict) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            json_records.create(self.path(name), record)
        except FileExistsError:
            raise RecordExists(name) from None

    def save(self, name: str, record: dict) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        json_records.save(self.path(name), record)

    def load(self, name: str) -> dict:
        try:
            return json_records.load(self.path(name))
        except (FileNotFoundError, NotADirectoryError):
            raise RecordNotFound(name) from None
        except json.JSONDecodeError:   # a record being created this very moment
            raise RecordNotFound(name) from None

    def delete(self, name: str) -> None:
        for path in (self.path(name), self.log_path(name)):
            try:
                path.unlink()
            except FileNotFoundError:
                pass

    def names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.name[:-len(".json")] for p in self.directory.glob("*.json")
                      if not p.name.startswith("."))

    def records(self) -> list[dict]:
        found = []
        for name in self.names():
            try:
                found.append(self.load(name))
            except RecordNotFound:
                continue
        return found


class HostingStore:
    """The record directories of a jobs root."""

    def __init__(self, jobs_root: str | os.PathLike):
        self.models = RecordDirectory(jobs_root, "models")
        self.configs = RecordDirectory(jobs_root, "endpoint-configs")
        self.endpoints = RecordDirectory(jobs_root, "endpoints")
        self.transform_jobs = RecordDirectory(jobs_root, "transform-jobs")
