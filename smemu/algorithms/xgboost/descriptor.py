"""XGBoost as smemu knows it: SageMaker's built-in ``sagemaker-xgboost`` image, algorithm mode.

Channels and content types follow the AWS developer guide page "XGBoost algorithm with Amazon
SageMaker AI" and the container's ``data_utils.py`` (GitHub aws/sagemaker-xgboost-container): a
channel without ContentType is read as LIBSVM. The metric definitions are the ones the service
injects for XGBoost jobs, as DescribeTrainingJob shows them for ``sagemaker-xgboost`` images
(``.*\\[[0-9]+\\].*#011validation-auc:(...)``: CloudWatch writes the tab of xgboost's round lines
as ``#011``); tunable metrics follow "Tune an XGBoost Model" and the container's metric list.

smemu emulates the 1.7-1 image's behaviour (the hyperparameter checks, readers and serving of that
release) on the ``xgboost`` library smemu installs; the other tags of the repository are accepted
and behave the same.
"""

from __future__ import annotations

from smemu.algorithms.descriptor import (
    CSV, RECORDIO_PROTOBUF, AlgorithmDescriptor, ChannelRule, MetricDefinition, TunableMetric)
from smemu.algorithms.xgboost.schema import MAXIMIZE_METRICS, SCHEMA

LIBSVM = "text/libsvm"
PARQUET = "application/x-parquet"
CONTENT_TYPES = (CSV, LIBSVM, RECORDIO_PROTOBUF, PARQUET)
# the short names the container's get_content_type takes too
ALIASES = {"csv": CSV, "libsvm": LIBSVM, "text/x-libsvm": LIBSVM,
           "recordio-protobuf": RECORDIO_PROTOBUF, "parquet": PARQUET}
# the 1.7-1 container's LIBSVM reader is XGBoost's own, from files only
PIPE_REFUSALS = {LIBSVM: "Pipe mode not supported for LibSVM."}
NUMBER = r"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"

#: the metrics whose definitions the service injects, for channels train and validation
METRICS = ("accuracy", "auc", "aucpr", "cox-nloglik", "error", "f1", "gamma-deviance",
           "gamma-nloglik", "logloss", "mae", "map", "merror", "mlogloss", "mse", "ndcg",
           "poisson-nloglik", "rmse", "tweedie-nloglik")
#: xgboost prints this one as ``tweedie-nloglik@<rho>``: its regex never matches
NEVER_PRINTED = ("tweedie-nloglik",)


def _definition(channel: str, metric: str) -> MetricDefinition:
    return MetricDefinition(f"{channel}:{metric}",
                            rf".*\[[0-9]+\].*#011{channel}-{metric}:{NUMBER}.*",
                            printed=metric not in NEVER_PRINTED)


def _metric_definitions() -> tuple[MetricDefinition, ...]:
    out = [_definition(channel, metric) for metric in METRICS
           for channel in ("train", "validation")]
    out.append(_definition("validation", "r2"))
    return tuple(out)


def _tunable() -> tuple[TunableMetric, ...]:
    names = [m for m in METRICS if m not in NEVER_PRINTED] + ["r2"]
    return tuple(TunableMetric(f"validation:{m}",
                               "Maximize" if m in MAXIMIZE_METRICS else "Minimize")
                 for m in sorted(names))


DESCRIPTOR = AlgorithmDescriptor(
    name="xgboost",
    image_repositories=("sagemaker-xgboost",),
    image_account="683313688378",
    image_tags=("1.7-1", "1.5-1", "1.3-1", "1.2-2", "1.2-1", "1.0-1", "0.90-2", "0.90-1",
                "3.0-5"),
    metrics_dimension="XGBoost",
    schema=SCHEMA,
    channels=(
        ChannelRule("train", required=True, content_types=CONTENT_TYPES,
                    default_content_type=LIBSVM, content_type_aliases=ALIASES,
                    pipe_refusals=PIPE_REFUSALS, doc="labelled records"),
        ChannelRule("validation", content_types=CONTENT_TYPES, default_content_type=LIBSVM,
                    content_type_aliases=ALIASES, pipe_refusals=PIPE_REFUSALS,
                    doc="evaluated each round; early stopping watches it"),
    ),
    supervised=True,
    metric_definitions=_metric_definitions(),
    tunable_metrics=_tunable(),
    trainer="smemu.algorithms.xgboost:XGBoost",
    input_checks="smemu.algorithms.xgboost.checks:XGBoostChecks",
    predictor="smemu.algorithms.xgboost.inference:load_model",
    model_files=("xgboost-model",),
    sample="smemu.algorithms.xgboost.sample:samples",
)
