"""``smemu transform``: batch inference over files, as a SageMaker BatchTransform job runs it."""

from __future__ import annotations

import sys

from smemu.algorithms.errors import CustomerError
from smemu.commands.serve import add_model_arguments


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "transform", help="run a model over files (batch transform), writing <name>.out answers",
        description="Serve a model.tar.gz as the built-in algorithm's container does, send every "
                    "object under --input through it the way a SageMaker BatchTransform job "
                    "does, and write each object's answers to <output>/<its name>.out.")
    add_model_arguments(parser)
    parser.add_argument("--input", required=True, metavar="URI",
                        help="a file, a directory or an S3 prefix: every object under it")
    parser.add_argument("--output", required=True, metavar="URI",
                        help="directory or S3 prefix for the .out files")
    parser.add_argument("--content-type", default="text/csv",
                        help="ContentType of the input (default text/csv)")
    parser.add_argument("--accept", help="Accept: the answers' type (default: the container's, "
                                         "application/json)")
    parser.add_argument("--split-type", choices=("Line", "RecordIO", "None"), default="Line",
                        help="how to split the input into records (default Line)")
    parser.add_argument("--strategy", choices=("MultiRecord", "SingleRecord"),
                        default="MultiRecord", help="BatchStrategy (default MultiRecord)")
    parser.add_argument("--assemble-with", choices=("Line", "None"), default="Line",
                        help="AssembleWith: a newline after each answer (Line, default) or none")
    parser.add_argument("--max-payload", type=int, default=6, metavar="MB",
                        help="MaxPayloadInMB per request (default 6)")
    parser.add_argument("--max-concurrent", type=int, default=1, metavar="N",
                        help="MaxConcurrentTransforms: requests in flight (default 1)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from smemu.emulator.serving import ServingError
    from smemu.emulator.transform import TransformConfig, TransformError, run_transform

    config = TransformConfig(content_type=args.content_type, accept=args.accept,
                             split_type=args.split_type, strategy=args.strategy,
                             assemble_with=args.assemble_with, max_payload_mb=args.max_payload,
                             max_concurrent=args.max_concurrent)
    log: list[str] = []

    def done(source, target, requests):
        print(f"{source} -> {target} ({requests} request{'s' if requests != 1 else ''})",
              flush=True)

    try:
        run_transform(args.model, args.algorithm, args.input, args.output, config,
                      on_log_line=log.append, on_object=done)
    except (TransformError, ServingError, CustomerError) as error:
        print(f"smemu transform: {error}", file=sys.stderr)
        for line in log[-20:]:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0
