"""The integration key: what it seals (the UIDs that wait for a delivery) and the keyed
hash that recognises an instance received twice. No hand-written cryptography: Fernet
(AES-128-CBC with HMAC-SHA-256) and HMAC from the standard library."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from diagnosis.errors import NotConfigured


class IntegrationKeyError(NotConfigured, ValueError):
    """PNEUMO_INTEGRATION_KEY is missing or not a Fernet key."""


@dataclass(frozen=True)
class SourceReference:
    """Which instance a result is about: enough to fetch its header from the PACS."""

    study: str
    series: str
    instance: str
    sop_class: str


def _key() -> bytes:
    key = settings.PNEUMO_INTEGRATION_KEY.encode()
    if not key:
        raise IntegrationKeyError(
            'PNEUMO_INTEGRATION_KEY is not set: make one with `python -c "from '
            'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.'
        )
    try:
        Fernet(key)
    except ValueError:
        raise IntegrationKeyError(
            "PNEUMO_INTEGRATION_KEY is not a Fernet key (32 url-safe base64-encoded bytes)."
        ) from None
    return key


def check_key() -> None:
    """Raise IntegrationKeyError, with what to do, unless the key is usable."""
    _key()


def instance_key(sop_instance_uid: str) -> str:
    """The keyed hash of a SOP Instance UID (hex), stable under one integration key."""
    secret = hashlib.sha256(b"pneumoscan-instance-key:" + _key()).digest()
    return hmac.new(secret, sop_instance_uid.encode(), hashlib.sha256).hexdigest()


def uid_secret() -> bytes:
    """The secret behind the result objects' UIDs (pacs.results.result_uid)."""
    return hashlib.sha256(b"pneumoscan-result-uid:" + _key()).digest()


def seal(reference: SourceReference) -> str:
    return Fernet(_key()).encrypt(json.dumps(asdict(reference)).encode()).decode()


def unseal(token: str) -> SourceReference:
    try:
        return SourceReference(**json.loads(Fernet(_key()).decrypt(token.encode())))
    except (InvalidToken, ValueError, TypeError) as exc:
        raise IntegrationKeyError(
            "A sealed reference cannot be opened with this PNEUMO_INTEGRATION_KEY."
        ) from exc
