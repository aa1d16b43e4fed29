"""Webhook signature verification (Standard Webhooks): ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature`` (``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, several space-separated),
signed with the endpoint's ``whsec_…`` secret (base64 after its prefix)."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any, Mapping, Optional, Union

from .errors import WebhookVerificationError
from .models import WebhookEvent, wrap

#: How far a delivery's timestamp may be from now, in seconds.
TOLERANCE_SECONDS = 5 * 60
_PREFIX = "whsec_"


def _secret_bytes(secret: str) -> bytes:
    if not isinstance(secret, str) or secret == "":
        raise TypeError("secret must be the endpoint's signing secret (whsec_…)")
    raw = secret[len(_PREFIX):] if secret.startswith(_PREFIX) else secret
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as error:
        raise TypeError(f"secret is not a signing secret (whsec_…): {error}") from None


def _header(headers: Any, name: str) -> Optional[str]:
    getter = getattr(headers, "get", None)
    if getter is not None:
        value = getter(name)
        if value is None:
            value = getter(name.title())
        if value is not None:
            return " ".join(value) if isinstance(value, (list, tuple)) else str(value)
    if isinstance(headers, Mapping):
        for key, value in headers.items():
            if key.lower() == name:
                return " ".join(value) if isinstance(value, (list, tuple)) else str(value)
    return None


def sign(secret: str, message_id: str, timestamp: int, body: Union[str, bytes]) -> str:
    """The ``v1,…`` signature of a delivery (what OrionOS sends; useful in tests)."""
    payload = body.encode("utf-8") if isinstance(body, str) else body
    signed = f"{message_id}.{timestamp}.".encode("utf-8") + payload
    digest = hmac.new(_secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify_webhook(body: Union[str, bytes], headers: Any, secret: str, *, now: Optional[float] = None) -> WebhookEvent:
    """Verifies a delivery and returns its event; raises WebhookVerificationError when the
    signature does not match the secret or the timestamp is more than 5 minutes away. ``body`` is
    the raw request body, exactly as received; ``headers`` any mapping (case-insensitive names)."""
    key = _secret_bytes(secret)
    message_id = _header(headers, "webhook-id")
    timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    if not message_id or not timestamp or not signatures:
        raise WebhookVerificationError("missing_headers", "Missing required headers (webhook-id, webhook-timestamp, webhook-signature)")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookVerificationError("invalid_headers", "Invalid webhook-timestamp header") from None
    current = time.time() if now is None else now
    if sent_at < current - TOLERANCE_SECONDS:
        raise WebhookVerificationError("stale_timestamp", "Message timestamp too old")
    if sent_at > current + TOLERANCE_SECONDS:
        raise WebhookVerificationError("stale_timestamp", "Message timestamp too new")
    payload = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    expected = hmac.new(key, f"{message_id}.{sent_at}.".encode("utf-8") + payload, hashlib.sha256).digest()
    for candidate in signatures.split(" "):
        version, _, value = candidate.partition(",")
        if version != "v1":
            continue
        try:
            given = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(given, expected):
            try:
                return wrap(json.loads(payload.decode("utf-8")), WebhookEvent)
            except ValueError as error:
                raise WebhookVerificationError("bad_signature", f"The body is not the signed JSON: {error}") from None
    raise WebhookVerificationError("bad_signature", "No matching signature found")
