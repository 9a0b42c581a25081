"""The API server's answers to oversized and deeply nested requests: the AWS JSON error shape with
a 4xx, never a reset connection, a plain-text page or a 500 (issue 14, items 8 and 9)."""

import http.client
import json
import urllib.parse

import pytest

from procs import Sandbox, start_server

TARGET = "SageMaker.ListTrainingJobs"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    box = Sandbox(tmp_path_factory.mktemp("api"))
    _, url, _ = start_server(box, box.tmp / "jobs")
    yield urllib.parse.urlsplit(url)
    box.cleanup()


def post(api, body, chunked=False, target=TARGET, path="/"):
    connection = http.client.HTTPConnection(api.hostname, api.port, timeout=60)
    headers = {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"}
    try:
        if chunked:
            pieces = (body[i:i + 65536] for i in range(0, len(body), 65536))
            connection.request("POST", path, body=pieces, headers=headers, encode_chunked=True)
        else:
            connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_10_mb_is_an_aws_413(api, chunked):
    body = b'{"NameContains": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    status, content_type, answer = post(api, body, chunked=chunked)
    assert status == 413
    assert content_type == "application/x-amz-json-1.1"
    error = json.loads(answer)
    assert error["__type"] == "ValidationException" and "10 MB" in error["message"]


def test_deeply_nested_json_is_a_400_serialization_error(api):
    body = b'{"NameContains": ' + b"[" * 100000 + b"]" * 100000 + b"}"
    status, _, answer = post(api, body)
    assert status == 400
    error = json.loads(answer)
    assert error["__type"] == "SerializationException" and "too deeply" in error["message"]


def test_a_body_at_the_limit_is_still_read(api):
    body = json.dumps({"NameContains": "x" * 60, "MaxResults": 5}).encode()
    status, _, answer = post(api, body)
    assert status == 200 and json.loads(answer)["TrainingJobSummaries"] == []


@pytest.mark.parametrize("target,body", [
    ("SageMaker.ListEndpoints", {"MaxResults": "abc"}),
    ("SageMaker.ListModels", {"NextToken": ["not", "a", "token"]}),
    ("SageMaker.ListModels", {"NextToken": "eyJhZnRlciI6IFsxLCAyXX0="}),   # crafted: {"after": [1, 2]}
    ("SageMaker.ListTrainingJobs", {"NextToken": "eyJhZnRlciI6IFsxLCAyXSwgInF1ZXJ5IjogIngifQ=="}),
    ("SageMaker.ListTrainingJobs", {"NextToken": 12}),
])
def test_crafted_paging_members_are_a_400(api, target, body):
    status, _, answer = post(api, json.dumps(body).encode(), target=target)
    assert status == 400, answer
    assert json.loads(answer)["__type"] == "ValidationException"
