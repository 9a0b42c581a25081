"""``serve``: the serving container's entrypoint (``python -m smemu.containers serve``).

Loads ``/opt/ml/model/model_algo-1`` (the root is ``$SMEMU_OPT_ML`` when set) for the algorithm
``$SMEMU_ALGORITHM`` and answers ``GET /ping`` and ``POST /invocations`` with waitress, a
production WSGI server, on ``0.0.0.0:8080`` — or ``$SAGEMAKER_BIND_TO_PORT``, as SageMaker's
multi-container endpoints ask ("Use Your Own Inference Code with Hosting Services", the SageMaker
developer guide). ``$SMEMU_BIND_HOST`` changes the address
(smemu's host side binds loopback only). SIGTERM stops it, as SageMaker stops an endpoint.

Other settings: ``SAGEMAKER_MAX_PAYLOAD_IN_MB`` (default 6),
``SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT`` (default: the model's container's, ``application/json``
but for XGBoost ``text/csv``), ``SMEMU_SERVING_THREADS``
(default 4).
"""

from __future__ import annotations

import logging
import os
import signal
import sys

from smemu import contract
from smemu.algorithms.errors import CustomerError
from smemu.algorithms.registry import get_descriptor, serving_algorithms
from smemu.containers import logs
from smemu.containers.artifacts import read_model
from smemu.containers.invocations import DEFAULT_MAX_PAYLOAD, MEGABYTE, InvocationsApp
from smemu.containers.media_types import JSON, MediaType
from smemu.containers.paths import LOGICAL_ROOT, OptML
from smemu.containers.response_encoding import RESPONSE_TYPES

log = logging.getLogger("smemu.serving")

DEFAULT_PORT = contract.SERVING_PORT


class ServingConfig:
    """The serving settings, read from the environment the platform gives the container."""

    def __init__(self, environ=None):
        env = os.environ if environ is None else environ
        self.opt_ml = OptML(env.get(contract.ENV_OPT_ML) or LOGICAL_ROOT)
        self.algorithm = env.get(contract.ENV_ALGORITHM, "")
        self.host = env.get(contract.ENV_BIND_HOST) or "0.0.0.0"
        self.port = _integer(env, contract.ENV_BIND_PORT, DEFAULT_PORT)
        self.threads = _integer(env, contract.ENV_SERVING_THREADS, 4)
        self.max_payload = _integer(env, "SAGEMAKER_MAX_PAYLOAD_IN_MB",
                                    DEFAULT_MAX_PAYLOAD // MEGABYTE) * MEGABYTE
        accept = MediaType.parse(env.get(contract.ENV_DEFAULT_ACCEPT) or JSON).essence
        if accept not in RESPONSE_TYPES:
            raise CustomerError(
                f"{contract.ENV_DEFAULT_ACCEPT} is {accept!r}; it must be one of "
                f"{', '.join(RESPONSE_TYPES)}.")
        # unset: the model's container's default (Predictor.default_accept), else JSON
        self.default_accept = accept if env.get(contract.ENV_DEFAULT_ACCEPT) else None
        self.batch = bool(env.get("SAGEMAKER_BATCH"))
        if not self.algorithm:
            raise CustomerError(
                f"{contract.ENV_ALGORITHM} is not set: set it to the algorithm whose model this is "
                f"({', '.join(serving_algorithms())}).")


def _integer(env, name: str, default: int) -> int:
    value = env.get(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise CustomerError(f"{name} must be a positive whole number; it is {value!r}.")
    return number


def build_app(config: ServingConfig) -> InvocationsApp:
    """The application for the model in /opt/ml/model (loading it first)."""
    model_dir = config.opt_ml.model_dir
    shown_as = config.opt_ml.logical(model_dir)
    try:
        descriptor = get_descriptor(config.algorithm)
    except CustomerError:
        raise CustomerError(
            f"smemu cannot serve models of an algorithm called {config.algorithm!r}. "
            f"It serves: {', '.join(serving_algorithms())}.") from None
    if not descriptor.serves:
        raise CustomerError(f"smemu cannot serve {config.algorithm} models. "
                            f"It serves: {', '.join(serving_algorithms())}.")
    predictor = descriptor.load_predictor(read_model(model_dir, shown_as, descriptor.model_files))
    log.info("Loaded the %s model in %s (feature_dim=%d)", config.algorithm, shown_as,
             predictor.feature_dim)
    return InvocationsApp(predictor, config.algorithm, max_payload=config.max_payload,
                          default_accept=(config.default_accept or predictor.default_accept
                                          or JSON), batch=config.batch)


def create_server(app, config: ServingConfig):
    import waitress

    # waitress warns "Task queue depth is N" whenever a request waits for a thread; under load
    # that is every few requests, and not something a user of the endpoint can act on
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    # waitress refuses bodies far over the limit itself; the app answers those just over it
    return waitress.create_server(
        app, host=config.host, port=config.port, threads=config.threads,
        max_request_body_size=2 * config.max_payload, ident="smemu",
        clear_untrusted_proxy_headers=True, **CONNECTIONS)


# waitress' defaults (100 connections, 120 s idle timeout, select()) let 100 idle keep-alive clients
# hold every slot and the next ones wait ~120 s for one to time out: room for 1000 connections,
# idle ones closed after 30 s, and poll() (select() stops at descriptor 1024)
CONNECTIONS = {"connection_limit": 1000, "channel_timeout": 30, "asyncore_use_poll": True}


def serve() -> int:
    """Serve until SIGTERM; non-zero when the model cannot be loaded or the port is taken.
    (The container's entrypoint has configured logging.)"""
    try:
        config = ServingConfig()
        app = build_app(config)
        server = create_server(app, config)
    except CustomerError as exc:
        log.error("Customer Error: %s", exc)
        return 2
    except OSError as exc:
        log.error("Cannot listen on %s:%s: %s", os.environ.get(contract.ENV_BIND_HOST) or "0.0.0.0",
                  os.environ.get(contract.ENV_BIND_PORT) or DEFAULT_PORT, exc)
        return 1

    def stop(signum, frame):
        log.info("Received signal %d; shutting down", signum)
        raise SystemExit(0)     # out of server.run(); the finally below closes the server

    signal.signal(signal.SIGTERM, stop)
    log.info("Serving on http://%s:%s (POST /invocations, GET /ping), %d threads",
             config.host, server.effective_port, config.threads)
    sys.stdout.flush()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    logs.configure(sys.stdout)
    raise SystemExit(serve())
