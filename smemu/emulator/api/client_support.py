"""What client code expects of the SageMaker API beyond the resources smemu runs:

* ``empty_operations()``: the read-only List calls that SDK code paths make (``Predictor.
  list_monitors()``, ``endpoint_context()``, lineage look-ups, SDK clean-ups) answered as SageMaker
  answers them for an account that has none of those resources;
* ``with_describe_defaults(operations)``: the members SageMaker always returns in Describe*
  answers, filled where smemu's record has none (e.g. ``OutputDataConfig.KmsKeyId`` is ``""``
  when unset: the SDK's ``Estimator.attach`` reads it unconditionally).
"""

from __future__ import annotations

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
