"""API throttles counting in the shared "throttle" cache, and the token endpoint's two.

DRF's throttles count in the default cache, which is each worker's own memory: with two
workers every rate doubled. These count where all workers (and machines) see the same
numbers (PNEUMO_THROTTLE_CACHE, the database by default). The count is read, then written:
under concurrent requests a few may slip through, never a multiple of the rate.
"""

from __future__ import annotations

import hashlib

from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from rest_framework import throttling
from rest_framework.request import Request


class SharedCounters:
    cache = ConnectionProxy(caches, "throttle")


class AnonThrottle(SharedCounters, throttling.AnonRateThrottle):
    pass


class UserThrottle(SharedCounters, throttling.UserRateThrottle):
    pass


class ScopedThrottle(SharedCounters, throttling.ScopedRateThrottle):
    pass


def submitted_username(request: Request) -> str:
    """The user name a login request names ("" when its body is not a form or an object)."""
    data = request.data
    return str(data.get("username", "")) if hasattr(data, "get") else ""


class TokenAddressThrottle(SharedCounters, throttling.SimpleRateThrottle):
    """Token requests from one client address, whatever user names they try."""

    scope = "token"

    def get_cache_key(self, request: Request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenUsernameThrottle(SharedCounters, throttling.SimpleRateThrottle):
    """Token requests naming one user, from any number of addresses.

    django-axes locks only names that exist; this also bounds guesses at unknown ones.
    Names are compared case-insensitively and hashed (any length, any character).
    """

    scope = "token"
    cache_format = "throttle_%(scope)s_username_%(ident)s"

    def get_cache_key(self, request: Request, view) -> str:
        name = submitted_username(request).strip().casefold()
        ident = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
