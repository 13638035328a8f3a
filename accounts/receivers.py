"""Sign-ins, sign-outs and failed sign-ins into the audit trail (Django's auth signals,
sent for the pages, the admin and the API's token endpoint alike)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest

from accounts import audit, sessions

# Set on a request by the session middleware when it ends a session (idle, expired,
# revoked), and by the directory backend when the directory cannot be reached.
LOGOUT_REASON = "pneumo_logout_reason"
DIRECTORY_DOWN = "pneumo_directory_unavailable"


def _actor(request: HttpRequest | None, **kwargs) -> audit.Actor:
    base = audit.request_actor(request) if request is not None else audit.current_actor()
    return audit.Actor(base.via, request=request, **kwargs)


def logged_in(sender, request: HttpRequest, user: AbstractBaseUser, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.start(request.session)
    audit.record(audit.Action.LOGIN, actor=_actor(request, user=user))


def logged_out(sender, request: HttpRequest, user: AbstractBaseUser | None, **kwargs) -> None:
    if user is None:  # signing out while signed out: nothing happened
        return
    reason = getattr(request, LOGOUT_REASON, "") if request is not None else ""
    audit.record(audit.Action.LOGOUT, detail=reason, actor=_actor(request, user=user))


def login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    name = str(credentials.get("username", ""))
    detail, outcome = "", audit.Outcome.FAILED
    if request is not None and getattr(request, "axes_locked_out", False):
        detail, outcome = "locked out", audit.Outcome.DENIED
    elif request is not None and getattr(request, DIRECTORY_DOWN, None):
        detail = "directory unavailable"
    audit.record(
        audit.Action.LOGIN_FAILED,
        outcome=outcome,
        detail=detail,
        actor=_actor(request, name=name),
    )
