"""JSON errors with a human message for the service's own error types."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from diagnosis.services import ModelUnavailable, UploadRejected

STATUS_OF = {
    UploadRejected: status.HTTP_400_BAD_REQUEST,
    ModelUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    for error_type, code in STATUS_OF.items():
        if isinstance(exc, error_type):
            return Response({"detail": str(exc)}, status=code)
    return drf_exception_handler(exc, context)
