"""The one place HTTP happens: headers, timeouts, typed errors, retries with exponential backoff
and jitter, and an Idempotency-Key on every POST (one per logical call, the same on its retries)."""
from __future__ import annotations

import http.client
import json
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable, Dict, Mapping, Optional, TypeVar

from .errors import (
    AgentUnavailableError,
    APIConnectionError,
    APITimeoutError,
    OrionOSError,
    retry_after_seconds,
)

SDK_VERSION = "0.1.0"

R = TypeVar("R")

#: AGENT_UNAVAILABLE reasons that a retry cannot change.
PERMANENT_UNAVAILABILITY = {"paused", "provider_not_configured"}
INITIAL_BACKOFF = 0.5
MAX_BACKOFF = 8.0


def is_retryable(error: OrionOSError) -> bool:
    """Retried: rate limits (not quotas), unavailability that may pass, and failed connections."""
    if isinstance(error, APIConnectionError):
        return True
    if error.code in ("RATE_LIMIT_EXCEEDED", "SERVICE_UNAVAILABLE"):
        return True
    if isinstance(error, AgentUnavailableError):
        return (error.reason or "") not in PERMANENT_UNAVAILABILITY
    return False


def retry_delay(error: OrionOSError, retry: int, max_delay: float) -> float:
    """Seconds before retry number ``retry`` (0-based): what the server asked for (Retry-After or
    details.retryAfter), capped at ``max_delay``, else exponential backoff with jitter."""
    hinted = retry_after_seconds(error)
    if hinted is not None:
        return min(hinted, max_delay)
    backoff = min(INITIAL_BACKOFF * (2 ** retry), MAX_BACKOFF, max_delay)
    return backoff * (0.75 + random.random() * 0.25)


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def error_from_answer(status: int, headers: Mapping[str, str], text: str) -> OrionOSError:
    """An API error envelope as a typed exception; anything else as INVALID_RESPONSE (or, for a
    bare 429/503, RATE_LIMIT_EXCEEDED/SERVICE_UNAVAILABLE)."""
    lower = {k.lower(): v for k, v in headers.items()}
    body = _parse_json(text)
    header_id = lower.get("x-request-id")
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(body, dict) and body.get("success") is False and isinstance(error, dict) and isinstance(error.get("code"), str):
        return OrionOSError.from_code(
            error["code"],
            error["message"] if isinstance(error.get("message"), str) else f"HTTP {status}",
            status=status,
            details=error.get("details") if isinstance(error.get("details"), dict) else {},
            request_id=error.get("requestId") or header_id,
            headers=lower,
            body=body,
        )
    code = "RATE_LIMIT_EXCEEDED" if status == 429 else "SERVICE_UNAVAILABLE" if status == 503 else "INVALID_RESPONSE"
    excerpt = text if len(text) <= 200 else text[:200] + "…"
    return OrionOSError.from_code(
        code,
        f"Unexpected answer from the server (HTTP {status})" + (f": {excerpt}" if excerpt else ""),
        status=status,
        headers=lower,
        body=body if body is not None else text,
        request_id=header_id,
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # an API answer is never a redirect
        return None


class Answer:
    """An HTTP answer whose status was a success, its body not yet read."""

    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.response = response
        self.status: int = response.status
        self.headers: Dict[str, str] = {k.lower(): v for k, v in response.getheaders()}

    def close(self) -> None:
        try:
            self.response.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass


class HttpClient:
    def __init__(self, *, api_key: str, base_url: str, max_retries: int, timeout: float, max_retry_delay: float) -> None:
        self.api_key = api_key
        self.base_url = base_url
        self.max_retries = max_retries
        self.timeout = timeout
        self.max_retry_delay = max_retry_delay
        self._opener = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))
        #: Sleeps between retries (tests may replace it).
        self.sleep: Callable[[float], None] = time.sleep

    def url(self, path: str, query: Optional[Mapping[str, Any]] = None) -> str:
        pairs = []
        for name, value in (query or {}).items():
            if value is None:
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            pairs.append((name, str(value)))
        search = urllib.parse.urlencode(pairs)
        return f"{self.base_url}{path}" + (f"?{search}" if search else "")

    def request(self, method: str, path: str, *, query: Optional[Mapping[str, Any]] = None, body: Any = None,
                options: Optional[Mapping[str, Any]] = None) -> "tuple[Any, Optional[str]]":
        """A JSON call: the envelope's ``data`` and the request id, or the typed error after retries."""
        def read(answer: Answer) -> "tuple[Any, Optional[str]]":
            try:
                text = answer.response.read().decode("utf-8", "replace")
            except (socket.timeout, TimeoutError) as caught:
                raise APITimeoutError("TIMEOUT", "The answer timed out") from caught
            except (OSError, http.client.HTTPException) as caught:
                raise APIConnectionError("CONNECTION_ERROR", f"The answer was cut off: {caught}") from caught
            finally:
                answer.close()
            parsed = _parse_json(text)
            if not (isinstance(parsed, dict) and parsed.get("success") is True and "data" in parsed):
                raise error_from_answer(answer.status, answer.headers, text)
            return parsed["data"], answer.headers.get("x-request-id")
        return self._with_retries(method, path, query, body, options or {}, "application/json", read)

    def open(self, method: str, path: str, *, query: Optional[Mapping[str, Any]] = None, body: Any = None,
             options: Optional[Mapping[str, Any]] = None, accept: str = "text/event-stream") -> Answer:
        """Opens a stream (or a download): returns once a success answer's headers are in."""
        return self._with_retries(method, path, query, body, options or {}, accept, lambda answer: answer)

    def _with_retries(self, method: str, path: str, query: Optional[Mapping[str, Any]], body: Any,
                      options: Mapping[str, Any], accept: str, read: Callable[[Answer], R]) -> R:
        max_retries = max(0, int(options.get("max_retries", self.max_retries)))
        # One key per logical call: every retry carries the same, so the server runs it once.
        idempotency_key = (options.get("idempotency_key") or str(uuid.uuid4())) if method == "POST" else None
        retry = 0
        while True:
            try:
                answer = self._send(method, path, query, body, options, accept, idempotency_key)
                return read(answer)
            except OrionOSError as caught:
                error = caught
            # Within one call the body never changes, so a conflict on a retry means an earlier
            # attempt (whose answer was lost) is still running on the server: wait for it.
            still_running = (retry > 0 and error.code == "IDEMPOTENCY_CONFLICT"
                             and error.details.get("reason") != "answer_lost")
            if retry >= max_retries or not (is_retryable(error) or still_running):
                raise error
            self.sleep(retry_delay(error, retry, self.max_retry_delay))
            retry += 1

    def _send(self, method: str, path: str, query: Optional[Mapping[str, Any]], body: Any,
              options: Mapping[str, Any], accept: str, idempotency_key: Optional[str]) -> Answer:
        headers = {
            "Accept": accept,
            "Authorization": f"Bearer {self.api_key}",
            "User-Agent": f"orionos-sdk-python/{SDK_VERSION}",
        }
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode("utf-8")
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        headers.update(options.get("headers") or {})
        timeout = float(options.get("timeout", self.timeout))
        request = urllib.request.Request(self.url(path, query), data=data, headers=headers, method=method)
        try:
            response = self._opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as failed:
            try:
                text = failed.read().decode("utf-8", "replace")
            except Exception:  # noqa: BLE001 - a body cut off: judge the status alone
                text = ""
            finally:
                failed.close()
            raise error_from_answer(failed.code, dict(failed.headers.items()), text) from None
        except (socket.timeout, TimeoutError) as caught:
            raise APITimeoutError("TIMEOUT", "The request timed out") from caught
        except urllib.error.URLError as caught:
            if isinstance(caught.reason, (socket.timeout, TimeoutError)):
                raise APITimeoutError("TIMEOUT", "The request timed out") from caught
            raise APIConnectionError("CONNECTION_ERROR", f"Could not reach the OrionOS API: {caught.reason}") from caught
        except (OSError, http.client.HTTPException) as caught:
            raise APIConnectionError("CONNECTION_ERROR", f"Could not reach the OrionOS API: {caught}") from caught
        return Answer(response)
