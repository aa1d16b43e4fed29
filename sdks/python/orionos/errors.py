"""Typed exceptions: every failed call raises an OrionOSError (or a subclass) carrying the API's
error code, HTTP status, message, details and request id."""
from __future__ import annotations

import email.utils
import time
from typing import Any, Dict, List, Mapping, Optional

#: The HTTP status of each API error code (the server's own table).
STATUS_OF_CODE: Dict[str, int] = {
    "INVALID_REQUEST": 400,
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "AGENT_NOT_FOUND": 404,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "IDEMPOTENCY_CONFLICT": 409,
    "CHARACTER_IN_USE": 409,
    "ALREADY_EXISTS": 409,
    "WEBHOOK_DISABLED": 409,
    "PAYLOAD_TOO_LARGE": 413,
    "RATE_LIMIT_EXCEEDED": 429,
    "INSUFFICIENT_QUOTA": 429,
    "INTERNAL_ERROR": 500,
    "MODEL_ERROR": 502,
    "AGENT_UNAVAILABLE": 503,
    "SERVICE_UNAVAILABLE": 503,
}


class OrionOSError(Exception):
    """Any failed call. ``code`` tells what happened; the subclasses add typed accessors.

    Codes the SDK gives itself, when there is no API answer to read one from: CONNECTION_ERROR,
    TIMEOUT, INVALID_RESPONSE, STREAM_INTERRUPTED, WEBHOOK_VERIFICATION_FAILED.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: Optional[int] = None,
        details: Optional[Dict[str, Any]] = None,
        request_id: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details: Dict[str, Any] = details if isinstance(details, dict) else {}
        self.request_id = request_id
        #: The answer's headers (lower-case names), when there was an answer.
        self.headers: Dict[str, str] = {k.lower(): v for k, v in (headers or {}).items()}
        #: The parsed body of the answer, when there was one.
        self.body = body

    def __str__(self) -> str:
        parts = [f"{self.code}: {self.message}"]
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        if self.request_id:
            parts.append(f"[{self.request_id}]")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, status={self.status!r}, message={self.message!r})"

    @staticmethod
    def from_code(code: str, message: str, **kwargs: Any) -> "OrionOSError":
        """The error for an API error object, as its subclass (OrionOSError for an unknown code)."""
        cls = ERROR_CLASSES.get(code, OrionOSError)
        return cls(code, message, **kwargs)


class InvalidRequestError(OrionOSError):
    """400 INVALID_REQUEST: ``fields`` names each offending field."""

    @property
    def fields(self) -> List[Dict[str, str]]:
        fields = self.details.get("fields")
        return fields if isinstance(fields, list) else []


class AuthenticationError(OrionOSError):
    """401 UNAUTHORIZED: missing, malformed, unknown, revoked or expired API key."""


class PermissionDeniedError(OrionOSError):
    """403 FORBIDDEN: the key lacks ``required_scope``."""

    @property
    def required_scope(self) -> Optional[str]:
        scope = self.details.get("requiredScope")
        return scope if isinstance(scope, str) else None


class NotFoundError(OrionOSError):
    """404 AGENT_NOT_FOUND or NOT_FOUND."""


class MethodNotAllowedError(OrionOSError):
    """405 METHOD_NOT_ALLOWED."""


class IdempotencyConflictError(OrionOSError):
    """409 IDEMPOTENCY_CONFLICT: the Idempotency-Key was used with another body, or is in flight."""


class ConflictError(OrionOSError):
    """409 ALREADY_EXISTS: a name that must be unique is taken (``field`` says which)."""

    @property
    def field(self) -> Optional[str]:
        value = self.details.get("field")
        return value if isinstance(value, str) else None


class CharacterInUseError(OrionOSError):
    """409 CHARACTER_IN_USE: agents use the character; delete with ``force=True`` to detach them."""

    @property
    def agents(self) -> Optional[int]:
        value = self.details.get("agents")
        return value if isinstance(value, int) else None


class WebhookDisabledError(OrionOSError):
    """409 WEBHOOK_DISABLED: test events and redeliveries wait until the endpoint is enabled."""

    @property
    def disabled_reason(self) -> Optional[str]:
        return self.details.get("disabledReason")


class PayloadTooLargeError(OrionOSError):
    """413 PAYLOAD_TOO_LARGE."""


def retry_after_seconds(error: OrionOSError) -> Optional[float]:
    """``Retry-After`` (seconds or an HTTP date) or ``details.retryAfter``, in seconds."""
    header = error.headers.get("retry-after")
    if header is not None and header.strip() != "":
        try:
            seconds = float(header)
            if seconds >= 0:
                return seconds
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(header)
                return max(0.0, when.timestamp() - time.time())
            except (TypeError, ValueError):
                pass
    detail = error.details.get("retryAfter")
    if isinstance(detail, (int, float)) and not isinstance(detail, bool) and detail >= 0:
        return float(detail)
    return None


class RateLimitError(OrionOSError):
    """429 RATE_LIMIT_EXCEEDED: retried automatically."""

    @property
    def retry_after(self) -> Optional[float]:
        return retry_after_seconds(self)


class QuotaExceededError(OrionOSError):
    """429 INSUFFICIENT_QUOTA: the monthly message quota is used up; never retried."""

    @property
    def quota(self) -> Optional[int]:
        return self.details.get("quota")

    @property
    def used(self) -> Optional[int]:
        return self.details.get("used")

    @property
    def resets_at(self) -> Optional[str]:
        return self.details.get("resetsAt")


class InternalServerError(OrionOSError):
    """500 INTERNAL_ERROR."""


class ModelError(OrionOSError):
    """502 MODEL_ERROR: the agent's model provider failed or answered garbage."""


