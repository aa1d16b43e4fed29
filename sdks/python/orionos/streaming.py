"""Streamed replies: the Server-Sent Events of ``POST /agents/{id}/messages`` with ``stream: true``."""
from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, List, Optional, Union

from ._http import Answer, error_from_answer
from .errors import STATUS_OF_CODE, APIConnectionError, APITimeoutError, OrionOSError
from .models import SentMessage, ToolCall, wrap


@dataclass(frozen=True)
class DeltaEvent:
    """A piece of the reply, as the model writes it."""
    delta: str
    type: str = field(default="delta", init=False)


@dataclass(frozen=True)
class ToolCallEvent:
    """The model started calling a tool."""
    call_id: str
    tool: str
    arguments: Any
    type: str = field(default="tool_call", init=False)


@dataclass(frozen=True)
class ToolResultEvent:
    """A tool call's outcome (``tool_call.result``, or ``tool_call.error`` when it failed)."""
    tool_call: ToolCall
    type: str = field(default="tool_result", init=False)


@dataclass(frozen=True)
class CompletedEvent:
    """The stored message: the same object ``send_message`` returns as ``data``. Always last."""
    message: SentMessage
    type: str = field(default="completed", init=False)


MessageStreamEvent = Union[DeltaEvent, ToolCallEvent, ToolResultEvent, CompletedEvent]


@dataclass
class _SseEvent:
    event: str = "message"
    data: List[str] = field(default_factory=list)


def parse_sse(lines: Iterator[bytes]) -> Iterator[_SseEvent]:
    """Server-Sent Events from the lines of a stream (comments, such as heartbeats, skipped)."""
    current = _SseEvent()
    for raw in lines:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if line == "":
            if current.data:
                yield current
            current = _SseEvent()
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            current.event = value
        elif name == "data":
            current.data.append(value)
    if current.data:
        yield current


def _data(event: _SseEvent) -> Any:
    try:
        return json.loads("\n".join(event.data))
    except ValueError:
        raise OrionOSError("INVALID_RESPONSE", f"The stream sent an event that is not JSON ({event.event})") from None


class MessageStream:
    """``for event in orion.agents.stream_message(agent_id, text=..., user_id=...)``: ``DeltaEvent``
    as the reply is written (tool calls among them, in order), then one ``CompletedEvent``. An
    ``error`` event raises its typed exception. The request is sent on first iteration (retried like
    any call until the stream starts, never after); iterate once. Use it as a context manager, or
    call ``close()``, to stop reading early.
    """

    def __init__(self, start: Callable[[], Answer]) -> None:
        self._start = start
        self._answer: Optional[Answer] = None
        self._started = False
        #: The request id of the stream's answer, once it started.
        self.request_id: Optional[str] = None

    def __enter__(self) -> "MessageStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stops reading and closes the connection (the server still completes the reply)."""
        if self._answer is not None:
            self._answer.close()

    def final_message(self) -> SentMessage:
        """Reads the whole stream; returns the completed message."""
        for event in self:
            if isinstance(event, CompletedEvent):
                return event.message
        raise OrionOSError("STREAM_INTERRUPTED", "The stream ended without a completed message")

    def __iter__(self) -> Iterator[MessageStreamEvent]:
        if self._started:
            raise RuntimeError("A MessageStream can be iterated only once")
        self._started = True
        return self._events()

    def _events(self) -> Iterator[MessageStreamEvent]:
        answer = self._start()
        self._answer = answer
        self.request_id = answer.headers.get("x-request-id")
        try:
            if "text/event-stream" not in answer.headers.get("content-type", ""):
                # A server that answered at once rather than streaming: the whole reply as one event.
                text = answer.response.read().decode("utf-8", "replace")
                try:
                    body = json.loads(text)
                except ValueError:
                    body = None
                if not (isinstance(body, dict) and body.get("success") is True and body.get("data")):
                    raise error_from_answer(answer.status, answer.headers, text)
                yield CompletedEvent(wrap(body["data"], SentMessage))
                return
            try:
                for event in parse_sse(iter(answer.response.readline, b"")):
                    if event.event == "message.delta":
                        data = _data(event)
                        delta = data.get("delta") if isinstance(data, dict) else None
                        yield DeltaEvent(delta if isinstance(delta, str) else "")
                    elif event.event == "tool.call":
                        data = _data(event) or {}
                        yield ToolCallEvent(data.get("callId", ""), data.get("tool", ""), data.get("arguments"))
                    elif event.event == "tool.result":
                        yield ToolResultEvent(wrap(_data(event), ToolCall))
                    elif event.event == "message.completed":
                        yield CompletedEvent(wrap(_data(event), SentMessage))
                        return
                    elif event.event == "error":
                        raise self._stream_error(_data(event))
                    # Other event types are newer than this SDK: skipped.
            except (socket.timeout, TimeoutError) as caught:
                raise APITimeoutError("TIMEOUT", "The stream went silent for longer than the timeout",
                                      request_id=self.request_id) from caught
            except (OSError, http.client.HTTPException, ValueError) as caught:
                raise APIConnectionError("CONNECTION_ERROR", f"The stream's connection failed: {caught}",
                                         request_id=self.request_id) from caught
            raise OrionOSError("STREAM_INTERRUPTED", "The stream ended before the reply was completed",
                               request_id=self.request_id)
        finally:
            answer.close()

    def _stream_error(self, data: Any) -> OrionOSError:
        error = data if isinstance(data, dict) else {}
        code = error.get("code") if isinstance(error.get("code"), str) else "INTERNAL_ERROR"
        return OrionOSError.from_code(
            code,
            error.get("message") if isinstance(error.get("message"), str) else "The stream failed",
            # The status the same error has as a plain answer (the stream itself was a 200).
            status=STATUS_OF_CODE.get(code),
            details=error.get("details") if isinstance(error.get("details"), dict) else {},
            request_id=error.get("requestId") or self.request_id,
            body=data,
        )
