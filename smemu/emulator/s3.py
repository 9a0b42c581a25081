"""``s3://`` storage through boto3: :data:`smemu.emulator.storage.STORAGES`' entry for ``s3``.

The client is built the way every AWS tool builds one, from the standard configuration: credentials
(environment, shared files, instance role), region, and ``AWS_ENDPOINT_URL`` /
``AWS_ENDPOINT_URL_S3`` — so real S3, MinIO, moto's server or any S3-compatible store works
unchanged. Nothing here is specific to a test double.
"""

from __future__ import annotations

import io
import os
import posixpath
import threading
from typing import BinaryIO

import boto3
import boto3.exceptions
import botocore.exceptions

from smemu.emulator.storage import StagingError, Storage, StoredObject

SCHEME = "s3"

# codes S3 answers with, grouped by what the user has to do about them
_MISSING_BUCKET = {"NoSuchBucket"}
_MISSING_KEY = {"NoSuchKey", "404", "NotFound"}
_DENIED = {"AccessDenied", "403", "Forbidden", "AllAccessDisabled", "InvalidAccessKeyId",
           "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"}


def split_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/some/key`` -> ("bucket", "some/key"). Raises StagingError for anything else."""
    if not uri.startswith("s3://"):
        raise StagingError(f"{uri!r} is not an s3:// URI; write it as s3://<bucket>/<key>.")
    bucket, _, key = uri[len("s3://"):].partition("/")
    if not bucket:
        raise StagingError(f"The S3 URI {uri!r} names no bucket; write it as s3://<bucket>/<key>.")
    return bucket, key


def _explain(error: Exception, uri: str, action: str) -> StagingError:
    """Turn a botocore error into a StagingError naming the URI and what to do."""
    if isinstance(error, botocore.exceptions.NoCredentialsError):
        return StagingError(
            f"Could not {action} {uri}: no AWS credentials were found. Configure them as for the AWS "
            f"CLI (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or ~/.aws/credentials).")
    if isinstance(error, botocore.exceptions.EndpointConnectionError):
        return StagingError(
            f"Could not {action} {uri}: the S3 endpoint {error.kwargs.get('endpoint_url')} cannot "
            f"be reached. Check AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 and that the store is running.")
    if isinstance(error, botocore.exceptions.ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        bucket, key = split_uri(uri)
        if code in _MISSING_BUCKET:
            return StagingError(f"Could not {action} {uri}: the bucket {bucket!r} does not exist. "
                                f"Create it or correct the S3 URI.")
        if code in _MISSING_KEY:
            return StagingError(f"Could not {action} {uri}: there is no object with the key {key!r} "
                                f"in the bucket {bucket!r}. Upload it or correct the S3 URI.")
        if code in _DENIED:
            return StagingError(f"Could not {action} {uri}: access denied ({code}). Give the "
                                f"credentials in use permission for this bucket and key.")
        message = error.response.get("Error", {}).get("Message") or str(error)
        return StagingError(f"Could not {action} {uri}: S3 answered {code}: {message}")
    if isinstance(error, botocore.exceptions.BotoCoreError):
        return StagingError(f"Could not {action} {uri}: {error}")
    raise TypeError(f"not a botocore error: {error!r}")


_BOTO_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)


class _ObjectReader(io.RawIOBase):
    """A raw, read-only stream over an object's body, read from the network as it is consumed."""

    def __init__(self, body, uri: str):
        super().__init__()
        self._body = body
        self._uri = uri

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        try:
            data = self._body.read(len(view))
        except _BOTO_ERRORS as error:
            raise _explain(error, self._uri, "read") from error
        view[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class S3Storage(Storage):
    """Lists, streams and writes objects of any S3-compatible store."""

    def __init__(self, client=None):
        self._client = client
        self._lock = threading.Lock()

    @property
    def client(self):
        with self._lock:
            if self._client is None:
                # everything (retries, addressing style, endpoint) from the standard configuration
                self._client = boto3.session.Session().client("s3")
            return self._client

    def list(self, prefix_uri: str) -> list[StoredObject]:
        bucket, prefix = split_uri(prefix_uri)
        found: list[StoredObject] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for page in pages:
                for entry in page.get("Contents", []):
                    key = entry["Key"]
                    if key.endswith("/"):
                        continue  # a "folder" marker some tools create; it holds no data
                    relative = key[len(prefix):].lstrip("/") or posixpath.basename(key)
                    found.append(StoredObject(uri=f"s3://{bucket}/{key}", relative=relative,
                                              size=entry.get("Size")))
        except _BOTO_ERRORS as error:
            raise _explain(error, prefix_uri, "list") from error
        found.sort(key=lambda stored: stored.uri)
        return found

    def open(self, uri: str) -> BinaryIO:
        bucket, key = split_uri(uri)
        try:
            response = self.client.get_object(Bucket=bucket, Key=key)
        except _BOTO_ERRORS as error:
            raise _explain(error, uri, "read") from error
        return io.BufferedReader(_ObjectReader(response["Body"], uri), buffer_size=1 << 20)

    def put(self, local_path: str, uri: str) -> None:
        bucket, key = split_uri(uri)
        if not key or key.endswith("/"):
            raise StagingError(f"Cannot write to {uri}: it names no object key.")
        try:
            self.client.upload_file(str(local_path), bucket, key)
        except (*_BOTO_ERRORS, boto3.exceptions.S3UploadFailedError) as error:
            cause = error
            if isinstance(error, boto3.exceptions.S3UploadFailedError):
                cause = error.__cause__ or error.__context__
            if isinstance(cause, _BOTO_ERRORS):
                raise _explain(cause, uri, "write") from error
            raise StagingError(f"Could not write {uri}: {error}") from error


_shared: dict[tuple, S3Storage] = {}
_shared_lock = threading.Lock()


def shared_storage() -> S3Storage:
    """One S3Storage (one boto3 client, its connection pool) per AWS configuration in the
    environment: building a client costs tens of milliseconds, and staging asks for the storage
    of every object. boto3 clients are safe to share between threads."""
    key = tuple(sorted((name, value) for name, value in os.environ.items() if name.startswith("AWS_")))
    with _shared_lock:
        if key not in _shared:
            _shared[key] = S3Storage()
        return _shared[key]

