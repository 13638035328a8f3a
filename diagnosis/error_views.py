"""Error pages in the site's layout, with a way back (Django's handler400/403/404/500)."""

from __future__ import annotations

from django.core.exceptions import TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from diagnosis.services import too_many_files

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    429: "Too many attempts",
    500: "Server error",
}


def error_page(request: HttpRequest, status: int, message: str) -> HttpResponse:
    context = {"status": status, "title": TITLES[status], "message": message}
    return render(request, "error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, TooManyFilesSent):  # the parser stopped at the batch limit
        return error_page(request, 400, str(too_many_files()))
    return error_page(request, 400, "The request could not be understood.")
