"""Typed models of the API's answers.

Every model is a ``dict`` (exactly the JSON the server sent, camelCase keys) whose fields can also
be read as attributes, in snake_case or as sent: ``agent.id``, ``message.conversation_id`` and
``message["conversationId"]`` are the same value. Nested objects are models too.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Generic, Iterator, List, Optional, Type, TypeVar

T = TypeVar("T")

_CAMEL = re.compile(r"_([a-z0-9])")


def to_camel(name: str) -> str:
    """``user_id`` -> ``userId``; a name without underscores stays as it is."""
    return _CAMEL.sub(lambda m: m.group(1).upper(), name)


def _wrap(value: Any, cls: Optional[type] = None) -> Any:
    if isinstance(value, Model):
        return value
    if isinstance(value, dict):
        return (cls or Model)(value)
    if isinstance(value, list):
        return [_wrap(item, cls) for item in value]
    return value


class _ItemsField(list):  # type: ignore[type-arg]
    """The ``items`` field of a model (a list), still callable as ``dict.items()``."""

    def __init__(self, values: Any, owner: "Model") -> None:
        super().__init__(values)
        self._owner = owner

    def __call__(self) -> Any:
        return dict.items(self._owner)


class _Items:
    """``model.items``: the ``items`` field when the object has one (pages, search results), else
    the dict method; either way ``model.items()`` is the dict's items (``json.dumps`` needs it)."""

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return dict.items
        if dict.__contains__(obj, "items") and isinstance(dict.__getitem__(obj, "items"), list):
            return _ItemsField(dict.__getitem__(obj, "items"), obj)
        return dict.items.__get__(obj)


class Model(Dict[str, Any]):
    """A JSON object from the API with attribute access (snake_case or camelCase).

    ``model.items`` is the ``items`` field when there is one (a page's items); calling it,
    ``model.items()``, is still the dict method.
    """

    items = _Items()  # type: ignore[assignment]

    #: Fields whose objects are of a given model class.
    _nested: Dict[str, type] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, value in list(dict.items(self)):
            dict.__setitem__(self, key, _wrap(value, self._nested.get(key)))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self:
            return self[name]
        camel = to_camel(name)
        if camel in self:
            return self[camel]
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | set(self.keys()))

    def to_dict(self) -> Dict[str, Any]:
        """A plain ``dict`` (nested values plain too), as the server sent it."""
        def plain(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: plain(v) for k, v in dict.items(value)}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value
        return plain(self)


class Usage(Model):
    input_tokens: int
    output_tokens: int
    total_tokens: int


class ToolCall(Model):
    """A tool the model called while answering, with its outcome (``result`` or ``error``)."""
    id: str
    tool: str
    arguments: Any
    result: Any
    error: Any


class Citation(Model):
    document_id: str
    chunk: int
    score: float


class Agent(Model):
    id: str
    name: str
    description: Optional[str]
    personality: Optional[Dict[str, Any]]
    system_prompt: Optional[str]
    model: Dict[str, Any]
    status: str
    metadata: Optional[Dict[str, Any]]
    character_id: Optional[str]
    character_revision: Optional[int]
    max_tool_steps: Optional[int]
    created_at: str
    updated_at: str


class SentMessage(Model):
    """A sent message and the agent's reply (``response``)."""
    _nested = {"usage": Usage, "toolCalls": ToolCall, "citations": Citation}
    id: str
    conversation_id: str
    agent_id: str
    user_id: str
    text: str
    response: str
    model: str
    usage: Usage
    latency_ms: int
    created_at: str
    tool_calls: List[ToolCall]
    citations: List[Citation]


class Message(Model):
    """One stored turn: the user's text (``role`` ``user``) or the agent's reply (``agent``)."""
    _nested = {"usage": Usage, "toolCalls": ToolCall, "citations": Citation}
    id: str
    conversation_id: str
    agent_id: str
    user_id: str
    role: str
    text: str
    status: str
    error: Any
    reply_id: Optional[str]
    model: Optional[str]
    usage: Optional[Usage]
    latency_ms: Optional[int]
    metadata: Any
    created_at: str
    tool_calls: List[ToolCall]
    citations: List[Citation]
    feedback: Any


class Conversation(Model):
    id: str
    agent_id: str
    user_id: str
    message_count: int
    last_message_at: Optional[str]
    created_at: str
    updated_at: str


class ApiKey(Model):
    """An API key as listed: never its secret."""
    id: str
    name: str
    prefix: str
    scopes: List[str]
    environment: str
    created_at: str
    last_used_at: Optional[str]
    expires_at: Optional[str]
    revoked_at: Optional[str]
    rotated_from_id: Optional[str]


class Account(Model):
    id: str
    name: str
    tier: str


class Character(Model):
    id: str
    name: str
    revision: int
    created_at: str
    updated_at: str


class Webhook(Model):
    """A webhook endpoint (``whk_…``) as listed: never its secret."""
    id: str
    url: str
    events: List[str]
    description: Optional[str]
    enabled: bool
    disabled_reason: Optional[str]
    created_at: str
    updated_at: str


class WebhookDelivery(Model):
    id: str
    status: str


class WebhookEvent(Model):
    """What a delivery POSTs: ``data`` is the resource as REST returns it."""
    id: str
    type: str
    created_at: str
    data: Any


class Tool(Model):
    id: str
    name: str


class Plugin(Model):
    id: str
    name: str


class KnowledgeDocument(Model):
    id: str
    title: str
    format: str
    chunk_count: int
    agent_ids: List[str]


class McpServer(Model):
    id: str
    name: str
    url: str
    status: str


class Pagination(Model):
    current_page: int
    total_pages: int
    total_items: int
    items_per_page: int


class Page(Model, Generic[T]):
    """A page of a list: ``items`` (the list) and ``pagination``."""
    pagination: Pagination


def page_of(item_class: type) -> type:
    """The Page class whose items are ``item_class`` models."""
    return type(f"Page[{item_class.__name__}]", (Page,), {"_nested": {"items": item_class, "pagination": Pagination}})


class ApiResponse(Generic[T]):
    """What every method returns: the API's success envelope, ``success`` and ``data``, as sent.

    The fields of ``data`` can be read on the envelope too (``agent.id == agent.data.id``).
    """

    __slots__ = ("success", "data", "request_id")

    def __init__(self, data: T, request_id: Optional[str] = None) -> None:
        self.success = True
        self.data = data
        #: The server's request id (``X-Request-Id``) of the answer.
        self.request_id = request_id

    def __getattr__(self, name: str) -> Any:
        data = object.__getattribute__(self, "data")
        if isinstance(data, Model):
            return getattr(data, name)
        raise AttributeError(name)

    def __getitem__(self, key: str) -> Any:
        return {"success": self.success, "data": self.data}[key]

    def to_dict(self) -> Dict[str, Any]:
        data = self.data.to_dict() if isinstance(self.data, Model) else self.data
        if isinstance(data, list):
            data = [d.to_dict() if isinstance(d, Model) else d for d in data]
        return {"success": True, "data": data}

    def __repr__(self) -> str:
        return f"ApiResponse(success=True, data={self.data!r})"


def wrap(value: Any, cls: Optional[Type[Model]] = None) -> Any:
    """The JSON ``value`` as models (of ``cls`` for its objects)."""
    return _wrap(value, cls)
