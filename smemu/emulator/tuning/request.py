"""A CreateHyperParameterTuningJob request, checked as SageMaker checks it, made into a :class:`Plan`.

Every problem is collected before anything is refused (:class:`~smemu.emulator.spec.SpecError`
lists them all, by field path): botocore's model of the request (members, types, lengths,
enums), then SageMaker's own rules:

* the objective metric is one of the algorithm's tunable metrics (its descriptor's
  ``tunable_metrics``), with that metric's direction as ``Type``;
* every range names a hyperparameter of the algorithm, within its valid values
  (:mod:`smemu.emulator.tuning.ranges`);
* ``MaxNumberOfTrainingJobs`` is required except for ``Grid``, and ``MaxParallelTrainingJobs``
  may not exceed it; ``Grid`` takes categorical ranges only; ``Hyperband`` needs
  ``TrainingJobEarlyStoppingType`` Off and a ``MaxResource`` (given, or read from the static
  ``epochs``-like hyperparameters, as the API reference for HyperbandStrategyConfig says);
* the training job definition is a valid CreateTrainingJob request once a name and
  hyperparameters are filled in (the same checks ``smemu train`` makes);
* warm start parents exist, are no longer running, and share the objective (and, for
  ``IdenticalDataAndAlgorithm``, the training image and input data).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from smemu.algorithms.registry import get_descriptor
from smemu.emulator import api_model
from smemu.emulator.request_shapes import Problem, check_request
from smemu.emulator.spec import SpecError, TrainingJobSpec
from smemu.emulator.tuning.ranges import Range, parse_ranges
from smemu.emulator.tuning.strategies import GridSearch

TUNING_OBJECTIVE = "_tuning_objective_metric"
EPOCH_KEYS = ("epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs")
TERMINAL = ("Completed", "Stopped", "Failed")
# members of the definition that become the training request's members of the same name
TRAINING_MEMBERS = ("RoleArn", "InputDataConfig", "OutputDataConfig", "ResourceConfig",
                    "StoppingCondition", "VpcConfig", "EnableNetworkIsolation",
                    "EnableInterContainerTrafficEncryption", "EnableManagedSpotTraining",
                    "CheckpointConfig", "RetryStrategy", "Environment")


class TuningRequestError(SpecError):
    """A CreateHyperParameterTuningJob request SageMaker would refuse; lists every problem."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        lines = "\n".join(f"  - {p}" for p in problems)
        n = len(problems)
        ValueError.__init__(self, f"{n} problem{'s' if n != 1 else ''} with the tuning job "
                                  f"request:\n{lines}")


@dataclass
class Plan:
    """What the scheduler needs, from a valid request."""

    name: str
    request: dict                     # the request, local URIs resolved
    algorithm: str
    objective: str
    direction: str                    # Minimize | Maximize
    strategy: str
    ranges: list[Range]
    max_jobs: int
    max_parallel: int
    early_stopping: str = "Off"
    min_resource: int = 1
    max_resource: int | None = None
    seed: int | None = None
    target: float | None = None       # TuningJobCompletionCriteria.TargetObjectiveMetricValue
    parents: list[dict] = field(default_factory=list)   # parent tuning job records

    @property
    def definition(self) -> dict:
        return self.request["TrainingJobDefinition"]

    def training_request(self, job_name: str, tuned: dict[str, str]) -> dict:
        """The CreateTrainingJob request of one training job."""
        definition = self.definition
        request = {"TrainingJobName": job_name}
        spec = definition["AlgorithmSpecification"]
        request["AlgorithmSpecification"] = {k: spec[k] for k in (
            "TrainingImage", "AlgorithmName", "TrainingInputMode", "MetricDefinitions") if k in spec}
        for member in TRAINING_MEMBERS:
            if member in definition:
                request[member] = copy.deepcopy(definition[member])
        if "ResourceConfig" not in request and "HyperParameterTuningResourceConfig" in definition:
            hp_resources = definition["HyperParameterTuningResourceConfig"]
            request["ResourceConfig"] = {k: hp_resources[k] for k in (
                "InstanceType", "InstanceCount", "VolumeSizeInGB") if k in hp_resources}
        hyperparameters = dict(definition.get("StaticHyperParameters") or {})
        hyperparameters.update(tuned)
        hyperparameters.setdefault(TUNING_OBJECTIVE, self.objective)
        request["HyperParameters"] = hyperparameters
        if self.request.get("Tags"):
            request["Tags"] = copy.deepcopy(self.request["Tags"])
        return request


