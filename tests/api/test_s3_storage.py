"""smemu's S3 storage against a real S3 endpoint on loopback (moto's server), through boto3."""

from __future__ import annotations

import http.server
import os
import threading

import pytest

from smemu.emulator.s3 import S3Storage
from smemu.emulator.staging import StagingError, storage_for


def put(s3_server, bucket, key, data: bytes):
    s3_server.client().put_object(Bucket=bucket, Key=key, Body=data)


def test_scheme_is_registered(s3_server):
    assert isinstance(storage_for("s3://any-bucket/key"), S3Storage)


def test_list_returns_every_object_under_the_prefix_sorted_by_key(s3_server, s3_bucket):
    for key in ("train/b.csv", "train/a.csv", "train/sub/c.csv", "train/", "trainx/d.csv", "other/e"):
        put(s3_server, s3_bucket, key, key.encode())
    found = S3Storage().list(f"s3://{s3_bucket}/train/")
    assert [(o.uri, o.relative, o.size) for o in found] == [
        (f"s3://{s3_bucket}/train/a.csv", "a.csv", len("train/a.csv")),
        (f"s3://{s3_bucket}/train/b.csv", "b.csv", len("train/b.csv")),
        (f"s3://{s3_bucket}/train/sub/c.csv", "sub/c.csv", len("train/sub/c.csv")),
    ]
    # S3Prefix is a key prefix, not a folder: "train" also matches "trainx/..."
    assert [o.relative for o in S3Storage().list(f"s3://{s3_bucket}/train")] == [
        "a.csv", "b.csv", "sub/c.csv", "x/d.csv"]


def test_a_prefix_naming_one_object_lists_it_under_its_base_name(s3_server, s3_bucket):
    put(s3_server, s3_bucket, "data/train.csv", b"1,2\n")
    [found] = S3Storage().list(f"s3://{s3_bucket}/data/train.csv")
    assert (found.relative, found.size) == ("train.csv", 4)


def test_listing_pages_through_more_than_a_thousand_objects(s3_server, s3_bucket):
    client = s3_server.client()
    for number in range(1005):
        client.put_object(Bucket=s3_bucket, Key=f"many/{number:05d}", Body=b"")
    found = S3Storage().list(f"s3://{s3_bucket}/many/")
    assert [o.relative for o in found] == [f"{number:05d}" for number in range(1005)]


def test_open_streams_the_object_in_pieces(s3_server, s3_bucket):
    data = os.urandom(3 * 1024 * 1024 + 17)
    put(s3_server, s3_bucket, "big/blob", data)
    pieces = []
    with S3Storage().open(f"s3://{s3_bucket}/big/blob") as reader:
        while piece := reader.read(65536):
            assert len(piece) <= 65536
            pieces.append(piece)
    assert len(pieces) > 40 and b"".join(pieces) == data


def test_put_writes_a_local_file_to_the_uri(s3_server, s3_bucket, tmp_path):
    local = tmp_path / "model.tar.gz"
    local.write_bytes(b"model bytes")
    S3Storage().put(str(local), f"s3://{s3_bucket}/out/job/output/model.tar.gz")
    body = s3_server.client().get_object(Bucket=s3_bucket, Key="out/job/output/model.tar.gz")["Body"]
    assert body.read() == b"model bytes"


@pytest.mark.parametrize("action", ["list", "open", "put"])
def test_a_missing_bucket_is_named(s3_server, tmp_path, action):
    uri = "s3://no-such-bucket-smemu/some/key"
    (tmp_path / "f").write_bytes(b"x")
    call = {"list": lambda s: s.list(uri), "open": lambda s: s.open(uri),
            "put": lambda s: s.put(str(tmp_path / "f"), uri)}[action]
    with pytest.raises(StagingError) as caught:
        call(S3Storage())
    assert uri in str(caught.value) and "bucket 'no-such-bucket-smemu' does not exist" in str(caught.value)


def test_a_missing_key_is_named(s3_server, s3_bucket):
    uri = f"s3://{s3_bucket}/no/such/key.csv"
    with pytest.raises(StagingError) as caught:
        S3Storage().open(uri)
    assert uri in str(caught.value) and "no object with the key 'no/such/key.csv'" in str(caught.value)


class _Refusing(http.server.BaseHTTPRequestHandler):
    """An S3 endpoint that refuses everyone, as S3 does for credentials without permission."""

    def _refuse(self):
        body = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
                b'<Message>Access Denied</Message><RequestId>1</RequestId></Error>')
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_HEAD = _refuse

    def log_message(self, *args):
        pass


@pytest.fixture
def refusing_endpoint(s3_server, monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{server.server_address[1]}")
    yield
    server.shutdown()


@pytest.mark.parametrize("action", ["list", "open", "put"])
def test_access_denied_is_named(refusing_endpoint, tmp_path, action):
    uri = "s3://locked-bucket/secret/part-0"
    (tmp_path / "f").write_bytes(b"x")
    call = {"list": lambda s: s.list(uri), "open": lambda s: s.open(uri),
            "put": lambda s: s.put(str(tmp_path / "f"), uri)}[action]
    with pytest.raises(StagingError) as caught:
        call(S3Storage())
    assert uri in str(caught.value) and "access denied" in str(caught.value)


def test_an_unreachable_endpoint_says_which(s3_server, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    with pytest.raises(StagingError) as caught:
        S3Storage().list("s3://bucket/prefix/")
    assert "s3://bucket/prefix/" in str(caught.value) and "AWS_ENDPOINT_URL" in str(caught.value)


def test_staging_shares_one_client_per_aws_configuration(s3_server, monkeypatch):
    first = storage_for("s3://bucket/a")
    assert storage_for("s3://other/b") is first
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    assert storage_for("s3://bucket/a") is not first
