"""Sign-in (with the directory's message and why the last session ended) and the
session-status endpoint that the pages' idle warning polls."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_http_methods

from accounts import sessions
from accounts.forms import LoginForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        reason = self.request.session.pop(sessions.ENDED, None)
        if reason in sessions.ENDED_MESSAGES:
            context["session_ended"] = sessions.SessionLimits.from_settings().message(reason)
        return context


@login_not_required
@require_http_methods(["GET", "POST"])
def session_status(request: HttpRequest) -> JsonResponse:
    """GET: seconds left before sign-out, without counting as activity; POST ("stay
    signed in"): counts as activity (the session middleware restarts the idle clock)."""
    limits = sessions.SessionLimits.from_settings()
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "seconds_left": 0})
    return JsonResponse(
        {
            "signed_in": True,
            "seconds_left": sessions.seconds_left(request.session, limits),
            "idle_seconds": limits.idle_seconds,
        }
    )