def plan(request, base_dir=None, load_parent=None) -> Plan:
    """Check ``request``; :class:`SpecError` lists every problem. ``load_parent(name)`` gives a
    parent tuning job's record (a KeyError when there is none) for warm start."""
    if not isinstance(request, dict):
        raise TuningRequestError([Problem("", "The request must be a JSON object with the members of a "
                                     "CreateHyperParameterTuningJob request.")])
    shape = api_model.request_shape("CreateHyperParameterTuningJob")
    problems: list[Problem] = check_request(shape, request) if shape else []
    request = copy.deepcopy(request)
    found: list[tuple[str, str]] = []
    config = request.get("HyperParameterTuningJobConfig")
    config = config if isinstance(config, dict) else {}
    definition = request.get("TrainingJobDefinition")
    if request.get("TrainingJobDefinitions"):
        found.append(("TrainingJobDefinitions", "smemu runs tuning jobs of one algorithm: give "
                      "one TrainingJobDefinition instead of TrainingJobDefinitions."))
    if request.get("Autotune"):
        found.append(("Autotune", "smemu does not choose the tuning configuration for you: leave "
                      "Autotune out and give the ranges, strategy and limits."))
    if not isinstance(definition, dict):
        if not request.get("TrainingJobDefinitions"):
            found.append(("TrainingJobDefinition", "Member must not be null: describe the "
                          "training jobs to run."))
        _raise(problems, found)
    objective = config.get("HyperParameterTuningJobObjective") or definition.get("TuningObjective")
    ranges_in = definition.get("HyperParameterRanges") or config.get("ParameterRanges")
    ranges_path = ("TrainingJobDefinition.HyperParameterRanges" if definition.get("HyperParameterRanges")
                   else "HyperParameterTuningJobConfig.ParameterRanges")
    static = definition.get("StaticHyperParameters") or {}
    static = static if isinstance(static, dict) else {}
    strategy = config.get("Strategy")

    # the training jobs: a CreateTrainingJob request with the lower bounds filled in ---------------
    trial = Plan(name=str(request.get("HyperParameterTuningJobName") or "x"), request=request,
                 algorithm="", objective="", direction="Minimize", strategy=str(strategy),
                 ranges=[], max_jobs=1, max_parallel=1)
    spec = None
    try:
        spec = TrainingJobSpec.from_request(trial.training_request("x", {}), base_dir)
    except SpecError as error:
        for p in error.problems:
            if p.path.startswith("HyperParameters") or p.path == "TrainingJobName":
                continue
            found.append((f"TrainingJobDefinition.{p.path}" if p.path else "TrainingJobDefinition",
                          p.message))
    if spec is not None:
        # keep the resolved URIs (file:// made absolute) for the jobs
        for member in ("InputDataConfig", "OutputDataConfig"):
            if member in spec.request:
                definition[member] = spec.request[member]
    descriptor = get_descriptor(spec.algorithm) if spec is not None else None

    # objective ----------------------------------------------------------------------------------
    direction = None
    metric = objective.get("MetricName") if isinstance(objective, dict) else None
    if objective is None:
        found.append(("HyperParameterTuningJobConfig.HyperParameterTuningJobObjective",
                      "Member must not be null: name the objective metric and whether to "
                      "Minimize or Maximize it."))
    elif descriptor is not None and isinstance(metric, str):
        tunable = {m.name: m.direction for m in descriptor.tunable_metrics}
        if metric not in tunable:
            listed = ", ".join(f"{n} ({d})" for n, d in tunable.items()) or "none"
            found.append(("HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.MetricName",
                          f"'{metric}' is not a tunable metric of {descriptor.name}; its tunable "
                          f"metrics are: {listed}."))
        else:
            direction = tunable[metric]
            if objective.get("Type") not in (None, direction):
                found.append(("HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.Type",
                              f"{metric} must be {direction}d with {descriptor.name}, not "
                              f"{objective.get('Type')}d: set Type to {direction}."))

    # ranges -------------------------------------------------------------------------------------
    ranges: list[Range] = []
    if descriptor is not None:
        raw: list = []
        ranges = parse_ranges(ranges_in, descriptor.schema, static, ranges_path, raw)
        found += raw
        tuned = {item.get("Name") for member in ("IntegerParameterRanges", "ContinuousParameterRanges",
                                                 "CategoricalParameterRanges")
                 for item in ((ranges_in if isinstance(ranges_in, dict) else {}).get(member) or [])
                 if isinstance(item, dict)}
        sample = dict(static)
        sample.update({r.name: (r.values[0] if r.values else r.text(r.low)) for r in ranges})
        for error in descriptor.schema.problems(sample):
            if error.name not in tuned:
                found.append(("TrainingJobDefinition.StaticHyperParameters", str(error)))
    if isinstance(ranges_in, dict) and ranges_in.get("AutoParameters"):
        found.append((f"{ranges_path}.AutoParameters", "smemu does not choose ranges for you "
                      "(Autotune): give Integer, Continuous or Categorical ranges."))
    if not ranges and not problems and not found:
        found.append((ranges_path, "Give at least one hyperparameter range to tune."))

    # limits and strategy ------------------------------------------------------------------------
    limits = config.get("ResourceLimits") if isinstance(config.get("ResourceLimits"), dict) else {}
    max_jobs = limits.get("MaxNumberOfTrainingJobs")
    max_parallel = limits.get("MaxParallelTrainingJobs")
    if strategy == "Grid":
        if any(r.kind != "Categorical" for r in ranges):
            found.append((ranges_path, "The Grid strategy takes categorical ranges only; make "
                          "every range a CategoricalParameterRange or use another strategy."))
        elif ranges:
            size = GridSearch.size(ranges)
            max_jobs = size if max_jobs is None else min(max_jobs, size)
    elif max_jobs is None and isinstance(strategy, str):
        found.append(("HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs",
                      f"Member must not be null with the {strategy} strategy."))
    if isinstance(max_jobs, int) and isinstance(max_parallel, int) and max_parallel > max_jobs \
            and strategy != "Grid":
        found.append(("HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs",
                      f"MaxParallelTrainingJobs ({max_parallel}) may not exceed "
                      f"MaxNumberOfTrainingJobs ({max_jobs})."))
    early = config.get("TrainingJobEarlyStoppingType") or "Off"
    min_resource, max_resource = 1, None
    strategy_config = config.get("StrategyConfig") or {}
    hyperband = strategy_config.get("HyperbandStrategyConfig") if isinstance(strategy_config, dict) else None
    if hyperband and strategy != "Hyperband":
        found.append(("HyperParameterTuningJobConfig.StrategyConfig", "HyperbandStrategyConfig "
                      "is for the Hyperband strategy only."))
    if strategy == "Hyperband":
        hyperband = hyperband if isinstance(hyperband, dict) else {}
        if early != "Off":
            found.append(("HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType",
                          "Hyperband stops training jobs early itself: set "
                          "TrainingJobEarlyStoppingType to Off."))
        max_resource = hyperband.get("MaxResource")
        if max_resource is None:
            epochs = next((static[k] for k in EPOCH_KEYS if k in static), None)
            try:
                max_resource = int(epochs) if epochs is not None else None
            except ValueError:
                max_resource = None
        if max_resource is None:
            found.append(("HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MaxResource",
                          "Give MaxResource, or a static hyperparameter it can be read from "
                          f"({', '.join(EPOCH_KEYS)})."))
        min_resource = hyperband.get("MinResource") or 1
        if isinstance(max_resource, int) and isinstance(min_resource, int) and min_resource > max_resource:
            found.append(("HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MinResource",
                          f"MinResource ({min_resource}) may not exceed MaxResource ({max_resource})."))

    # warm start ---------------------------------------------------------------------------------
    parents = _check_warm_start(request.get("WarmStartConfig"), metric, definition, load_parent, found)
    criteria = config.get("TuningJobCompletionCriteria") or {}
    target = criteria.get("TargetObjectiveMetricValue") if isinstance(criteria, dict) else None

    _raise(problems, found)
    return Plan(name=request["HyperParameterTuningJobName"], request=request,
                algorithm=spec.algorithm, objective=metric, direction=direction,
                strategy=strategy, ranges=ranges, max_jobs=max_jobs, max_parallel=max_parallel,
                early_stopping=early, min_resource=min_resource, max_resource=max_resource,
                seed=config.get("RandomSeed"), target=target, parents=parents)


