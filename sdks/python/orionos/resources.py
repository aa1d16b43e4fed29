"""One class per REST resource; each method is one route of the API (``/v1/openapi.json``).

Body parameters are given as a dict (the API's JSON, camelCase keys), as keyword arguments
(snake_case, turned into camelCase: ``user_id`` -> ``userId``), or both. Every method also takes
``request_options``: ``idempotency_key``, ``max_retries``, ``timeout`` (seconds), ``headers``.
"""
from __future__ import annotations

import datetime as _dt
import json
import socket
import http.client
import urllib.parse
from typing import Any, Dict, Iterator, List, Mapping, Optional, Union

from ._http import Answer, HttpClient
from .errors import APIConnectionError, APITimeoutError
from .models import (
    Account,
    Agent,
    ApiKey,
    ApiResponse,
    Character,
    Conversation,
    KnowledgeDocument,
    McpServer,
    Message,
    Model,
    Plugin,
    SentMessage,
    Tool,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    page_of,
    to_camel,
    wrap,
)
from .streaming import MessageStream
from .webhooks import verify_webhook

RequestOptions = Mapping[str, Any]


def _id(name: str, value: str) -> str:
    """A path segment from an id; an empty one would silently name another route."""
    if not isinstance(value, str) or value == "":
        raise TypeError(f"{name} must be a non-empty string")
    return urllib.parse.quote(value, safe="")


def _body(params: Optional[Mapping[str, Any]], fields: Mapping[str, Any]) -> Dict[str, Any]:
    body: Dict[str, Any] = dict(params or {})
    for name, value in fields.items():
        body[to_camel(name)] = _instant(value)
    return body


