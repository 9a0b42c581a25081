"""Errors in the shape AWS JSON 1.1 services return them, so botocore raises ``ClientError`` with
the right ``Error.Code`` and message (and the modelled exception class where SageMaker has one)."""

from __future__ import annotations


class ApiError(Exception):
    """An error answered to the client: ``{"__type": code, "message": message}`` with ``status``."""

    code = "InternalFailure"
    status = 500

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def body(self) -> dict:
        return {"__type": self.code, "message": self.message}


class ValidationException(ApiError):
    """The request breaks the API's constraints (botocore's code: ValidationException)."""

    code = "ValidationException"
    status = 400


class ResourceInUse(ApiError):
    """The name is taken (SageMaker's modelled ResourceInUse)."""

    code = "ResourceInUse"
    status = 400


class ResourceNotFound(ApiError):
    """The named resource does not exist (SageMaker's modelled ResourceNotFound)."""

    code = "ResourceNotFound"
    status = 400


class UnknownOperation(ApiError):
    code = "UnknownOperationException"
    status = 400


class SerializationException(ApiError):
    """The body is not a JSON object."""

    code = "SerializationException"
    status = 400


class RequestTooLarge(ApiError):
    code = "ValidationException"
    status = 413


class InternalFailure(ApiError):
    code = "InternalFailure"
    status = 500
