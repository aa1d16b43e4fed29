"""The OrionOS API client."""
from __future__ import annotations

import os
import urllib.parse
from typing import Any, Callable, Iterator, Optional

from ._http import HttpClient
from .resources import (
    Accounts,
    Agents,
    Analytics,
    ApiKeys,
    Characters,
    Conversations,
    Knowledge,
    McpServers,
    Messages,
    Plugins,
    Tools,
    Webhooks,
)

DEFAULT_BASE_URL = "http://127.0.0.1:3000/v1"


def _environment(name: str) -> Optional[str]:
    value = os.environ.get(name)
    return value.strip() if value and value.strip() else None


def paginate(list_method: Callable[..., Any], *args: Any, limit: Optional[int] = None, **kwargs: Any) -> Iterator[Any]:
    """Every item of a paged list, page after page: ``for agent in paginate(orion.agents.list, limit=100)``.
    Further arguments go to the list method (``paginate(orion.tools.list, agent_id)``)."""
    page = 1
    while True:
        response = list_method(*args, page=page, limit=limit, **kwargs)
        data = response.data
        yield from data.items
        if page >= int(data.pagination.total_pages) or not data.items:
            return
        page += 1


class OrionOS:
    """The OrionOS API client::

        orion = OrionOS(api_key=os.environ["ORION_API_KEY"])
        agent = orion.agents.create(name="MyAgent")
        response = orion.agents.send_message(agent.id, text="Hello!", user_id="user_123")
        print(response.data.response)

    Every method returns the API's envelope (``success``, ``data``) and raises an OrionOSError
    (with ``code``, ``status``, ``details``, ``request_id``) when the call fails.

    ``api_key`` defaults to ORION_API_KEY, ``base_url`` (with its /v1) to ORION_BASE_URL, else
    http://127.0.0.1:3000/v1. ``max_retries`` (default 3) retries of a call that may succeed later
    (rate limits, 503s, network errors); ``timeout`` (seconds, default 60) for an answer (a stream:
    for each piece of it); ``max_retry_delay`` (seconds, default 60) caps a wait between tries.
    """

    def __init__(self, api_key: Optional[str] = None, *, base_url: Optional[str] = None, max_retries: int = 3,
                 timeout: float = 60.0, max_retry_delay: float = 60.0) -> None:
        key = api_key or _environment("ORION_API_KEY")
        if not key:
            raise TypeError("OrionOS: no API key: pass api_key= or set the ORION_API_KEY environment variable")
        url = (base_url or _environment("ORION_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise TypeError(f"OrionOS: base_url {url!r} is not an http(s) URL")
        self.base_url = url
        self._http = HttpClient(api_key=key, base_url=url, max_retries=max_retries, timeout=timeout,
                                max_retry_delay=max_retry_delay)
        self.agents = Agents(self._http)
        self.characters = Characters(self._http)
        #: The plugin catalog, and the plugins each agent has enabled.
        self.plugins = Plugins(self._http)
        #: Agents' custom HTTP tools and their signing secret.
        self.tools = Tools(self._http)
        self.conversations = Conversations(self._http)
        #: Conversation analytics of the account (``account``) or of one agent (``agent``).
        self.analytics = Analytics(self._http)
        #: Feedback on agents' replies.
        self.messages = Messages(self._http)
        self.knowledge = Knowledge(self._http)
        self.mcp_servers = McpServers(self._http)
        self.api_keys = ApiKeys(self._http)
        #: Webhook endpoints, their deliveries, and ``verify`` for what they receive.
        self.webhooks = Webhooks(self._http)
        #: Operators only (admin scope).
        self.accounts = Accounts(self._http)

    @staticmethod
    def paginate(list_method: Callable[..., Any], *args: Any, limit: Optional[int] = None, **kwargs: Any) -> Iterator[Any]:
        """See :func:`orionos.paginate`."""
        return paginate(list_method, *args, limit=limit, **kwargs)
