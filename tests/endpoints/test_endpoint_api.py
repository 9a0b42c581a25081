"""boto3's sagemaker and sagemaker-runtime clients against a live smemu server: a k-means model
deployed through CreateModel / CreateEndpointConfig / CreateEndpoint, invoked in every request
format, answers checked against the centroids' own arithmetic; errors in the shapes AWS gives."""

from __future__ import annotations

import json
import os
import signal
from concurrent.futures import ThreadPoolExecutor

import botocore.exceptions
import numpy as np
import pytest
from endpoint_helpers import (CENTROIDS, IMAGE, ROLE, WAIT, csv_body, deploy, model_archive,
                              nearest, recordio_body, recordio_labels, runtime,
                              serving_processes, wait_until)

ROWS = np.random.default_rng(5).normal(size=(40, 4)).astype(np.float32) * 4


@pytest.fixture(scope="module")
def endpoint(server, model_uri):
    sagemaker = server.client()
    deploy(sagemaker, "kmeans-ep", model_uri)
    yield "kmeans-ep"


def check_predictions(predictions, rows=ROWS):
    cluster, distance = nearest(CENTROIDS, rows)
    assert [p["closest_cluster"] for p in predictions] == cluster.astype(float).tolist()
    np.testing.assert_allclose([p["distance_to_cluster"] for p in predictions], distance,
                               rtol=1e-4, atol=1e-4)


def test_describe_after_deploy(server, endpoint, model_uri):
    sagemaker = server.client()
    described = sagemaker.describe_endpoint(EndpointName=endpoint)
    assert described["EndpointStatus"] == "InService"
    assert described["EndpointArn"] == "arn:aws:sagemaker:us-east-1:123456789012:endpoint/kmeans-ep"
    assert described["EndpointConfigName"] == endpoint
    variant, = described["ProductionVariants"]
    assert variant["VariantName"] == "AllTraffic" and variant["CurrentInstanceCount"] == 1
    assert variant["DeployedImages"][0]["SpecifiedImage"] == IMAGE
    model = sagemaker.describe_model(ModelName=endpoint)
    assert model["PrimaryContainer"] == {"Image": IMAGE, "ModelDataUrl": model_uri}
    assert model["ExecutionRoleArn"] == ROLE
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint)
    assert config["ProductionVariants"][0]["ModelName"] == endpoint
    assert [e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]] == [endpoint]
    assert endpoint in [m["ModelName"] for m in sagemaker.list_models()["Models"]]


def test_invoke_csv_answers_json_by_default(server, endpoint):
    answer = runtime(server).invoke_endpoint(EndpointName=endpoint, ContentType="text/csv",
                                             Body=csv_body(ROWS))
    assert answer["ContentType"] == "application/json"
    assert answer["InvokedProductionVariant"] == "AllTraffic"
    check_predictions(json.loads(answer["Body"].read())["predictions"])


def test_invoke_json_and_jsonlines(server, endpoint):
    body = json.dumps({"instances": [{"features": row.tolist()} for row in ROWS]})
    answer = runtime(server).invoke_endpoint(EndpointName=endpoint, ContentType="application/json",
                                             Accept="application/jsonlines", Body=body)
    assert answer["ContentType"].startswith("application/jsonlines")
    lines = answer["Body"].read().decode().splitlines()
    check_predictions([json.loads(line) for line in lines])


def test_invoke_recordio_protobuf(server, endpoint):
    answer = runtime(server).invoke_endpoint(
        EndpointName=endpoint, ContentType="application/x-recordio-protobuf",
        Accept="application/x-recordio-protobuf", Body=recordio_body(ROWS))
    assert answer["ContentType"] == "application/x-recordio-protobuf"
    check_predictions(recordio_labels(answer["Body"].read()))


def test_bad_payload_is_a_model_error(server, endpoint):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        runtime(server).invoke_endpoint(EndpointName=endpoint, ContentType="text/csv",
                                        Body=b"1.0,2.0\n")
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert error["Error"]["Code"] == "ModelError"
    assert error["Error"]["Message"].startswith(
        'Received client error (400) from primary with message "unable to evaluate payload '
        'provided"')
    assert error["OriginalStatusCode"] == 400
    # exactly the built-ins' body; the detail is in the endpoint's log
    assert error["OriginalMessage"] == "unable to evaluate payload provided"


def test_unsupported_content_type_is_a_model_error(server, endpoint):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        runtime(server).invoke_endpoint(EndpointName=endpoint, ContentType="image/png", Body=b"x")
    assert caught.value.response["Error"]["Code"] == "ModelError"
    assert caught.value.response["OriginalStatusCode"] == 415


