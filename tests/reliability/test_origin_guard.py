"""No web page reaches the API server: a Host that is not this server's (DNS rebinding) and
cross-site browser requests are refused; boto3's requests pass (issue 14, item 15)."""

import http.client
import json
import urllib.parse

import pytest

from procs import Sandbox, sagemaker, start_server


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    box = Sandbox(tmp_path_factory.mktemp("api"))
    _, url, _ = start_server(box, box.tmp / "jobs")
    yield url
    box.cleanup()


def post(url, headers, path="/"):
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest("POST", path, skip_host="Host" in headers)
        body = b"{}"
        for name, value in {"X-Amz-Target": "SageMaker.ListTrainingJobs",
                            "Content-Type": "application/x-amz-json-1.1",
                            "Content-Length": str(len(body)), **headers}.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "attacker.localhost.evil.com",
                                  "127.0.0.1.nip.io", ""])
def test_a_foreign_host_name_is_refused(api, host):
    status, error = post(api, {"Host": host})
    assert status == 403 and error["__type"] == "AccessDeniedException"
    assert "DNS rebinding" in error["message"]


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:{port}", "127.0.0.1:{port}", "[::1]:{port}",
                                  "api.localhost:{port}", "localhost."])
def test_loopback_names_are_answered(api, host):
    port = urllib.parse.urlsplit(api).port
    status, answer = post(api, {"Host": host.format(port=port)})
    assert status == 200 and answer["TrainingJobSummaries"] == []


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:3000"},
])
def test_cross_site_browser_requests_are_refused(api, headers):
    status, error = post(api, headers)
    assert status == 403 and "Cross-site" in error["message"]


def test_the_runtime_route_is_guarded_too(api):
    status, _ = post(api, {"Host": "evil.example"}, path="/endpoints/x/invocations")
    assert status == 403


def test_boto3_still_works(api):
    assert sagemaker(api).list_training_jobs()["TrainingJobSummaries"] == []
