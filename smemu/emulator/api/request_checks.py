"""Every SageMaker operation's request, checked against botocore's model of it before its handler
runs — as the service checks it: unknown and missing members, types, lengths, ranges, patterns,
enums (:mod:`smemu.emulator.request_shapes`), all problems in one ValidationException.

Handlers then check only what the model cannot say (a name's file, a location's policy, what smemu
emulates). CreateTrainingJob's handler checks the model's constraints again together with smemu's
own (:class:`smemu.emulator.spec.TrainingJobSpec`), as ``smemu train`` does.
"""

from __future__ import annotations

from typing import Callable

from smemu.emulator import api_model
from smemu.emulator.api.errors import ValidationException
from smemu.emulator.request_shapes import aws_message, check_request


def validated(operation: str, handler: Callable[[dict], dict]) -> Callable[[dict], dict]:
    """``handler``, called only with requests that satisfy ``operation``'s input shape."""
    shape = api_model.request_shape(operation)
    if shape is None:
        return handler

    def checked(body: dict) -> dict:
        problems = check_request(shape, body)
        if problems:
            raise ValidationException(aws_message(problems))
        return handler(body)

    checked.__name__ = getattr(handler, "__name__", operation)
    return checked


def validated_operations(operations: dict) -> dict:
    """``{"Op": handler}`` with every handler :func:`validated`."""
    return {name: validated(name, handler) for name, handler in operations.items()}