def _check_warm_start(warm, metric, definition, load_parent, found) -> list[dict]:
    if not isinstance(warm, dict):
        return []
    parents = []
    for i, entry in enumerate(warm.get("ParentHyperParameterTuningJobs") or []):
        name = entry.get("HyperParameterTuningJobName") if isinstance(entry, dict) else None
        path = f"WarmStartConfig.ParentHyperParameterTuningJobs[{i}].HyperParameterTuningJobName"
        if not isinstance(name, str):
            continue
        try:
            parent = load_parent(name) if load_parent else None
        except KeyError:
            parent = None
        if parent is None:
            found.append((path, f"there is no hyperparameter tuning job named '{name}'."))
            continue
        if parent.get("HyperParameterTuningJobStatus") not in TERMINAL:
            found.append((path, f"the parent tuning job '{name}' is "
                          f"{parent.get('HyperParameterTuningJobStatus')}; a warm start parent "
                          "must have ended (Completed, Stopped or Failed)."))
        parent_objective = parent["HyperParameterTuningJobConfig"].get(
            "HyperParameterTuningJobObjective") or {}
        if metric is not None and parent_objective.get("MetricName") != metric:
            found.append((path, f"the parent tuning job '{name}' optimises "
                          f"{parent_objective.get('MetricName')}, not {metric}; warm start needs "
                          "the same objective metric."))
        if warm.get("WarmStartType") == "IdenticalDataAndAlgorithm":
            theirs = parent.get("TrainingJobDefinition") or {}
            mine_image = (definition.get("AlgorithmSpecification") or {}).get("TrainingImage")
            their_image = (theirs.get("AlgorithmSpecification") or {}).get("TrainingImage")
            if mine_image != their_image:
                found.append((path, f"IdenticalDataAndAlgorithm needs the parent's training "
                              f"image ({their_image}), not {mine_image}; use TransferLearning."))
            if _data(theirs) != _data(definition):
                found.append((path, "IdenticalDataAndAlgorithm needs the parent's input data "
                              "(the same channels and URIs); use TransferLearning."))
        parents.append(parent)
    return parents


def _data(definition: dict) -> list:
    return sorted((c.get("ChannelName"), ((c.get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri"))
                  for c in definition.get("InputDataConfig") or [] if isinstance(c, dict))


def _raise(problems: list[Problem], found: list[tuple[str, str]]) -> None:
    problems = problems + [Problem(path, message) for path, message in found]
    if problems:
        raise TuningRequestError(problems)
