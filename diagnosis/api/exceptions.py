"""The API's one error shape: ``{"detail": "what went wrong, in words", <field>: [...]}``.

Every error has ``detail``, a sentence a client can show as it is; an error about the
request's fields also names each field with its messages (what DRF's validation says),
so a form can put each message beside its field. The app's own errors map to HTTP
statuses by :data:`diagnosis.errors.HTTP_STATUS`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import TooManyFilesSent
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from diagnosis.errors import ApplicationError, http_status
from diagnosis.services import too_many_files


def _messages(value: Any) -> list[str]:
    """DRF's error detail (a string, a list, or nested by index or key) as flat sentences."""
    if isinstance(value, dict):
        return [message for item in value.values() for message in _messages(item)]
    if isinstance(value, list | tuple):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def error_body(data: Any) -> dict[str, Any]:
    """``data`` (what DRF would answer) in the one error shape."""
    if not isinstance(data, dict):
        return {"detail": " ".join(_messages(data))}
    fields = {name: _messages(value) for name, value in data.items() if name != "detail"}
    if "detail" in data:
        detail = " ".join(_messages(data["detail"]))
    else:
        detail = " ".join(
            message if name == "non_field_errors" else f"{name}: {message}"
            for name, messages in fields.items()
            for message in messages
        )
    return {"detail": detail, **fields}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, TooManyFilesSent):  # the request parser stopped at the batch limit
        exc = too_many_files()
    if isinstance(exc, ApplicationError):
        return Response({"detail": str(exc)}, status=http_status(exc))
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = error_body(response.data)
    return response
