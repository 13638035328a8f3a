"""Who is acting (for the audit trail) and the session limits, per request. Both come
right after Django's AuthenticationMiddleware."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import audit, sessions
from accounts.receivers import LOGOUT_REASON

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class AccessContextMiddleware:
    """Makes the request the actor of whatever the request records in the trail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit.acting(audit.request_actor(request)):
            return self.get_response(request)


class SessionLimitsMiddleware:
    """Ends a signed-in session that was idle too long, lasted too long or was revoked;
    every other request (but the page's own status poll) restarts the idle clock."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.get_response(request)
        limits = sessions.SessionLimits.from_settings()
        reason = sessions.why_ended(request.session, request.user, limits)
        if reason is not None:
            return self._sign_out(request, reason)
        if not (request.method == "GET" and request.path_info == reverse("session-status")):
            sessions.touch(request.session)
        return self.get_response(request)

    def _sign_out(self, request: HttpRequest, reason: str) -> HttpResponse:
        setattr(request, LOGOUT_REASON, reason)
        logout(request)
        request.session[sessions.ENDED] = reason
        if request.method in SAFE_METHODS or request.path_info.startswith(audit.API_PREFIXES):
            return self.get_response(request)  # as anyone signed out: the login page, a 401
        # A form sent after the end: sign in again, then back to the page it came from.
        referer = request.META.get("HTTP_REFERER", "")
        safe = url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return redirect_to_login(referer if safe else resolve_url(settings.LOGIN_REDIRECT_URL))