def test_invoking_an_unknown_endpoint(server):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        runtime(server).invoke_endpoint(EndpointName="nowhere", ContentType="text/csv", Body=b"1")
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "Endpoint nowhere of account" in caught.value.response["Error"]["Message"]


def error_of(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_control_plane_errors(server, endpoint, model_uri):
    sagemaker = server.client()
    code, message = error_of(sagemaker.create_model, ModelName=endpoint, ExecutionRoleArn=ROLE,
                             PrimaryContainer={"Image": IMAGE, "ModelDataUrl": model_uri})
    assert (code, message) == ("ValidationException", 'Cannot create already existing model '
                               '"arn:aws:sagemaker:us-east-1:123456789012:model/kmeans-ep".')
    code, message = error_of(sagemaker.create_endpoint, EndpointName=endpoint,
                             EndpointConfigName=endpoint)
    assert code == "ValidationException" and "Cannot create already existing endpoint" in message
    for call, member in ((sagemaker.describe_endpoint, "EndpointName"),
                         (sagemaker.delete_endpoint, "EndpointName"),
                         (sagemaker.describe_model, "ModelName"),
                         (sagemaker.describe_endpoint_config, "EndpointConfigName")):
        code, message = error_of(call, **{member: "missing"})
        assert code == "ValidationException" and message.startswith("Could not find ")
    code, message = error_of(sagemaker.create_endpoint, EndpointName="other",
                             EndpointConfigName="missing")
    assert code == "ValidationException" and "Could not find endpoint configuration" in message
    code, message = error_of(sagemaker.create_endpoint_config, EndpointConfigName="other",
                             ProductionVariants=[{"VariantName": "v", "ModelName": "missing",
                                                  "InitialInstanceCount": 1,
                                                  "InstanceType": "ml.m5.large"}])
    assert code == "ValidationException" and "Could not find model" in message
    code, message = error_of(sagemaker.create_model, ModelName="bad-image", ExecutionRoleArn=ROLE,
                             PrimaryContainer={"ModelDataUrl": model_uri,
                                               "Image": "123.dkr.ecr.us-east-1.amazonaws.com/x:1"})
    assert code == "ValidationException" and "does not emulate" in message
    code, message = error_of(sagemaker.create_model, ModelName="relative", ExecutionRoleArn=ROLE,
                             PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "model.tar.gz"})
    assert code == "ValidationException" and "must satisfy regular expression" in message
    code, message = error_of(sagemaker.create_model, ModelName="bad_name", ExecutionRoleArn=ROLE,
                             PrimaryContainer={"Image": IMAGE, "ModelDataUrl": model_uri})
    assert code == "ValidationException" and "'modelName'" in message
    assert error_of(sagemaker.create_endpoint_config, EndpointConfigName="two", ProductionVariants=[
        {"VariantName": f"v{i}", "ModelName": endpoint, "InitialInstanceCount": 1,
         "InstanceType": "ml.m5.large"} for i in range(2)])[0] == "ValidationException"


def test_unreadable_model_fails_the_endpoint(server, tmp_path):
    sagemaker = server.client()
    missing = (tmp_path / "absent.tar.gz").as_uri()
    deploy(sagemaker, "no-model", missing, wait=False)
    with pytest.raises(botocore.exceptions.WaiterError):
        sagemaker.get_waiter("endpoint_in_service").wait(EndpointName="no-model", WaiterConfig=WAIT)
    described = sagemaker.describe_endpoint(EndpointName="no-model")
    assert described["EndpointStatus"] == "Failed"
    assert missing in described["FailureReason"]
    code, _ = error_of(runtime(server).invoke_endpoint, EndpointName="no-model",
                       ContentType="text/csv", Body=b"1,2,3,4")
    assert code == "ValidationError"
    sagemaker.delete_endpoint(EndpointName="no-model")


def test_model_on_s3(server, s3_server, s3_bucket):
    s3_server.client().put_object(Bucket=s3_bucket, Key="models/model.tar.gz",
                                  Body=model_archive(CENTROIDS))
    sagemaker = server.client()
    deploy(sagemaker, "from-s3", f"s3://{s3_bucket}/models/model.tar.gz")
    answer = runtime(server).invoke_endpoint(EndpointName="from-s3", ContentType="text/csv",
                                             Body=csv_body(ROWS[:3]))
    check_predictions(json.loads(answer["Body"].read())["predictions"], ROWS[:3])
    sagemaker.delete_endpoint(EndpointName="from-s3")


