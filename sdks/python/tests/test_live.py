"""The SDK against a live OrionOS: CRUD, sends, streams, pages, typed errors, exports, isolation."""
import json
import uuid

import pytest

from orionos import (
    Agent,
    AuthenticationError,
    CompletedEvent,
    Conversation,
    DeltaEvent,
    InvalidRequestError,
    NotFoundError,
    OrionOS,
    OrionOSError,
    Page,
    PermissionDeniedError,
    SentMessage,
    paginate,
)

from conftest import new_account


def test_agent_crud(orion: OrionOS):
    created = orion.agents.create(name="CrudAgent", personality={"traits": ["helpful"]}, description="first")
    assert created.success is True
    assert isinstance(created.data, Agent)
    assert created.id == created.data.id == created.data["id"]
    assert created.id.startswith("agt_")
    assert created.data.personality.traits == ["helpful"]
    assert created.request_id and created.request_id.startswith("req_")

    got = orion.agents.get(created.id)
    assert got.data.to_dict() == created.data.to_dict()

    updated = orion.agents.update(created.id, {"description": "second"}, system_prompt="Be brief.")
    assert updated.data.description == "second"
    assert updated.data.system_prompt == "Be brief."
    assert orion.agents.get(created.id).data.systemPrompt == "Be brief."

    listed = orion.agents.list(limit=100)
    assert isinstance(listed.data, Page)
    assert created.id in [a.id for a in listed.data.items]
    assert all(isinstance(a, Agent) for a in listed.data.items)

    deleted = orion.agents.delete(created.id)
    assert deleted.data.id == created.id and deleted.data.deleted is True
    with pytest.raises(NotFoundError) as caught:
        orion.agents.get(created.id)
    assert caught.value.code == "AGENT_NOT_FOUND" and caught.value.status == 404


def test_send_message_and_conversation(orion: OrionOS):
    agent = orion.agents.create(name="Talker")
    sent = orion.agents.send_message(agent.id, text="Hello!", user_id="user_123")
    assert isinstance(sent.data, SentMessage)
    assert isinstance(sent.data.response, str) and sent.data.response
    assert sent.data.user_id == "user_123" and sent.data.text == "Hello!"
    assert sent.data.usage.total_tokens == sent.data.usage.input_tokens + sent.data.usage.output_tokens

    conversations = orion.agents.conversations(agent.id, user_id="user_123")
    assert [c.id for c in conversations.data.items] == [sent.conversation_id]
    assert isinstance(conversations.data.items[0], Conversation)
    messages = orion.conversations.messages(sent.conversation_id)
    assert sorted(m.role for m in messages.data.items) == ["agent", "user"]

    preview = orion.agents.prompt_preview(agent.id, user_id="user_123", text="Next?")
    assert preview.success is True

    agent_reply = next(m for m in messages.data.items if m.role == "agent")
    feedback = orion.messages.feedback(agent_reply.id, rating="like", comment="good")
    assert feedback.data.rating == "like"
    assert orion.messages.delete_feedback(agent_reply.id).success is True

    with orion.conversations.export(sent.conversation_id) as download:
        assert download.file_name.endswith(".jsonl")
        records = list(download.records())
    assert records[0].type == "conversation" and records[0].id == sent.conversation_id
    assert {r.type for r in records[1:]} == {"message"}
    markdown = orion.conversations.export(sent.conversation_id, format="markdown").text()
    assert "Hello!" in markdown
    everything = list(orion.conversations.export_all(agent.id).records())
    assert everything[0].id == sent.conversation_id

    assert orion.conversations.delete(sent.conversation_id).data.deleted is True
    with pytest.raises(NotFoundError):
        orion.conversations.get(sent.conversation_id)


def test_streamed_send(orion: OrionOS):
    agent = orion.agents.create(name="Streamer")
    stream = orion.agents.stream_message(agent.id, text="Tell me more", user_id="user_stream")
    events = list(stream)
    assert stream.request_id and stream.request_id.startswith("req_")
    assert len(events) >= 2
    assert all(isinstance(e, DeltaEvent) for e in events[:-1])
    assert isinstance(events[-1], CompletedEvent)
    final = events[-1].message
    assert isinstance(final, SentMessage)
    # The deltas, in order, are the stored reply.
    assert "".join(e.delta for e in events[:-1]) == final.response
    assert orion.conversations.get(final.conversation_id).data.message_count == 2
    with pytest.raises(RuntimeError):
        iter(stream)
    # final_message() reads a stream to its end.
    again = orion.agents.stream_message(agent.id, {"text": "Again", "userId": "user_stream"}).final_message()
    assert again.conversation_id == final.conversation_id


