"""``smemu serve``: serve a trained model as the built-in algorithm's hosting container would."""

from __future__ import annotations

import signal
import sys

from smemu import contract
from smemu.algorithms.errors import CustomerError
from smemu.algorithms.registry import serving_algorithms


def add_model_arguments(parser) -> None:
    """--model and --algorithm: what serves (smemu serve, and smemu transform through it)."""
    parser.add_argument("--model", required=True, metavar="URI",
                        help="the model.tar.gz: a path, a file:// or an s3:// URI")
    parser.add_argument("--algorithm", required=True, choices=serving_algorithms(),
                        help="the built-in algorithm that trained the model")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve a model.tar.gz on /ping and /invocations, like a SageMaker endpoint",
        description="Unpack a model.tar.gz a training job wrote and answer GET /ping and POST "
                    "/invocations as the built-in algorithm's hosting container does, on "
                    "127.0.0.1. Stop with Ctrl-C.")
    add_model_arguments(parser)
    parser.add_argument("--port", type=int, default=contract.SERVING_PORT,
                        help=f"port to listen on (default {contract.SERVING_PORT})")
    parser.add_argument("--backend", choices=["process", "docker"], default="process",
                        help="run the serving container as a local process (default) or in "
                             "the algorithm's smemu Docker image (smemu build-images)")
    parser.set_defaults(func=run)


def _interrupt(signum, frame):
    """SIGTERM ends the command as Ctrl-C does, stopping the container with it."""
    raise KeyboardInterrupt


def run(args) -> int:
    from smemu.emulator.serving import LocalEndpoint, ServingError

    endpoint = LocalEndpoint(args.model, args.algorithm, port=args.port, backend=args.backend)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        endpoint.start()
        print(f"smemu: serving the {args.algorithm} model {args.model} at {endpoint.url} "
              f"(POST {endpoint.url}/invocations, GET {endpoint.url}/ping). Ctrl-C stops it.",
              flush=True)
        code = endpoint.wait()   # returns only if the container ends by itself
        print(f"smemu serve: the serving container exited with status {code}.", file=sys.stderr)
        return 1
    except (ServingError, CustomerError) as exc:
        print(f"smemu serve: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        endpoint.stop()
