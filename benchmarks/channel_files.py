"""Large benchmark channels made by repeating one block of encoded records (shared by the bench_* scripts)."""

from __future__ import annotations

from pathlib import Path


def repeat_into_files(block: bytes, directory: Path, size_mb: int, files: int,
                      suffix: str) -> list[Path]:
    """``files`` files ``part-NNNN.<suffix>`` of about ``size_mb`` MB in all, each ``block`` repeated."""
    directory.mkdir(parents=True, exist_ok=True)
    per_file = max(1, (size_mb << 20) // files // len(block))
    paths = []
    for i in range(files):
        path = directory / f"part-{i:04d}.{suffix}"
        with open(path, "wb") as out:
            for _ in range(per_file):
                out.write(block)
        paths.append(path)
    return paths
