# smemu's container image: what runs inside a SageMaker built-in algorithm container, nothing more
# (smemu.containers, the algorithms, the formats and their runtime dependencies: numpy, scipy,
# protobuf, threadpoolctl, faiss-cpu for k-NN, and waitress for `serve`; no API server, no boto3,
# no docker SDK).
#
# SageMaker runs it as `docker run <image> train` (or `serve`), so the entrypoint is exec-form and
# takes that word as its argument. One image serves every algorithm; each per-algorithm tag
# (smemu/kmeans:1, smemu/linear-learner:1) is built with SMEMU_ALGORITHM set to the algorithm's name,
# the way each real algorithm has its own image.
#
# Build it with `smemu build-images`, which puts the wheels into the build context: wheels/smemu/
# (smemu's own, built from this checkout) and wheels/dependencies/ (its runtime dependencies at
# the versions the host runs, listed in runtime-requirements.txt there),
# labels the image with a hash of everything that went into it, and rebuilds only when that changes.
# BASE defaults to a public Python image; `smemu build-images --offline-base` first makes one with
# debootstrap (Debian bookworm, python3 3.11) for machines that reach no image registry.
ARG BASE=python:3.11-slim
FROM ${BASE}

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_BREAK_SYSTEM_PACKAGES=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# the dependencies first, in their own layer: it stays cached while only smemu's sources change
COPY wheels/dependencies/ /tmp/smemu-dependencies/
RUN python3 -m pip install --no-index --find-links /tmp/smemu-dependencies \
        -r /tmp/smemu-dependencies/runtime-requirements.txt \
 && rm -rf /tmp/smemu-dependencies
# --no-deps keeps smemu's host-side dependencies (flask, boto3, docker) out of the image.
COPY wheels/smemu/ /tmp/smemu-wheel/
RUN python3 -m pip install --no-index --no-deps /tmp/smemu-wheel/*.whl \
 && rm -rf /tmp/smemu-wheel \
 && python3 -c "import smemu.containers.train, smemu.containers.serve; from smemu.algorithms import algorithm_names, get_algorithm; \
[get_algorithm(name) for name in algorithm_names()]"

ARG SMEMU_ALGORITHM=
ENV SMEMU_ALGORITHM=${SMEMU_ALGORITHM}
WORKDIR /opt/ml
ENTRYPOINT ["python3", "-m", "smemu.containers"]
