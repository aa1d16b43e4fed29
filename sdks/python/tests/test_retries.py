"""Retries: a tiny local HTTP server in front of the live OrionOS answers 503 / 429 with
Retry-After first, then proxies; the SDK must wait as told and keep one Idempotency-Key."""
import http.server
import json
import threading
import time
import urllib.error
import urllib.request
from typing import List, Optional

import pytest

from orionos import APIConnectionError, InvalidRequestError, OrionOS, RateLimitError, ServiceUnavailableError


class Gate:
    """Answers the first `failures` requests with `status` (+ Retry-After), then proxies to `upstream`."""

    def __init__(self, upstream: str, failures: int, status: int, retry_after: Optional[str], envelope: bool = False) -> None:
        self.upstream = upstream.rstrip("/")
        self.failures = failures
        self.status = status
        self.retry_after = retry_after
        self.envelope = envelope
        self.seen: List[dict] = []
        gate = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def handle_any(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                gate.seen.append({"method": self.command, "path": self.path, "at": time.monotonic(),
                                  "idempotency_key": self.headers.get("idempotency-key")})
                if len(gate.seen) <= gate.failures:
                    payload = b"Service Unavailable"
                    content_type = "text/plain"
                    if gate.envelope:
                        code = "RATE_LIMIT_EXCEEDED" if gate.status == 429 else "SERVICE_UNAVAILABLE"
                        payload = json.dumps({"success": False, "error": {"code": code, "message": "later",
                                                                          "details": {}, "requestId": "req_gate"}}).encode()
                        content_type = "application/json"
                    self.send_response(gate.status)
                    self.send_header("content-type", content_type)
                    if gate.retry_after is not None:
                        self.send_header("retry-after", gate.retry_after)
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
                request = urllib.request.Request(gate.upstream + self.path, data=body, headers=headers, method=self.command)
                try:
                    answer = urllib.request.urlopen(request, timeout=30)
                except urllib.error.HTTPError as failed:
                    answer = failed
                data = answer.read()
                self.send_response(answer.status if hasattr(answer, "status") else answer.code)
                for name, value in answer.headers.items():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gate_factory(api_url: str):
    gates: List[Gate] = []
    upstream = api_url[: -len("/v1")]

    def make(**kwargs) -> Gate:
        gate = Gate(upstream, **kwargs)
        gates.append(gate)
        return gate

    yield make
    for gate in gates:
        gate.close()


def test_post_retried_after_503_with_same_idempotency_key(gate_factory, api_key: str):
    gate = gate_factory(failures=2, status=503, retry_after="1")
    orion = OrionOS(api_key, base_url=gate.url, max_retries=3)
    started = time.monotonic()
    agent = orion.agents.create(name="RetriedAgent")
    assert agent.id.startswith("agt_")
    assert len(gate.seen) == 3
    keys = {s["idempotency_key"] for s in gate.seen}
    assert len(keys) == 1 and None not in keys
    # Retry-After: 1 was honoured before each retry.
    assert gate.seen[1]["at"] - gate.seen[0]["at"] >= 0.95
    assert gate.seen[2]["at"] - gate.seen[1]["at"] >= 0.95
    assert time.monotonic() - started >= 1.9
    # The server ran the create once.
    assert orion.agents.get(agent.id).data.name == "RetriedAgent"


def test_a_second_logical_post_gets_a_new_key(gate_factory, api_key: str):
    gate = gate_factory(failures=0, status=503, retry_after=None)
    orion = OrionOS(api_key, base_url=gate.url)
    orion.agents.create(name="One")
    orion.agents.create(name="Two")
    orion.agents.create(name="Three", request_options={"idempotency_key": "my-own-key-123"})
    keys = [s["idempotency_key"] for s in gate.seen]
    assert keys[0] and keys[1] and keys[0] != keys[1]
    assert keys[2] == "my-own-key-123"


def test_get_retried_after_429_envelope_with_retry_after(gate_factory, api_key: str):
    gate = gate_factory(failures=1, status=429, retry_after="1", envelope=True)
    orion = OrionOS(api_key, base_url=gate.url)
    listed = orion.agents.list()
    assert listed.success is True
    assert len(gate.seen) == 2
    assert gate.seen[0]["idempotency_key"] is None  # GETs need none: they are idempotent
    assert gate.seen[1]["at"] - gate.seen[0]["at"] >= 0.95


def test_gives_up_after_max_retries_with_the_typed_error(gate_factory, api_key: str):
    gate = gate_factory(failures=10, status=429, retry_after="0", envelope=True)
    orion = OrionOS(api_key, base_url=gate.url, max_retries=2)
    with pytest.raises(RateLimitError) as caught:
        orion.agents.list()
    assert caught.value.status == 429 and caught.value.retry_after == 0
    assert caught.value.request_id == "req_gate"
    assert len(gate.seen) == 3

    gate503 = gate_factory(failures=10, status=503, retry_after="0")
    with pytest.raises(ServiceUnavailableError) as unavailable:
        OrionOS(api_key, base_url=gate503.url, max_retries=1).agents.create(name="Never")
    assert unavailable.value.code == "SERVICE_UNAVAILABLE"
    assert len(gate503.seen) == 2
    assert len({s["idempotency_key"] for s in gate503.seen}) == 1


def test_client_errors_are_not_retried(gate_factory, api_key: str):
    gate = gate_factory(failures=0, status=503, retry_after=None)
    orion = OrionOS(api_key, base_url=gate.url, max_retries=3)
    with pytest.raises(InvalidRequestError):
        orion.agents.create(name="")
    assert len(gate.seen) == 1


def test_connection_errors_are_retried_with_backoff():
    # A port nobody listens on: every try is refused; the SDK backs off between them.
    import socket
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    orion = OrionOS("orn_test_x", base_url=f"http://127.0.0.1:{port}/v1", max_retries=2)
    waits: List[float] = []
    orion._http.sleep = waits.append
    with pytest.raises(APIConnectionError) as caught:
        orion.agents.list()
    assert caught.value.code == "CONNECTION_ERROR"
    assert len(waits) == 2
    assert 0.375 <= waits[0] <= 0.5 and 0.75 <= waits[1] <= 1.0  # exponential, with jitter


def test_retry_delay_reads_retry_after_forms():
    import email.utils
    from orionos._http import retry_delay
    from orionos.errors import OrionOSError as Error

    seconds = Error.from_code("RATE_LIMIT_EXCEEDED", "x", status=429, headers={"Retry-After": "7"})
    assert retry_delay(seconds, 0, 60) == 7
    assert retry_delay(seconds, 0, 2) == 2  # capped by max_retry_delay
    date = email.utils.formatdate(time.time() + 10, usegmt=True)
    dated = Error.from_code("SERVICE_UNAVAILABLE", "x", status=503, headers={"retry-after": date})
    assert 8 <= retry_delay(dated, 0, 60) <= 10
    detailed = Error.from_code("RATE_LIMIT_EXCEEDED", "x", status=429, details={"retryAfter": 3})
    assert retry_delay(detailed, 0, 60) == 3
    bare = Error.from_code("SERVICE_UNAVAILABLE", "x", status=503)
    assert 2 * 0.75 <= retry_delay(bare, 2, 60) <= 2.0
    assert retry_delay(bare, 10, 60) <= 8.0


def test_timeout_is_typed_and_retried():
    import socket
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections (the kernel does), never answers
    port = listener.getsockname()[1]
    try:
        orion = OrionOS("orn_test_x", base_url=f"http://127.0.0.1:{port}/v1", timeout=0.3, max_retries=1)
        waits: List[float] = []
        orion._http.sleep = waits.append
        started = time.monotonic()
        from orionos import APITimeoutError
        with pytest.raises(APITimeoutError) as caught:
            orion.agents.list()
        assert caught.value.code == "TIMEOUT"
        assert len(waits) == 1
        assert 0.55 <= time.monotonic() - started < 5
    finally:
        listener.close()
