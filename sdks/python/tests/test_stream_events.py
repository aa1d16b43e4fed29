"""The stream's events as a server sends them (tool calls, errors, a cut-off stream, heartbeats),
from a tiny local SSE server: the local model of the live server makes no tool calls."""
import http.server
import json
import threading
from typing import List

import pytest

from orionos import (
    AgentUnavailableError,
    CompletedEvent,
    DeltaEvent,
    OrionOS,
    OrionOSError,
    SentMessage,
    ToolCallEvent,
    ToolResultEvent,
)

COMPLETED = {"id": "msg_1", "conversationId": "cnv_1", "agentId": "agt_1", "userId": "u", "text": "Hi",
             "response": "It is noon.", "model": "m", "usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3},
             "latencyMs": 5, "createdAt": "2026-01-01T00:00:00.000Z", "toolCalls": [], "citations": []}


def frame(event: str, data) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


SCRIPTS = {
    "tools": [
        b": heartbeat\n\n",
        frame("message.delta", {"delta": "It is "}),
        frame("tool.call", {"callId": "call_1", "tool": "time_now", "arguments": {"zone": "UTC"}}),
        frame("tool.result", {"id": "call_1", "tool": "time_now", "arguments": {"zone": "UTC"}, "result": {"time": "12:00"}, "error": None}),
        frame("some.future.event", {"x": 1}),
        frame("message.delta", {"delta": "noon."}),
        frame("message.completed", COMPLETED),
    ],
    "error": [
        frame("message.delta", {"delta": "It"}),
        frame("error", {"code": "AGENT_UNAVAILABLE", "message": "The model timed out", "details": {"reason": "timeout"},
                        "requestId": "req_stream"}),
    ],
    "cut": [frame("message.delta", {"delta": "It"})],
}


@pytest.fixture
def sse_server():
    seen: List[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
            seen.append({"body": body, "accept": self.headers.get("accept"), "key": self.headers.get("idempotency-key")})
            script = SCRIPTS[body["text"]]
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("x-request-id", "req_sse")
            self.send_header("connection", "close")
            self.end_headers()
            for chunk in script:
                self.wfile.write(chunk)
                self.wfile.flush()
            self.close_connection = True

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    server.shutdown()
    server.server_close()


def test_tool_events_in_order(sse_server):
    url, seen = sse_server
    orion = OrionOS("orn_test_sse", base_url=url)
    stream = orion.agents.stream_message("agt_1", text="tools", user_id="u")
    events = list(stream)
    assert [e.type for e in events] == ["delta", "tool_call", "tool_result", "delta", "completed"]
    assert isinstance(events[1], ToolCallEvent) and events[1].call_id == "call_1" and events[1].arguments == {"zone": "UTC"}
    assert isinstance(events[2], ToolResultEvent) and events[2].tool_call.result.time == "12:00"
    assert isinstance(events[4], CompletedEvent) and isinstance(events[4].message, SentMessage)
    assert "".join(e.delta for e in events if isinstance(e, DeltaEvent)) == events[4].message.response
    assert stream.request_id == "req_sse"
    assert seen[0]["body"] == {"text": "tools", "userId": "u", "stream": True}
    assert seen[0]["accept"] == "text/event-stream" and seen[0]["key"]


def test_error_event_raises_typed_error(sse_server):
    url, _ = sse_server
    stream = OrionOS("orn_test_sse", base_url=url).agents.stream_message("agt_1", text="error", user_id="u")
    events = []
    with pytest.raises(AgentUnavailableError) as caught:
        for event in stream:
            events.append(event)
    assert [e.type for e in events] == ["delta"]
    error = caught.value
    assert (error.code, error.status, error.reason, error.request_id) == ("AGENT_UNAVAILABLE", 503, "timeout", "req_stream")


def test_cut_off_stream_is_interrupted(sse_server):
    url, _ = sse_server
    stream = OrionOS("orn_test_sse", base_url=url).agents.stream_message("agt_1", text="cut", user_id="u")
    with pytest.raises(OrionOSError) as caught:
        stream.final_message()
    assert caught.value.code == "STREAM_INTERRUPTED"