def test_delete_endpoint_stops_its_container(server, model_uri):
    sagemaker = server.client()
    before = set(serving_processes(server))
    deploy(sagemaker, "short-lived", model_uri)
    started = set(serving_processes(server)) - before
    assert len(started) == 1
    sagemaker.delete_endpoint(EndpointName="short-lived")
    sagemaker.get_waiter("endpoint_deleted").wait(EndpointName="short-lived", WaiterConfig=WAIT)
    assert wait_until(lambda: not started & set(serving_processes(server)))
    code, _ = error_of(runtime(server).invoke_endpoint, EndpointName="short-lived",
                       ContentType="text/csv", Body=b"1,2,3,4")
    assert code == "ValidationError"
    sagemaker.delete_endpoint_config(EndpointConfigName="short-lived")
    sagemaker.delete_model(ModelName="short-lived")
    assert error_of(sagemaker.describe_model, ModelName="short-lived")[0] == "ValidationException"


def test_payload_over_6_mb_is_refused(server, endpoint):
    code, message = error_of(runtime(server).invoke_endpoint, EndpointName=endpoint,
                             ContentType="text/csv", Body=b"1,2,3,4\n" * (800 * 1024))
    assert code == "ValidationError" and "exceeds" in message


def test_update_endpoint_serves_the_new_model(server, model_uri, tmp_path):
    sagemaker = server.client()
    others = set(serving_processes(server))
    deploy(sagemaker, "updated", model_uri)
    old = set(serving_processes(server)) - others
    moved = CENTROIDS[::-1] + 1.0
    (tmp_path / "moved.tar.gz").write_bytes(model_archive(moved))
    sagemaker.create_model(ModelName="moved", ExecutionRoleArn=ROLE, PrimaryContainer={
        "Image": IMAGE, "ModelDataUrl": (tmp_path / "moved.tar.gz").as_uri()})
    sagemaker.create_endpoint_config(EndpointConfigName="moved", ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": "moved", "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large"}])
    sagemaker.update_endpoint(EndpointName="updated", EndpointConfigName="moved")
    sagemaker.get_waiter("endpoint_in_service").wait(EndpointName="updated", WaiterConfig=WAIT)
    assert sagemaker.describe_endpoint(EndpointName="updated")["EndpointConfigName"] == "moved"
    answer = runtime(server).invoke_endpoint(EndpointName="updated", ContentType="text/csv",
                                             Body=csv_body(ROWS))
    predictions = json.loads(answer["Body"].read())["predictions"]
    assert [p["closest_cluster"] for p in predictions] == \
        nearest(moved, ROWS)[0].astype(float).tolist()
    assert len(old) == 1 and wait_until(lambda: not old & set(serving_processes(server)))
    sagemaker.delete_endpoint(EndpointName="updated")


def test_a_container_that_dies_fails_the_endpoint(server, model_uri):
    sagemaker = server.client()
    before = set(serving_processes(server))
    deploy(sagemaker, "crashing", model_uri)
    pid, = set(serving_processes(server)) - before
    os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: sagemaker.describe_endpoint(
        EndpointName="crashing")["EndpointStatus"] == "Failed")
    reason = sagemaker.describe_endpoint(EndpointName="crashing")["FailureReason"]
    assert "exited with status -9" in reason
    assert error_of(runtime(server).invoke_endpoint, EndpointName="crashing",
                    ContentType="text/csv", Body=b"1,2,3,4")[0] == "ValidationError"
    sagemaker.delete_endpoint(EndpointName="crashing")


def test_concurrent_invocations_each_get_their_own_answer(server, endpoint):
    client = runtime(server)
    chunks = np.array_split(ROWS, 8)

    def invoke(rows):
        answer = client.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv",
                                        Body=csv_body(rows))
        return json.loads(answer["Body"].read())["predictions"]

    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):     # several rounds, so the server's kept-alive connections are reused
            for rows, predictions in zip(chunks, pool.map(invoke, chunks)):
                check_predictions(predictions, rows)


def test_environment_that_would_steer_the_host_is_refused(server, model_uri):
    code, message = error_of(server.client().create_model, ModelName="steer", ExecutionRoleArn=ROLE,
                             PrimaryContainer={"Image": IMAGE, "ModelDataUrl": model_uri,
                                               "Environment": {"LD_PRELOAD": "/tmp/x.so"}})
    assert code == "ValidationException" and "LD_PRELOAD" in message
