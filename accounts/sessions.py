"""Session limits: signed out after PNEUMO_SESSION_IDLE_MINUTES without a request, after
PNEUMO_SESSION_MAX_HOURS in all, or when staff sign the user out everywhere (which also
revokes the user's API tokens)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from accounts import audit
from accounts.models import SignOutMark

SIGNED_IN_AT = "pneumo_signed_in_at"
LAST_SEEN = "pneumo_last_seen"
# Why the last session ended, kept in the new (anonymous) session for the login page.
ENDED = "pneumo_session_ended"
# A request refreshes the idle clock at most this often (seconds): every request saving
# its session would be a database write per image and thumbnail.
TOUCH_EVERY = 5

IDLE, EXPIRED, REVOKED = "idle", "expired", "revoked"
ENDED_MESSAGES = {
    IDLE: _(
        "You were signed out after {idle} without activity. Sign in again to go on; an "
        "unsaved review comment is kept in this browser tab."
    ),
    EXPIRED: _("You were signed out: a session lasts at most {hours}. Sign in again."),
    REVOKED: _("You were signed out by an administrator. Sign in again."),
}


@dataclass(frozen=True)
class SessionLimits:
    idle_seconds: int
    max_seconds: int

    @classmethod
    def from_settings(cls) -> SessionLimits:
        return cls(
            idle_seconds=int(settings.PNEUMO_SESSION_IDLE_MINUTES * 60),
            max_seconds=int(settings.PNEUMO_SESSION_MAX_HOURS * 3600),
        )

    def message(self, reason: str) -> str:
        return ENDED_MESSAGES[reason].format(
            idle=_duration(self.idle_seconds), hours=_duration(self.max_seconds)
        )


def _duration(seconds: int) -> str:
    if seconds >= 2 * 3600:
        return _("%(n)s hours") % {"n": f"{seconds / 3600:g}"}
    if seconds >= 2 * 60:
        return _("%(n)s minutes") % {"n": f"{seconds / 60:g}"}
    return _("%(n)s seconds") % {"n": seconds}


def start(session: SessionBase) -> None:
    """A session signed in now (the login signal)."""
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now


def why_ended(session: SessionBase, user: AbstractBaseUser, limits: SessionLimits) -> str | None:
    """Why this signed-in session is over (IDLE, EXPIRED, REVOKED), or None."""
    now = time.time()
    started, seen = session.get(SIGNED_IN_AT), session.get(LAST_SEEN)
    if started is None or seen is None:  # signed in before the limits existed: from now
        start(session)
        return None
    if now - seen > limits.idle_seconds:
        return IDLE
    if now - started > limits.max_seconds:
        return EXPIRED
    mark = SignOutMark.objects.filter(user_id=user.pk).values_list("at", flat=True).first()
    if mark is not None and started < mark.timestamp():
        return REVOKED
    return None


def touch(session: SessionBase) -> None:
    """A request by the user: the idle clock starts again."""
    now = time.time()
    if now - session.get(LAST_SEEN, 0) >= TOUCH_EVERY:
        session[LAST_SEEN] = now


def seconds_left(session: SessionBase, limits: SessionLimits) -> int:
    """Until the idle or the absolute limit, whichever comes first."""
    started, seen = session.get(SIGNED_IN_AT), session.get(LAST_SEEN)
    if started is None or seen is None:
        return limits.idle_seconds
    end = min(seen + limits.idle_seconds, started + limits.max_seconds)
    # Rounded up: 0 only once the session has ended, so a page that goes to the sign-in
    # page at 0 finds it ended (and says why).
    return max(0, math.ceil(end - time.time()))


def sign_out_everywhere(user: AbstractBaseUser) -> int:
    """End every session of ``user`` (at its next request) and revoke their API tokens;
    returns how many tokens were revoked. Recorded in the audit trail."""
    with transaction.atomic():
        SignOutMark.objects.update_or_create(user=user, defaults={"at": timezone.now()})
        tokens, _ = Token.objects.filter(user=user).delete()
        audit.record(
            audit.Action.SIGN_OUT_EVERYWHERE,
            detail=f"user {user.get_username()}: sessions ended, {tokens} API token(s) revoked",
        )
    return tokens
