"""The app's own errors, and the one table that says which HTTP status each one gets.

Services raise these and know nothing of HTTP; they turn mlcore's errors into them at the
boundary (an unreadable image is an UploadRejected, a missing or busy model a
ModelUnavailable). The API's exception handler and the pages both answer from
:data:`HTTP_STATUS`: the API as ``{"detail": message}``, the pages through
diagnosis.middleware's ApplicationErrorMiddleware unless a view renders the error itself
(a form).
"""

from __future__ import annotations


class ApplicationError(Exception):
    """Base of the errors a service raises on purpose; the message is for a person."""


class UploadRejected(ApplicationError, ValueError):
    """The upload cannot be accepted; the message says why."""


class ModelUnavailable(ApplicationError):
    """No usable model is installed, or it stayed busy; the message says what to do."""


class ScanGone(ApplicationError):
    """The scan does not exist (any more), e.g. deleted by another request meanwhile."""


class ReviewRejected(ApplicationError, ValueError):
    """The review is not valid (an unknown finding, a comment too long); the message says why."""


class ReviewNotAllowed(ApplicationError):
    """The user may see the scan but may not record its review."""


class NotConfigured(ApplicationError):
    """A setting the feature needs is missing or wrong; the message says which."""


class DirectoryUnavailable(ApplicationError):
    """The hospital directory cannot be reached, so a directory account cannot sign in."""


class CostLimited(ApplicationError):
    """The user asked the model for more work than their rate allows; says when to retry."""


class QuotaExceeded(ApplicationError):
    """The user's stored scans fill their storage quota; says how to make room."""


HTTP_STATUS: dict[type[ApplicationError], int] = {
    UploadRejected: 400,
    ReviewRejected: 400,
    ReviewNotAllowed: 403,
    ScanGone: 404,
    CostLimited: 429,
    QuotaExceeded: 413,
    ModelUnavailable: 503,
    NotConfigured: 503,
    DirectoryUnavailable: 503,
}


def http_status(error: ApplicationError) -> int:
    """The status for ``error``: that of its nearest kind in :data:`HTTP_STATUS`."""
    for kind in type(error).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind]
    return 500