def test_stream_error_is_typed(orion: OrionOS):
    with pytest.raises(NotFoundError) as caught:
        list(orion.agents.stream_message("agt_missing", text="Hi", user_id="u"))
    assert caught.value.status == 404


def test_pagination_over_several_pages(admin: OrionOS, api_url: str):
    _, fresh = new_account(admin, api_url)
    ids = {fresh.agents.create(name=f"Paged{i}").id for i in range(5)}
    first = fresh.agents.list(page=1, limit=2)
    assert first.data.pagination.total_items == 5
    assert first.data.pagination.total_pages == 3
    assert first.data.pagination.items_per_page == 2
    # A model is the JSON as sent: json.dumps takes it as it is.
    assert json.loads(json.dumps(first.data))["pagination"]["totalItems"] == 5
    assert json.loads(json.dumps(first.to_dict()))["success"] is True
    seen = [a.id for a in paginate(fresh.agents.list, limit=2)]
    assert len(seen) == 5 and set(seen) == ids
    assert [a.id for a in fresh.paginate(fresh.agents.list, limit=100)] == seen


def test_typed_errors(orion: OrionOS, api_url: str):
    with pytest.raises(NotFoundError) as not_found:
        orion.agents.get("agt_does_not_exist")
    error = not_found.value
    assert (error.code, error.status) == ("AGENT_NOT_FOUND", 404)
    assert error.request_id and error.request_id.startswith("req_")
    assert error.body["success"] is False

    with pytest.raises(InvalidRequestError) as invalid:
        orion.agents.create(name="")
    error = invalid.value
    assert (error.code, error.status) == ("INVALID_REQUEST", 400)
    assert error.fields and error.fields[0]["field"] == "name"
    assert error.details["fields"] == error.fields

    with pytest.raises(InvalidRequestError):
        orion.agents.list(limit=1000)

    with pytest.raises(AuthenticationError) as unauthorized:
        OrionOS("orn_live_not_a_real_key_0000000000000000", base_url=api_url, max_retries=0).agents.list()
    assert (unauthorized.value.code, unauthorized.value.status) == ("UNAUTHORIZED", 401)
    assert isinstance(unauthorized.value, OrionOSError)

    with pytest.raises(TypeError):
        orion.agents.get("")


def test_scope_and_isolation(orion: OrionOS, admin: OrionOS, api_url: str):
    agent = orion.agents.create(name="Mine")
    _, other = new_account(admin, api_url)
    with pytest.raises(NotFoundError):
        other.agents.get(agent.id)
    assert agent.id not in [a.id for a in other.agents.list(limit=100).data.items]

    read_only = orion.api_keys.create(name="read-only", scopes=["agents:read"])
    assert read_only.secret
    reader = OrionOS(read_only.secret, base_url=api_url)
    assert reader.agents.get(agent.id).id == agent.id
    with pytest.raises(PermissionDeniedError) as forbidden:
        reader.agents.create(name="Nope")
    assert forbidden.value.status == 403 and forbidden.value.required_scope
    key_ids = [k.id for k in orion.api_keys.list(limit=100).data.items]
    assert read_only.data.api_key.id in key_ids
    revoked = orion.api_keys.revoke(read_only.data.api_key.id)
    assert revoked.data.revoked_at
    with pytest.raises(AuthenticationError):
        OrionOS(read_only.secret, base_url=api_url, max_retries=0).agents.get(agent.id)