def _instant(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value.isoformat().replace("+00:00", "Z")
    return value


def _page(page: Optional[int], limit: Optional[int]) -> Dict[str, Any]:
    return {"page": page, "limit": limit}


class _Resource:
    def __init__(self, http: HttpClient) -> None:
        self._http = http

    def _call(self, method: str, path: str, cls: Optional[type] = None, *, query: Optional[Mapping[str, Any]] = None,
              body: Any = None, request_options: Optional[RequestOptions] = None) -> ApiResponse[Any]:
        data, request_id = self._http.request(method, path, query=query, body=body, options=request_options)
        return ApiResponse(wrap(data, cls), request_id)


class Agents(_Resource):
    def create(self, params: Optional[Mapping[str, Any]] = None, *, request_options: Optional[RequestOptions] = None,
               **fields: Any) -> ApiResponse[Agent]:
        """POST /agents. Only ``name`` is required."""
        return self._call("POST", "/agents", Agent, body=_body(params, fields), request_options=request_options)

    def list(self, *, page: Optional[int] = None, limit: Optional[int] = None,
             request_options: Optional[RequestOptions] = None) -> ApiResponse[Any]:
        """GET /agents, newest first."""
        return self._call("GET", "/agents", page_of(Agent), query=_page(page, limit), request_options=request_options)

    def get(self, agent_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Agent]:
        """GET /agents/{agentId}; NotFoundError (AGENT_NOT_FOUND) if it is not one of yours."""
        return self._call("GET", f"/agents/{_id('agent_id', agent_id)}", Agent, request_options=request_options)

    def update(self, agent_id: str, params: Optional[Mapping[str, Any]] = None, *,
               request_options: Optional[RequestOptions] = None, **fields: Any) -> ApiResponse[Agent]:
        """PATCH /agents/{agentId}: replaces each top-level field given; None clears an optional one."""
        return self._call("PATCH", f"/agents/{_id('agent_id', agent_id)}", Agent, body=_body(params, fields),
                          request_options=request_options)

    def delete(self, agent_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """DELETE /agents/{agentId}."""
        return self._call("DELETE", f"/agents/{_id('agent_id', agent_id)}", request_options=request_options)

    def send_message(self, agent_id: str, params: Optional[Mapping[str, Any]] = None, *,
                     request_options: Optional[RequestOptions] = None, **fields: Any) -> ApiResponse[SentMessage]:
        """POST /agents/{agentId}/messages: the agent's reply is ``response.data.response``."""
        body = _body(params, fields)
        body.pop("stream", None)
        return self._call("POST", f"/agents/{_id('agent_id', agent_id)}/messages", SentMessage, body=body,
                          request_options=request_options)

    def stream_message(self, agent_id: str, params: Optional[Mapping[str, Any]] = None, *,
                       request_options: Optional[RequestOptions] = None, **fields: Any) -> MessageStream:
        """The same, streamed (``stream: true``): iterate the returned MessageStream for
        DeltaEvent/ToolCallEvent/ToolResultEvent events, then one CompletedEvent."""
        path = f"/agents/{_id('agent_id', agent_id)}/messages"
        body = {**_body(params, fields), "stream": True}
        return MessageStream(lambda: self._http.open("POST", path, body=body, options=request_options))

    def prompt_preview(self, agent_id: str, *, user_id: str, text: Optional[str] = None,
                       request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """GET /agents/{agentId}/prompt-preview: what the model would receive next, without calling it."""
        return self._call("GET", f"/agents/{_id('agent_id', agent_id)}/prompt-preview",
                          query={"userId": user_id, "text": text}, request_options=request_options)

    def conversations(self, agent_id: str, *, user_id: Optional[str] = None, page: Optional[int] = None,
                      limit: Optional[int] = None, request_options: Optional[RequestOptions] = None) -> ApiResponse[Any]:
        """GET /agents/{agentId}/conversations (optionally one user_id's)."""
        return self._call("GET", f"/agents/{_id('agent_id', agent_id)}/conversations", page_of(Conversation),
                          query={"userId": user_id, **_page(page, limit)}, request_options=request_options)


class Plugins(_Resource):
    """The plugin catalog, and the plugins each agent has enabled."""

    def list(self, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[List[Plugin]]:
        """GET /plugins: every plugin an agent can enable."""
        return self._call("GET", "/plugins", Plugin, request_options=request_options)

    def get(self, plugin_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Plugin]:
        """GET /plugins/{pluginId}."""
        return self._call("GET", f"/plugins/{_id('plugin_id', plugin_id)}", Plugin, request_options=request_options)

    def list_enabled(self, agent_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[List[Model]]:
        """GET /agents/{agentId}/plugins: the plugins the agent has enabled, in catalog order."""
        return self._call("GET", f"/agents/{_id('agent_id', agent_id)}/plugins", request_options=request_options)

    def enable(self, agent_id: str, plugin_id: str, params: Optional[Mapping[str, Any]] = None, *,
               request_options: Optional[RequestOptions] = None, **fields: Any) -> ApiResponse[Model]:
        """PUT /agents/{agentId}/plugins/{pluginId}: enables it, or replaces its ``config``."""
        return self._call("PUT", f"/agents/{_id('agent_id', agent_id)}/plugins/{_id('plugin_id', plugin_id)}",
                          body=_body(params, fields), request_options=request_options)

    def disable(self, agent_id: str, plugin_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """DELETE /agents/{agentId}/plugins/{pluginId}."""
        return self._call("DELETE", f"/agents/{_id('agent_id', agent_id)}/plugins/{_id('plugin_id', plugin_id)}",
                          request_options=request_options)


class Tools(_Resource):
    """Agents' custom HTTP tools, and their signing secret."""

    def create(self, agent_id: str, params: Optional[Mapping[str, Any]] = None, *,
               request_options: Optional[RequestOptions] = None, **fields: Any) -> ApiResponse[Model]:
        """POST /agents/{agentId}/tools: ``data.tool``, and ``data.signingSecret`` for the agent's first tool."""
        return self._call("POST", f"/agents/{_id('agent_id', agent_id)}/tools", body=_body(params, fields),
                          request_options=request_options)

    def list(self, agent_id: str, *, page: Optional[int] = None, limit: Optional[int] = None,
             request_options: Optional[RequestOptions] = None) -> ApiResponse[Any]:
        """GET /agents/{agentId}/tools, newest first."""
        return self._call("GET", f"/agents/{_id('agent_id', agent_id)}/tools", page_of(Tool), query=_page(page, limit),
                          request_options=request_options)

    def get(self, agent_id: str, tool_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Tool]:
        """GET /agents/{agentId}/tools/{toolId}."""
        return self._call("GET", f"/agents/{_id('agent_id', agent_id)}/tools/{_id('tool_id', tool_id)}", Tool,
                          request_options=request_options)

    def update(self, agent_id: str, tool_id: str, params: Optional[Mapping[str, Any]] = None, *,
               request_options: Optional[RequestOptions] = None, **fields: Any) -> ApiResponse[Tool]:
        """PATCH /agents/{agentId}/tools/{toolId}."""
        return self._call("PATCH", f"/agents/{_id('agent_id', agent_id)}/tools/{_id('tool_id', tool_id)}", Tool,
                          body=_body(params, fields), request_options=request_options)

    def delete(self, agent_id: str, tool_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """DELETE /agents/{agentId}/tools/{toolId}."""
        return self._call("DELETE", f"/agents/{_id('agent_id', agent_id)}/tools/{_id('tool_id', tool_id)}",
                          request_options=request_options)

    def rotate_secret(self, agent_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """POST /agents/{agentId}/tools/secret: a new signing secret, shown once."""
        return self._call("POST", f"/agents/{_id('agent_id', agent_id)}/tools/secret", request_options=request_options)


class Characters(_Resource):
    def create(self, params: Optional[Mapping[str, Any]] = None, *, request_options: Optional[RequestOptions] = None,
               **fields: Any) -> ApiResponse[Character]:
        """POST /characters. Only ``name`` is required; this makes revision 1."""
        return self._call("POST", "/characters", Character, body=_body(params, fields), request_options=request_options)

    def list(self, *, page: Optional[int] = None, limit: Optional[int] = None,
             request_options: Optional[RequestOptions] = None) -> ApiResponse[Any]:
        """GET /characters, newest first."""
        return self._call("GET", "/characters", page_of(Character), query=_page(page, limit), request_options=request_options)

    def get(self, character_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Character]:
        """GET /characters/{characterId}."""
        return self._call("GET", f"/characters/{_id('character_id', character_id)}", Character, request_options=request_options)

    def update(self, character_id: str, params: Optional[Mapping[str, Any]] = None, *,
               request_options: Optional[RequestOptions] = None, **fields: Any) -> ApiResponse[Character]:
        """PATCH /characters/{characterId}: replaces each top-level field given; a new revision."""
        return self._call("PATCH", f"/characters/{_id('character_id', character_id)}", Character,
                          body=_body(params, fields), request_options=request_options)

    def delete(self, character_id: str, *, force: Optional[bool] = None,
               request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """DELETE /characters/{characterId}; CharacterInUseError while agents use it, unless ``force``."""
        return self._call("DELETE", f"/characters/{_id('character_id', character_id)}", query={"force": force},
                          request_options=request_options)

    def revisions(self, character_id: str, *, page: Optional[int] = None, limit: Optional[int] = None,
                  request_options: Optional[RequestOptions] = None) -> ApiResponse[Any]:
        """GET /characters/{characterId}/revisions, newest first."""
        return self._call("GET", f"/characters/{_id('character_id', character_id)}/revisions", page_of(Model),
                          query=_page(page, limit), request_options=request_options)

    def revision(self, character_id: str, number: int, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """GET /characters/{characterId}/revisions/{number}."""
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise TypeError("number must be an integer, 1 or more")
        return self._call("GET", f"/characters/{_id('character_id', character_id)}/revisions/{number}",
                          request_options=request_options)

    def import_(self, file: Mapping[str, Any], *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """POST /characters/import: an ElizaOS file or a Character Card V2/V3 (or an export)."""
        return self._call("POST", "/characters/import", body=dict(file), request_options=request_options)

    def export(self, character_id: str, format: str = "orion", *,
               request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """GET /characters/{characterId}/export (``orion``, ``eliza`` or ``ccv2``): a file ``import_`` reads back."""
        return self._call("GET", f"/characters/{_id('character_id', character_id)}/export", query={"format": format},
                          request_options=request_options)


class ExportDownload:
    """An export being downloaded: iterate it for text pieces, or use ``lines()``, ``records()``
    or ``text()``. Read it once; ``close()`` (or a ``with`` block) stops it early."""

    def __init__(self, answer: Answer) -> None:
        self._answer = answer
        self.content_type: str = answer.headers.get("content-type", "")
        disposition = answer.headers.get("content-disposition", "")
        name = ""
        if "filename=" in disposition:
            name = disposition.split("filename=", 1)[1].split(";", 1)[0].strip().strip('"')
        self.file_name = name
        self.request_id = answer.headers.get("x-request-id")

    def __enter__(self) -> "ExportDownload":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._answer.close()

    def __iter__(self) -> Iterator[str]:
        try:
            while True:
                try:
                    chunk = self._answer.response.read1(65536)
                except (socket.timeout, TimeoutError) as caught:
                    raise APITimeoutError("TIMEOUT", "The download timed out") from caught
                except (OSError, http.client.HTTPException, ValueError) as caught:
                    raise APIConnectionError("CONNECTION_ERROR", f"The download was cut off: {caught}") from caught
                if not chunk:
                    return
                yield chunk.decode("utf-8", "replace")
        finally:
            self.close()

    def lines(self) -> Iterator[str]:
        rest = ""
        for piece in self:
            parts = (rest + piece).split("\n")
            rest = parts.pop()
            yield from parts
        if rest:
            yield rest

    def records(self) -> Iterator[Model]:
        """A JSON Lines export's records, in order (``type`` ``conversation`` or ``message``)."""
        for line in self.lines():
            if line:
                yield wrap(json.loads(line))

    def text(self) -> str:
        return "".join(self)


_EXPORT_ACCEPT = "application/x-ndjson, text/markdown, application/json"


class Conversations(_Resource):
    def search(self, *, agent_id: Optional[str] = None, user_id: Optional[str] = None, q: Optional[str] = None,
               from_: Union[str, _dt.datetime, None] = None, to: Union[str, _dt.datetime, None] = None,
               page: Optional[int] = None, limit: Optional[int] = None,
               request_options: Optional[RequestOptions] = None) -> ApiResponse[Any]:
        """GET /conversations: the account's conversations, filtered; with ``q``, a full-text search."""
        query = {"agentId": agent_id, "userId": user_id, "q": q, "from": _instant(from_), "to": _instant(to),
                 **_page(page, limit)}
        return self._call("GET", "/conversations", page_of(Conversation), query=query, request_options=request_options)

    def get(self, conversation_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Conversation]:
        """GET /conversations/{conversationId}."""
        return self._call("GET", f"/conversations/{_id('conversation_id', conversation_id)}", Conversation,
                          request_options=request_options)

    def messages(self, conversation_id: str, *, page: Optional[int] = None, limit: Optional[int] = None,
                 request_options: Optional[RequestOptions] = None) -> ApiResponse[Any]:
        """GET /conversations/{conversationId}/messages: both sides' turns, newest first."""
        return self._call("GET", f"/conversations/{_id('conversation_id', conversation_id)}/messages", page_of(Message),
                          query=_page(page, limit), request_options=request_options)

    def export(self, conversation_id: str, *, format: Optional[str] = None,
               request_options: Optional[RequestOptions] = None) -> ExportDownload:
        """GET /conversations/{conversationId}/export: JSON Lines (default) or ``markdown``, streamed."""
        answer = self._http.open("GET", f"/conversations/{_id('conversation_id', conversation_id)}/export",
                                 query={"format": format}, options=request_options, accept=_EXPORT_ACCEPT)
        return ExportDownload(answer)

    def export_all(self, agent_id: str, *, request_options: Optional[RequestOptions] = None) -> ExportDownload:
        """GET /agents/{agentId}/conversations/export: every conversation of the agent, JSON Lines."""
        answer = self._http.open("GET", f"/agents/{_id('agent_id', agent_id)}/conversations/export",
                                 options=request_options, accept=_EXPORT_ACCEPT)
        return ExportDownload(answer)

    def delete(self, conversation_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """DELETE /conversations/{conversationId}."""
        return self._call("DELETE", f"/conversations/{_id('conversation_id', conversation_id)}",
                          request_options=request_options)


class Analytics(_Resource):
    """Conversation analytics of the account or of one agent (default: the last 7 days by day, UTC)."""

    @staticmethod
    def _range(from_: Any, to: Any, interval: Optional[str], time_zone: Optional[str]) -> Dict[str, Any]:
        return {"from": _instant(from_), "to": _instant(to), "interval": interval, "timeZone": time_zone}

    def account(self, *, from_: Union[str, _dt.datetime, None] = None, to: Union[str, _dt.datetime, None] = None,
                interval: Optional[str] = None, time_zone: Optional[str] = None,
                request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """GET /analytics."""
        return self._call("GET", "/analytics", query=self._range(from_, to, interval, time_zone),
                          request_options=request_options)

    def agent(self, agent_id: str, *, from_: Union[str, _dt.datetime, None] = None,
              to: Union[str, _dt.datetime, None] = None, interval: Optional[str] = None,
              time_zone: Optional[str] = None, request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """GET /agents/{agentId}/analytics."""
        return self._call("GET", f"/agents/{_id('agent_id', agent_id)}/analytics",
                          query=self._range(from_, to, interval, time_zone), request_options=request_options)


class Messages(_Resource):
    """Single messages: feedback on an agent's reply."""

    def feedback(self, message_id: str, params: Optional[Mapping[str, Any]] = None, *,
                 request_options: Optional[RequestOptions] = None, **fields: Any) -> ApiResponse[Model]:
        """POST /messages/{messageId}/feedback: ``rating`` (``like``/``dislike``) and an optional ``comment``."""
        return self._call("POST", f"/messages/{_id('message_id', message_id)}/feedback", body=_body(params, fields),
                          request_options=request_options)

    def delete_feedback(self, message_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """DELETE /messages/{messageId}/feedback."""
        return self._call("DELETE", f"/messages/{_id('message_id', message_id)}/feedback", request_options=request_options)


class Knowledge(_Resource):
    """Knowledge documents: upload, list, read, chunks, search, attach to agents, delete."""

    def upload(self, params: Optional[Mapping[str, Any]] = None, *, agent_id: Optional[str] = None,
               request_options: Optional[RequestOptions] = None, **fields: Any) -> ApiResponse[KnowledgeDocument]:
        """POST /knowledge, or POST /agents/{agentId}/knowledge with ``agent_id`` (then attached to it)."""
        path = "/knowledge" if agent_id is None else f"/agents/{_id('agent_id', agent_id)}/knowledge"
        return self._call("POST", path, KnowledgeDocument, body=_body(params, fields), request_options=request_options)

    def list(self, *, agent_id: Optional[str] = None, page: Optional[int] = None, limit: Optional[int] = None,
             request_options: Optional[RequestOptions] = None) -> ApiResponse[Any]:
        """GET /knowledge (or GET /agents/{agentId}/knowledge), newest first."""
        path = "/knowledge" if agent_id is None else f"/agents/{_id('agent_id', agent_id)}/knowledge"
        return self._call("GET", path, page_of(KnowledgeDocument), query=_page(page, limit), request_options=request_options)

    def search(self, agent_id: str, *, q: str, limit: Optional[int] = None,
               request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """GET /agents/{agentId}/knowledge/search: the chunks the agent would read for ``q``, best first."""
        return self._call("GET", f"/agents/{_id('agent_id', agent_id)}/knowledge/search", query={"q": q, "limit": limit},
                          request_options=request_options)

    def get(self, document_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[KnowledgeDocument]:
        """GET /knowledge/{documentId}: with its content."""
        return self._call("GET", f"/knowledge/{_id('document_id', document_id)}", KnowledgeDocument,
                          request_options=request_options)

    def chunks(self, document_id: str, *, page: Optional[int] = None, limit: Optional[int] = None,
               request_options: Optional[RequestOptions] = None) -> ApiResponse[Any]:
        """GET /knowledge/{documentId}/chunks, in order."""
        return self._call("GET", f"/knowledge/{_id('document_id', document_id)}/chunks", page_of(Model),
                          query=_page(page, limit), request_options=request_options)

    def attach(self, agent_id: str, document_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[KnowledgeDocument]:
        """PUT /agents/{agentId}/knowledge/{documentId}."""
        return self._call("PUT", f"/agents/{_id('agent_id', agent_id)}/knowledge/{_id('document_id', document_id)}",
                          KnowledgeDocument, request_options=request_options)

    def detach(self, agent_id: str, document_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """DELETE /agents/{agentId}/knowledge/{documentId}: the agent stops reading it; the document stays."""
        return self._call("DELETE", f"/agents/{_id('agent_id', agent_id)}/knowledge/{_id('document_id', document_id)}",
                          request_options=request_options)

    def delete(self, document_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """DELETE /knowledge/{documentId}."""
        return self._call("DELETE", f"/knowledge/{_id('document_id', document_id)}", request_options=request_options)


class McpServers(_Resource):
    """MCP servers your account registers as tool sources, and the agents that use them."""

    def create(self, params: Optional[Mapping[str, Any]] = None, *, request_options: Optional[RequestOptions] = None,
               **fields: Any) -> ApiResponse[McpServer]:
        """POST /mcp-servers: registers the server and lists its tools."""
        return self._call("POST", "/mcp-servers", McpServer, body=_body(params, fields), request_options=request_options)

    def list(self, *, page: Optional[int] = None, limit: Optional[int] = None,
             request_options: Optional[RequestOptions] = None) -> ApiResponse[Any]:
        """GET /mcp-servers, newest first."""
        return self._call("GET", "/mcp-servers", page_of(McpServer), query=_page(page, limit), request_options=request_options)

    def get(self, mcp_server_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[McpServer]:
        """GET /mcp-servers/{mcpServerId}."""
        return self._call("GET", f"/mcp-servers/{_id('mcp_server_id', mcp_server_id)}", McpServer,
                          request_options=request_options)

    def update(self, mcp_server_id: str, params: Optional[Mapping[str, Any]] = None, *,
               request_options: Optional[RequestOptions] = None, **fields: Any) -> ApiResponse[McpServer]:
        """PATCH /mcp-servers/{mcpServerId}."""
        return self._call("PATCH", f"/mcp-servers/{_id('mcp_server_id', mcp_server_id)}", McpServer,
                          body=_body(params, fields), request_options=request_options)

    def delete(self, mcp_server_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """DELETE /mcp-servers/{mcpServerId}."""
        return self._call("DELETE", f"/mcp-servers/{_id('mcp_server_id', mcp_server_id)}", request_options=request_options)

    def refresh(self, mcp_server_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[McpServer]:
        """POST /mcp-servers/{mcpServerId}/refresh: lists its tools again."""
        return self._call("POST", f"/mcp-servers/{_id('mcp_server_id', mcp_server_id)}/refresh", McpServer,
                          request_options=request_options)

    def list_for_agent(self, agent_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[List[Model]]:
        """GET /agents/{agentId}/mcp-servers."""
        return self._call("GET", f"/agents/{_id('agent_id', agent_id)}/mcp-servers", request_options=request_options)

    def enable(self, agent_id: str, mcp_server_id: str, params: Optional[Mapping[str, Any]] = None, *,
               request_options: Optional[RequestOptions] = None, **fields: Any) -> ApiResponse[Model]:
        """PUT /agents/{agentId}/mcp-servers/{mcpServerId}: all its ``tools`` (None) or those named."""
        return self._call("PUT", f"/agents/{_id('agent_id', agent_id)}/mcp-servers/{_id('mcp_server_id', mcp_server_id)}",
                          body=_body(params, fields), request_options=request_options)

    def disable(self, agent_id: str, mcp_server_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """DELETE /agents/{agentId}/mcp-servers/{mcpServerId}."""
        return self._call("DELETE", f"/agents/{_id('agent_id', agent_id)}/mcp-servers/{_id('mcp_server_id', mcp_server_id)}",
                          request_options=request_options)


class ApiKeys(_Resource):
    def create(self, params: Optional[Mapping[str, Any]] = None, *, request_options: Optional[RequestOptions] = None,
               **fields: Any) -> ApiResponse[Model]:
        """POST /api-keys: the secret is in ``data.secret``, shown this once."""
        return self._call("POST", "/api-keys", body=_body(params, fields), request_options=request_options)

    def list(self, *, page: Optional[int] = None, limit: Optional[int] = None,
             request_options: Optional[RequestOptions] = None) -> ApiResponse[Any]:
        """GET /api-keys: the account's keys, never their secrets."""
        return self._call("GET", "/api-keys", page_of(ApiKey), query=_page(page, limit), request_options=request_options)

    def revoke(self, key_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[ApiKey]:
        """DELETE /api-keys/{keyId}: revoked at once."""
        return self._call("DELETE", f"/api-keys/{_id('key_id', key_id)}", ApiKey, request_options=request_options)

    def rotate(self, key_id: str, params: Optional[Mapping[str, Any]] = None, *,
               request_options: Optional[RequestOptions] = None, **fields: Any) -> ApiResponse[Model]:
        """POST /api-keys/{keyId}/rotate: a new secret now; the old one works for the grace period."""
        return self._call("POST", f"/api-keys/{_id('key_id', key_id)}/rotate", body=_body(params, fields),
                          request_options=request_options)


class Accounts(_Resource):
    """Operators only: these need a key with the admin scope."""

    def create(self, params: Optional[Mapping[str, Any]] = None, *, request_options: Optional[RequestOptions] = None,
               **fields: Any) -> ApiResponse[Model]:
        """POST /accounts: ``data.account``, ``data.apiKey`` and its ``data.secret``, shown this once."""
        return self._call("POST", "/accounts", body=_body(params, fields), request_options=request_options)

    def list(self, *, page: Optional[int] = None, limit: Optional[int] = None,
             request_options: Optional[RequestOptions] = None) -> ApiResponse[Any]:
        """GET /accounts."""
        return self._call("GET", "/accounts", page_of(Account), query=_page(page, limit), request_options=request_options)

    def get(self, account_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Account]:
        """GET /accounts/{accountId}, with its message usage this month."""
        return self._call("GET", f"/accounts/{_id('account_id', account_id)}", Account, request_options=request_options)

    def update(self, account_id: str, params: Optional[Mapping[str, Any]] = None, *,
               request_options: Optional[RequestOptions] = None, **fields: Any) -> ApiResponse[Account]:
        """PATCH /accounts/{accountId}: tier and limits."""
        return self._call("PATCH", f"/accounts/{_id('account_id', account_id)}", Account, body=_body(params, fields),
                          request_options=request_options)


class Webhooks(_Resource):
    """Your webhook endpoints, their deliveries, and ``verify`` for what they receive."""

    def create(self, params: Optional[Mapping[str, Any]] = None, *, request_options: Optional[RequestOptions] = None,
               **fields: Any) -> ApiResponse[Model]:
        """POST /webhooks: ``data.webhook`` and its signing ``data.secret``, shown this once."""
        return self._call("POST", "/webhooks", body=_body(params, fields), request_options=request_options)

    def list(self, *, page: Optional[int] = None, limit: Optional[int] = None,
             request_options: Optional[RequestOptions] = None) -> ApiResponse[Any]:
        """GET /webhooks, newest first."""
        return self._call("GET", "/webhooks", page_of(Webhook), query=_page(page, limit), request_options=request_options)

    def get(self, webhook_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Webhook]:
        """GET /webhooks/{webhookId}."""
        return self._call("GET", f"/webhooks/{_id('webhook_id', webhook_id)}", Webhook, request_options=request_options)

    def update(self, webhook_id: str, params: Optional[Mapping[str, Any]] = None, *,
               request_options: Optional[RequestOptions] = None, **fields: Any) -> ApiResponse[Webhook]:
        """PATCH /webhooks/{webhookId}."""
        return self._call("PATCH", f"/webhooks/{_id('webhook_id', webhook_id)}", Webhook, body=_body(params, fields),
                          request_options=request_options)

    def delete(self, webhook_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """DELETE /webhooks/{webhookId}."""
        return self._call("DELETE", f"/webhooks/{_id('webhook_id', webhook_id)}", request_options=request_options)

    def rotate_secret(self, webhook_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[Model]:
        """POST /webhooks/{webhookId}/rotate-secret: a new secret; the old one signs too for 24 h."""
        return self._call("POST", f"/webhooks/{_id('webhook_id', webhook_id)}/rotate-secret", request_options=request_options)

    def test(self, webhook_id: str, *, request_options: Optional[RequestOptions] = None) -> ApiResponse[WebhookDelivery]:
        """POST /webhooks/{webhookId}/test: sends a ``webhook.test`` event; returns its delivery."""
        return self._call("POST", f"/webhooks/{_id('webhook_id', webhook_id)}/test", WebhookDelivery,
                          request_options=request_options)

    def deliveries(self, webhook_id: str, *, page: Optional[int] = None, limit: Optional[int] = None,
                   request_options: Optional[RequestOptions] = None) -> ApiResponse[Any]:
        """GET /webhooks/{webhookId}/deliveries, newest first."""
        return self._call("GET", f"/webhooks/{_id('webhook_id', webhook_id)}/deliveries", page_of(WebhookDelivery),
                          query=_page(page, limit), request_options=request_options)

    def delivery(self, webhook_id: str, delivery_id: str, *,
                 request_options: Optional[RequestOptions] = None) -> ApiResponse[WebhookDelivery]:
        """GET /webhooks/{webhookId}/deliveries/{deliveryId}."""
        return self._call("GET", f"/webhooks/{_id('webhook_id', webhook_id)}/deliveries/{_id('delivery_id', delivery_id)}",
                          WebhookDelivery, request_options=request_options)

    def redeliver(self, webhook_id: str, delivery_id: str, *,
                  request_options: Optional[RequestOptions] = None) -> ApiResponse[WebhookDelivery]:
        """POST /webhooks/{webhookId}/deliveries/{deliveryId}/redeliver."""
        return self._call("POST", f"/webhooks/{_id('webhook_id', webhook_id)}/deliveries/{_id('delivery_id', delivery_id)}/redeliver",
                          WebhookDelivery, request_options=request_options)

    @staticmethod
    def verify(body: Union[str, bytes], headers: Any, secret: str) -> WebhookEvent:
        """Verifies a delivery your endpoint received (raw body, as received) and returns its event."""
        return verify_webhook(body, headers, secret)
