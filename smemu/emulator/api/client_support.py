"""What client code expects of the SageMaker API beyond the resources smemu runs:

* ``empty_operations()``: the read-only List calls that SDK code paths make (``Predictor.
  list_monitors()``, ``endpoint_context()``, lineage look-ups, SDK clean-ups) answered as SageMaker
  answers them for an account that has none of those resources;
* ``with_describe_defaults(operations)``: the members SageMaker always returns in Describe*
  answers, filled where smemu's record has none (e.g. ``OutputDataConfig.KmsKeyId`` is ``""``
  when unset: the SDK's ``Estimator.attach`` reads it unconditionally);
* ``synchronous(operations)``: for ``smemu server --synchronous`` (the pytest plugin's server), a
  Create*/Update* call answers once its resource has reached a final or steady status, so that the
  SDK's waiters, which poll every 5 to 30 seconds, find it done at their first look.
"""

from __future__ import annotations

import time
from typing import Callable


#: List operations answered with an empty list (the member name comes from botocore's model)
EMPTY_LISTS = (
    "ListMonitoringSchedules", "ListMonitoringExecutions", "ListContexts", "ListActions",
    "ListArtifacts", "ListAssociations", "ListExperiments", "ListTrials", "ListTrialComponents",
    "ListModelPackageGroups", "ListModelPackages", "ListPipelines", "ListProcessingJobs",
    "ListCompilationJobs", "ListDataQualityJobDefinitions", "ListModelQualityJobDefinitions",
    "ListModelBiasJobDefinitions", "ListModelExplainabilityJobDefinitions",
    "ListInferenceComponents", "ListInferenceRecommendationsJobs",
)

#: Describe operation -> {member: {nested member: default}} or {member: default}
DESCRIBE_DEFAULTS = {
    "DescribeTrainingJob": {"OutputDataConfig": {"KmsKeyId": ""},
                            "EnableNetworkIsolation": False,
                            "EnableInterContainerTrafficEncryption": False,
                            "EnableManagedSpotTraining": False},
    "DescribeModel": {"EnableNetworkIsolation": False},
    "DescribeTransformJob": {"TransformOutput": {"KmsKeyId": ""}},
}

#: Create/Update operation -> (Describe operation, the request member naming the resource,
#: the status member, the statuses that end the wait)
_WAITS = {
    "CreateTrainingJob": ("DescribeTrainingJob", "TrainingJobName", "TrainingJobStatus",
                          ("Completed", "Failed", "Stopped")),
    "CreateTransformJob": ("DescribeTransformJob", "TransformJobName", "TransformJobStatus",
                           ("Completed", "Failed", "Stopped")),
    "CreateEndpoint": ("DescribeEndpoint", "EndpointName", "EndpointStatus",
                       ("InService", "Failed", "OutOfService")),
    "UpdateEndpoint": ("DescribeEndpoint", "EndpointName", "EndpointStatus",
                       ("InService", "Failed", "OutOfService")),
}
SYNCHRONOUS_LIMIT = 3600.0


def _list_member(operation: str) -> str:
    """The list member of ``operation``'s answer in botocore's model (``ListContexts`` ->
    ``ContextSummaries``)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    members = model.operation_model(operation).output_shape.members
    return next(name for name, shape in members.items() if shape.type_name == "list")


def empty_operations() -> dict[str, Callable]:
    return {name: (lambda body, member=_list_member(name): {member: []}) for name in EMPTY_LISTS}


def _fill(record, defaults: dict) -> None:
    for member, default in defaults.items():
        if isinstance(default, dict):
            if isinstance(record.get(member), dict):
                _fill(record[member], default)
        else:
            record.setdefault(member, default)


def with_describe_defaults(operations: dict[str, Callable], prefix: str = "SageMaker") -> dict:
    wrapped = dict(operations)
    for operation, defaults in DESCRIBE_DEFAULTS.items():
        target = f"{prefix}.{operation}"
        if target not in operations:
            continue

        def describe(body, handler=operations[target], defaults=defaults):
            answer = handler(body)
            if isinstance(answer, dict):
                answer = dict(answer)
                _fill(answer, defaults)
            return answer

        wrapped[target] = describe
    return wrapped


def synchronous(operations: dict[str, Callable], prefix: str = "SageMaker",
                poll: float = 0.05) -> dict:
    wrapped = dict(operations)
    for operation, (describe, member, status, final) in _WAITS.items():
        target, describe_target = f"{prefix}.{operation}", f"{prefix}.{describe}"
        if target not in operations or describe_target not in operations:
            continue

        def create(body, handler=operations[target], describe=operations[describe_target],
                   member=member, status=status, final=final):
            answer = handler(body)
            deadline = time.monotonic() + SYNCHRONOUS_LIMIT
            while time.monotonic() < deadline:
                if describe({member: body.get(member)}).get(status) in final:
                    break
                time.sleep(poll)
            return answer

        wrapped[target] = create
    return wrapped
