"""Token authentication accepting both ``Authorization: Token <key>`` (DRF's word) and
``Authorization: Bearer <key>`` (what most HTTP clients send), and answering 401 with a
``WWW-Authenticate`` challenge for missing or bad credentials API-wide (DRF answers 401
rather than 403 only when its first authentication class names a challenge)."""

from __future__ import annotations

from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.request import Request

KEYWORDS = (b"token", b"bearer")
CHALLENGE = 'Bearer realm="api"'


class TokenOrBearerAuthentication(TokenAuthentication):
    def authenticate(self, request: Request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        self.keyword = parts[0].decode()  # DRF's checks (one key, no spaces) name it back
        return super().authenticate(request)

    def authenticate_header(self, request: Request) -> str:
        return CHALLENGE
