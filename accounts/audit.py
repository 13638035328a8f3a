"""Writing the access audit trail. Whoever does an access records it: a service inside the
transaction of the write it records, the read middleware for views and downloads, the
sign-in signals for sign-ins. A row that cannot be written raises: the request fails
rather than happen unrecorded.

Who acts and from where comes from the current ``Actor``: the request (set by
``accounts.middleware.AccessContextMiddleware``), a service user (the DICOM listener), or
by default the operating-system account running a command.
"""

from __future__ import annotations

import getpass
import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

from accounts.models import AccessEvent

Action = AccessEvent.Action
Outcome = AccessEvent.Outcome
Via = AccessEvent.Via

API_PREFIXES = ("/api/", "/pneumonia/")
DICOM_PREFIXES = ("/dicomweb/",)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a request's user, or a named user or account with no request."""

    via: str
    request: HttpRequest | None = None
    user: AbstractBaseUser | None = None
    name: str = ""

    def identity(self) -> tuple[str, int | None]:
        """The user name and id to record (the request's user is read late: the API
        authenticates a token inside the view)."""
        user = self.user or getattr(self.request, "user", None)
        if user is not None and user.is_authenticated:
            return user.get_username(), user.pk
        return self.name, None

    def address(self) -> str | None:
        return client_address(self.request) if self.request is not None else None


def client_address(request: HttpRequest) -> str | None:
    """The client's address as the API's throttles see it (DRF's rule: the entry the
    outermost of NUM_PROXIES = PNEUMO_PROXY_COUNT proxies appended to X-Forwarded-For,
    else the peer); the login lock-out uses it too (AXES_CLIENT_IP_CALLABLE)."""
    address = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:  # a proxy that appended no address
        return None


_current: ContextVar[Actor | None] = ContextVar("pneumo_audit_actor", default=None)


def request_actor(request: HttpRequest) -> Actor:
    path = request.path_info
    if path.startswith(API_PREFIXES):
        return Actor(Via.API, request=request)
    if path.startswith(DICOM_PREFIXES):
        return Actor(Via.DICOM, request=request)
    return Actor(Via.PAGE, request=request)


def command_actor() -> Actor:
    """A management command: the operating-system account that runs it."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        name = "unknown"
    return Actor(Via.COMMAND, name=f"os:{name}")


@contextmanager
def acting(actor: Actor) -> Iterator[Actor]:
    """Record what happens inside as done by ``actor``."""
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def current_actor() -> Actor:
    return _current.get() or command_actor()


def record(
    action: str,
    *,
    scan_id: int | None = None,
    outcome: str = Outcome.OK,
    detail: str = "",
    actor: Actor | None = None,
) -> AccessEvent:
    """Append one row to the trail (raises if it cannot be written)."""
    actor = actor or current_actor()
    username, user_id = actor.identity()
    return AccessEvent.objects.create(
        username=username[:150],
        user_id=user_id,
        action=action,
        scan_id=scan_id,
        address=actor.address(),
        via=actor.via,
        outcome=outcome,
        detail=detail[:200],
    )


def outcome_of(status: int) -> str:
    """A response's status as an outcome: refused for want of rights (or of the scan,
    which is how another user's scan answers) is "denied", any other error "failed"."""
    if status < 400:
        return Outcome.OK
    if status in (401, 403, 404):
        return Outcome.DENIED
    return Outcome.FAILED
