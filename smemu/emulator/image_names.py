"""Which built-in algorithm a job's image names, and the names of smemu's own images.

Users name a built-in algorithm the way they would for SageMaker: the ECR image
(``382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1``, what ``sagemaker.image_uris.retrieve``
returns), or a short name (``kmeans``, ``linear-learner``), optionally with a tag. The
repository part of the image is one of an algorithm descriptor's ``image_repositories``
(:func:`algorithm_for_image`). smemu's image for an algorithm is ``smemu/<algorithm>:1``
(:func:`image_name`; :mod:`smemu.emulator.images` builds them).
"""

from __future__ import annotations

import re

from smemu.algorithms.registry import descriptor_for_repository, descriptors

IMAGE_TAG = "1"
IMAGE_REPOSITORY = "smemu"


# <registry>/<repository>[:<tag>|@<digest>]; the registry part is optional
_IMAGE = re.compile(r"^(?:(?P<registry>[^/]+)/)?(?P<repo>[a-z0-9][a-z0-9._\-/]*?)(?::(?P<tag>[\w.\-]+))?(?:@sha256:[0-9a-f]+)?$")

EXAMPLE_IMAGE = "{account}.dkr.ecr.us-east-1.amazonaws.com/{repository}:{tag}"


class UnknownImage(ValueError):
    """The image or algorithm name is not one smemu emulates; str() lists what it does emulate."""


def emulated_images() -> str:
    return ", ".join(
        f"{name} (e.g. {EXAMPLE_IMAGE.format(account=d.image_account, repository=d.image_repositories[0], tag=d.image_tags[0])})"
        for name, d in descriptors().items())


def algorithm_for_image(image: str) -> str:
    """The registry name of the algorithm ``image`` (an ECR image URI or short name) runs."""
    text = (image or "").strip()
    match = _IMAGE.match(text)
    if match:
        descriptor = descriptor_for_repository(match.group("repo").rsplit("/", 1)[-1])
        if descriptor is not None:
            return descriptor.name
    raise UnknownImage(
        f"smemu does not emulate the training image {image!r}. It emulates the built-in "
        f"algorithms {emulated_images()}; name one of them by its image or short name.")


def image_name(algorithm: str) -> str:
    """The image that runs ``algorithm``, e.g. ``smemu/kmeans:1``."""
    return f"{IMAGE_REPOSITORY}/{algorithm}:{IMAGE_TAG}"