def test_characters_tools_plugins_knowledge(orion: OrionOS):
    character = orion.characters.create(name="Nova", bio=["A guide."])
    assert character.data.revision == 1
    updated = orion.characters.update(character.id, bio=["A better guide."])
    assert updated.data.revision == 2
    assert orion.characters.revision(character.id, 1).data.number == 1
    assert orion.characters.revisions(character.id).data.pagination.total_items == 2
    exported = orion.characters.export(character.id)
    imported = orion.characters.import_(exported.data.to_dict())
    assert imported.success is True
    assert orion.characters.delete(character.id, force=True).data.deleted is True

    agent = orion.agents.create(name="Tooled")
    plugins = orion.plugins.list().data
    assert plugins and orion.plugins.get(plugins[0].id).id == plugins[0].id
    enabled = orion.plugins.enable(agent.id, plugins[0].id)
    assert enabled.data.plugin_id == plugins[0].id
    assert [p.plugin_id for p in orion.plugins.list_enabled(agent.id).data] == [plugins[0].id]
    orion.plugins.disable(agent.id, plugins[0].id)

    document = orion.knowledge.upload(agent_id=agent.id, text="# Returns\nReturns are accepted within 30 days.", title="Returns")
    assert document.data.agent_ids == [agent.id]
    assert orion.knowledge.get(document.id).data.content.startswith("# Returns")
    assert orion.knowledge.chunks(document.id).data.items
    assert document.id in [d.id for d in orion.knowledge.list(agent_id=agent.id).data.items]
    found = orion.knowledge.search(agent.id, q="returns")
    assert found.data.items and found.data.items[0].document_id == document.id
    orion.knowledge.detach(agent.id, document.id)
    assert orion.knowledge.attach(agent.id, document.id).id == document.id
    assert orion.knowledge.delete(document.id).data.deleted is True

    analytics = orion.analytics.agent(agent.id, interval="day", time_zone="UTC")
    assert analytics.data.interval == "day"
    assert orion.analytics.account().data.totals is not None
    assert orion.conversations.search(agent_id=agent.id).data.pagination.total_items == 0


def test_accounts_as_operator(admin: OrionOS, account, orion: OrionOS):
    created = account[0]
    account_id = created.data.account.id
    got = admin.accounts.get(account_id)
    assert got.data.id == account_id
    assert account_id in [a.id for a in admin.paginate(admin.accounts.list, limit=100)]
    updated = admin.accounts.update(account_id, name="renamed-by-sdk")
    assert updated.data.name == "renamed-by-sdk"
    with pytest.raises(PermissionDeniedError):
        orion.accounts.list()


def test_real_rate_limit_is_a_typed_error(admin: OrionOS, api_url: str):
    created, _ = new_account(admin, api_url, rate_limit_per_minute=1)
    limited = OrionOS(created.secret, base_url=api_url, max_retries=0)
    limited.agents.list()
    from orionos import RateLimitError
    with pytest.raises(RateLimitError) as caught:
        limited.agents.list()
    assert caught.value.status == 429 and caught.value.code == "RATE_LIMIT_EXCEEDED"
    assert caught.value.retry_after is not None and caught.value.retry_after > 0


def test_tools_and_mcp_servers(orion: OrionOS):
    agent = orion.agents.create(name="Builder")
    created = orion.tools.create(agent.id, name="get_weather", description="The weather of a city",
                                 url="https://tools.example.com/weather",
                                 parameters={"type": "object", "properties": {"city": {"type": "string"}}})
    tool = created.data.tool
    assert tool.id.startswith("tol_") and created.data.signing_secret.startswith("whsec_")
    assert orion.tools.get(agent.id, tool.id).data.name == "get_weather"
    assert orion.tools.update(agent.id, tool.id, timeout_ms=2000).data.timeout_ms == 2000
    assert [t.id for t in orion.tools.list(agent.id).data.items] == [tool.id]
    from orionos import ConflictError
    with pytest.raises(ConflictError) as taken:
        orion.tools.create(agent.id, name="get_weather", description="again", url="https://tools.example.com/w",
                           parameters={"type": "object"})
    assert taken.value.status == 409
    rotated = orion.tools.rotate_secret(agent.id)
    assert rotated.success is True
    assert orion.tools.delete(agent.id, tool.id).data.deleted is True

    # A server nobody answers on: registered all the same, with status "error".
    import socket
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    try:
        server = orion.mcp_servers.create(name="nobody", url=f"http://127.0.0.1:{port}/mcp",
                                          headers={"Authorization": "Bearer x"}, timeout_ms=1000)
    except InvalidRequestError as refused:
        pytest.skip(f"the server refuses loopback MCP servers (ORION_ALLOW_PRIVATE_NETWORKS): {refused}")
    assert server.data.status == "error" and server.data.header_names == ["Authorization"]
    assert orion.mcp_servers.get(server.id).data.name == "nobody"
    assert server.id in [s.id for s in orion.mcp_servers.list().data.items]
    assert orion.mcp_servers.update(server.id, description="offline").data.description == "offline"
    assert orion.mcp_servers.refresh(server.id).data.status == "error"
    assert orion.mcp_servers.list_for_agent(agent.id).data == []
    with pytest.raises(NotFoundError):
        orion.mcp_servers.disable(agent.id, server.id)
    assert orion.mcp_servers.delete(server.id).data.deleted is True
