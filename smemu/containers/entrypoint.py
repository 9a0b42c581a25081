"""Dispatch ``train`` / ``serve`` as the built-in images' entrypoint does."""

from __future__ import annotations

import logging
import sys

from smemu.containers import logs

log = logging.getLogger("smemu.container")


def main(argv: list[str]) -> int:
    logs.configure(sys.stdout)
    log.info("Docker entrypoint called with argument(s): %s", " ".join(argv))
    command = argv[0] if argv else ""
    if command == "train":
        from smemu.containers.train import train
        return train()
    if command == "serve":
        from smemu.containers.serve import serve
        return serve()
    log.error("Unknown argument %r: the container takes 'train' or 'serve'.", command)
    return 2
