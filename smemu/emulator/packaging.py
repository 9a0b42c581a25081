"""Packing a finished job's /opt/ml/model and /opt/ml/output/data as SageMaker uploads them."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

from smemu import contract
from smemu.emulator import staging


def pack_directory(directory: Path, archive: Path) -> Path:
    """``archive`` (tar.gz) holding ``directory``'s entries at its root, as SageMaker packs them."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        if directory.is_dir():
            for name in sorted(os.listdir(directory)):
                tar.add(directory / name, arcname=name)
    return archive


def artifact_uri(output_path: str, job_name: str, filename: str) -> str:
    """``<S3OutputPath>/<job>/output/<filename>``."""
    return f"{output_path.rstrip('/')}/{job_name}/output/{filename}"


def upload_outputs(opt_ml: Path, staging_dir: Path, output_path: str, job_name: str,
                   storages: staging.Storages | None = None) -> dict[str, str]:
    """Pack ``model/`` into model.tar.gz and ``output/data/`` into output.tar.gz, put both under the
    output path; returns {"model": uri, "output": uri}."""
    uris = {}
    tree = contract.Tree(opt_ml)
    for key, source, filename in (("model", tree.model_dir, contract.MODEL_ARCHIVE),
                                  ("output", tree.output_data_dir, contract.OUTPUT_ARCHIVE)):
        archive = pack_directory(source, staging_dir / filename)
        uri = artifact_uri(output_path, job_name, filename)
        staging.storage_for(uri, storages).put(str(archive), uri)
        uris[key] = uri
    return uris