class AgentUnavailableError(OrionOSError):
    """503 AGENT_UNAVAILABLE: ``reason`` is ``paused``, ``provider_not_configured`` or ``timeout``."""

    @property
    def reason(self) -> Optional[str]:
        value = self.details.get("reason")
        return value if isinstance(value, str) else None


class ServiceUnavailableError(OrionOSError):
    """503 SERVICE_UNAVAILABLE: the server is shutting down or its database is unreachable."""


class APIConnectionError(OrionOSError):
    """No HTTP answer: the connection failed (``__cause__`` has the underlying error)."""


class APITimeoutError(APIConnectionError):
    """No answer within the timeout."""


class WebhookVerificationError(OrionOSError):
    """A webhook delivery that is not what OrionOS sent with this secret. ``reason`` says why:
    ``missing_headers``, ``invalid_headers``, ``stale_timestamp`` or ``bad_signature``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__("WEBHOOK_VERIFICATION_FAILED", message, details={"reason": reason})
        self.reason = reason


ERROR_CLASSES: Dict[str, type] = {
    "INVALID_REQUEST": InvalidRequestError,
    "UNAUTHORIZED": AuthenticationError,
    "FORBIDDEN": PermissionDeniedError,
    "AGENT_NOT_FOUND": NotFoundError,
    "NOT_FOUND": NotFoundError,
    "METHOD_NOT_ALLOWED": MethodNotAllowedError,
    "IDEMPOTENCY_CONFLICT": IdempotencyConflictError,
    "CHARACTER_IN_USE": CharacterInUseError,
    "ALREADY_EXISTS": ConflictError,
    "WEBHOOK_DISABLED": WebhookDisabledError,
    "PAYLOAD_TOO_LARGE": PayloadTooLargeError,
    "RATE_LIMIT_EXCEEDED": RateLimitError,
    "INSUFFICIENT_QUOTA": QuotaExceededError,
    "INTERNAL_ERROR": InternalServerError,
    "MODEL_ERROR": ModelError,
    "AGENT_UNAVAILABLE": AgentUnavailableError,
    "SERVICE_UNAVAILABLE": ServiceUnavailableError,
}
