"""JSON errors with a human message: the app's errors by :data:`diagnosis.errors.HTTP_STATUS`."""

from django.core.exceptions import TooManyFilesSent
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from diagnosis.errors import ApplicationError, http_status
from diagnosis.services import too_many_files


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, TooManyFilesSent):  # the request parser stopped at the batch limit
        exc = too_many_files()
    if isinstance(exc, ApplicationError):
        return Response({"detail": str(exc)}, status=http_status(exc))
    return drf_exception_handler(exc, context)
