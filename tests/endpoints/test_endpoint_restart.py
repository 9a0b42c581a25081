"""A server that stops (or is killed) takes its serving containers with it; the next server on the
same jobs root starts the endpoints that were in service again."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from endpoint_helpers import (CENTROIDS, WAIT, csv_body, deploy, nearest, runtime,
                              serving_processes)


@pytest.mark.parametrize("ending", ["stopped", "killed"])
def test_restarted_server_restarts_endpoints(start_server, model_uri, tmp_path, ending):
    jobs_root = tmp_path / "jobs"
    first = start_server(jobs_root)
    deploy(first.client(), "survivor", model_uri)
    assert serving_processes(first)
    if ending == "stopped":
        first.stop()
        assert first.process.returncode == 0
    else:
        first.kill()     # SIGKILL, and its containers with it (as a reboot would)

    second = start_server(jobs_root)
    assert any("endpoint survivor was in service" in line for line in second.output)
    sagemaker = second.client()
    sagemaker.get_waiter("endpoint_in_service").wait(EndpointName="survivor", WaiterConfig=WAIT)
    rows = CENTROIDS + 0.25
    answer = runtime(second).invoke_endpoint(EndpointName="survivor", ContentType="text/csv",
                                             Body=csv_body(rows))
    predictions = json.loads(answer["Body"].read())["predictions"]
    assert [p["closest_cluster"] for p in predictions] == \
        nearest(CENTROIDS, rows)[0].astype(float).tolist()


def test_no_file_uris_server_refuses_local_model_data(start_server, model_uri, tmp_path):
    sagemaker = start_server(tmp_path / "jobs", "--no-file-uris").client()
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        deploy(sagemaker, "local", model_uri, wait=False)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "--no-file-uris" in caught.value.response["Error"]["Message"]
