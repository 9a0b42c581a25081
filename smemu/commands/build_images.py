"""``smemu build-images``: build (or confirm) the Docker images the Docker backend runs."""

from __future__ import annotations

import sys

from smemu.algorithms import algorithm_names


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "build-images",
        help="build the Docker images smemu/<algorithm>:1 that behave like SageMaker's",
        description="Build smemu's Docker images (one tag per algorithm, e.g. smemu/kmeans:1) from "
                    "the repository's Dockerfile, with smemu installed from wheels built here. "
                    "An image whose inputs have not changed is kept as it is.")
    parser.add_argument("--base", default=None, metavar="IMAGE",
                        help="the base image, which must have python3 and pip "
                             "(default: python:3.11-slim, pulled if missing)")
    parser.add_argument("--offline-base", action="store_true",
                        help="make the base image without a registry: debootstrap Debian bookworm "
                             "with python3 and docker import it as smemu/base:bookworm "
                             "(needs root and debootstrap; about a minute, then cached)")
    parser.add_argument("--mirror", default=None,
                        help="the Debian mirror debootstrap uses (default: the one apt uses here)")
    parser.add_argument("--algorithm", action="append", choices=algorithm_names(), dest="algorithms",
                        help="build only this algorithm's image (may be repeated; default: all)")
    parser.add_argument("--force", action="store_true", help="rebuild even up-to-date images")
    parser.set_defaults(func=run)


def run(args) -> int:
    from smemu.emulator import images

    if args.base and args.offline_base:
        print("smemu build-images: use either --base or --offline-base, not both", file=sys.stderr)
        return 2
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    try:
        client = images.docker_client()
        results = images.build_images(client, base=args.base or images.DEFAULT_BASE,
                                      offline_base=args.offline_base, algorithms=args.algorithms,
                                      force=args.force, mirror=args.mirror, log=log)
    except images.ImageError as exc:
        print(f"smemu build-images: {exc}", file=sys.stderr)
        return 1
    for result in results:
        print(f"{result.name}\t{result.image_id[7:19]}\t{'built' if result.built else 'up to date'}")
    return 0
