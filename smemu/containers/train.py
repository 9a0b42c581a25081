"""The training entrypoint: read the /opt/ml contract, train the algorithm, write the model.

The algorithm is ``SMEMU_ALGORITHM`` (a ``smemu.algorithms`` registry name; each Docker image tag
sets it). A failure writes ``/opt/ml/output/failure`` — ``ClientError: ...`` for the user's mistakes
(bad hyperparameters, channels or data: ``CustomerError``/``FormatError``), ``AlgorithmError: ...``
otherwise — and returns a non-zero exit code. Only an AlgorithmError logs a traceback.
"""

from __future__ import annotations

import logging
import os
import traceback

from smemu import contract
from smemu.algorithms.registry import get_descriptor
from smemu.algorithms.channel_config import channel_problems, content_type_problem
from smemu.algorithms.builtin_errors import message_of
from smemu.algorithms.errors import CustomerError
from smemu.algorithms.reporting import Reporter
from smemu.containers.artifacts import write_model
from smemu.containers.channels import open_channels
from smemu.containers.paths import OptML
from smemu.formats import FormatError
from smemu.formats.content_types import IMAGE, PUBLIC_NAMES, parse_content_type

log = logging.getLogger("smemu.container")

# where the real images keep their defaults (the file is the descriptor's default_config_file);
# printed as they print it
DEFAULT_CONFIG_DIR = "/opt/amazon/lib/python3.7/site-packages/algorithm/resources"
EXIT_FAILED = 1


class AlgorithmSetupError(Exception):
    """The container itself is misconfigured (an AlgorithmError, not the user's mistake)."""


def train(opt_ml: OptML | None = None) -> int:
    opt_ml = opt_ml or OptML()
    try:
        _train(opt_ml)
        return 0
    except (CustomerError, FormatError) as exc:
        message = message_of(exc)
        log.error("Customer Error: %s", message)
        _write_failure(opt_ml, f"ClientError: {message}")
    except Exception as exc:   # anything else is the algorithm's (smemu's) fault
        log.error("%s", traceback.format_exc().rstrip())
        _write_failure(opt_ml, f"AlgorithmError: {type(exc).__name__}: {exc}")
    return EXIT_FAILED


def _algorithm():
    name = os.environ.get(contract.ENV_ALGORITHM, "")
    if not name:
        raise AlgorithmSetupError(f"{contract.ENV_ALGORITHM} is not set; the image must name its algorithm.")
    try:
        return get_descriptor(name).new_trainer()
    except CustomerError as exc:
        raise AlgorithmSetupError(str(exc)) from None


def _train(opt_ml: OptML) -> None:
    algorithm = _algorithm()
    provided = opt_ml.hyperparameters()
    log.info("Reading default configuration from %s/%s: %r", DEFAULT_CONFIG_DIR,
             algorithm.descriptor.default_config_file, algorithm.schema.defaults())
    log.info("Merging with provided configuration from %s: %r",
             opt_ml.logical(opt_ml.config_file(contract.HYPERPARAMETERS)), provided)
    config = algorithm.schema.resolve(provided)
    log.info("Final configuration: %r", config.raw)

    input_config = opt_ml.input_data_config()
    _check_channels(algorithm, input_config)
    channels = _open_channels(opt_ml, input_config, algorithm.descriptor)
    host = opt_ml.resource_config().get("current_host", contract.FIRST_HOST)
    reporter = Reporter(algorithm.metrics_name, host=host)
    # the algorithm prints its own progress, metrics, "Test data is not provided." and totaltime
    artifact = algorithm.train(config, channels, reporter)
    write_model(artifact, opt_ml.model_dir)


def _check_channels(algorithm, input_config: dict) -> None:
    problems = channel_problems(algorithm.descriptor, input_config)
    if problems:
        raise problems[0]


def _open_channels(opt_ml: OptML, input_config: dict, descriptor) -> dict:
    announced = set()
    input_config = {name: dict(cfg, ContentType=descriptor.content_type_of(
        name, cfg.get("ContentType"))) for name, cfg in input_config.items()}
    for name, cfg in input_config.items():
        content_type = cfg.get("ContentType")
        problem = content_type_problem(name, content_type, descriptor,
                                       cfg.get("TrainingInputMode"))
        if problem is not None:
            raise problem
        media, _params = parse_content_type(content_type)
        if media not in announced:
            announced.add(media)
            shown = PUBLIC_NAMES.get(media, media)
            log.info("Loaded iterator creator %s for content type (%r, '1.0')", shown, shown)
    listings = {}
    for rule in descriptor.channels:
        config = input_config.get(rule.name)
        if rule.listed_by and config and rule.listed_by in input_config and \
                parse_content_type(config.get("ContentType"))[0] == IMAGE:
            listings[rule.name] = (rule.listed_by, rule.label_map_by
                                   if rule.label_map_by in input_config else None)
    return open_channels(opt_ml, input_config, descriptor, listings)


def _write_failure(opt_ml: OptML, text: str) -> None:
    try:
        opt_ml.output_dir.mkdir(parents=True, exist_ok=True)
        opt_ml.failure_file.write_text(text, encoding="utf-8")
    except OSError as exc:
        log.error("Could not write %s: %s", opt_ml.logical(opt_ml.failure_file), exc)
