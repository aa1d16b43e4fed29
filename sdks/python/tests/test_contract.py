"""CONTRACT: every operation of the live /v1/openapi.json has an SDK method (this table), and
every method of the table exists and is callable."""
import json
import urllib.request

from orionos import OrionOS

# operationId -> the method on an OrionOS client.
OPERATIONS = {
    "createAgent": "agents.create",
    "listAgents": "agents.list",
    "getAgent": "agents.get",
    "updateAgent": "agents.update",
    "deleteAgent": "agents.delete",
    "sendMessage": "agents.send_message",  # and agents.stream_message (stream: true)
    "promptPreview": "agents.prompt_preview",
    "listConversations": "agents.conversations",
    "searchConversations": "conversations.search",
    "getAgentAnalytics": "analytics.agent",
    "getAccountAnalytics": "analytics.account",
    "getConversation": "conversations.get",
    "deleteConversation": "conversations.delete",
    "listMessages": "conversations.messages",
    "exportConversation": "conversations.export",
    "exportAgentConversations": "conversations.export_all",
    "setMessageFeedback": "messages.feedback",
    "deleteMessageFeedback": "messages.delete_feedback",
    "listPlugins": "plugins.list",
    "getPlugin": "plugins.get",
    "listAgentPlugins": "plugins.list_enabled",
    "enablePlugin": "plugins.enable",
    "disablePlugin": "plugins.disable",
    "createTool": "tools.create",
    "listTools": "tools.list",
    "rotateToolSecret": "tools.rotate_secret",
    "getTool": "tools.get",
    "updateTool": "tools.update",
    "deleteTool": "tools.delete",
    "createCharacter": "characters.create",
    "listCharacters": "characters.list",
    "importCharacter": "characters.import_",
    "exportCharacter": "characters.export",
    "getCharacter": "characters.get",
    "updateCharacter": "characters.update",
    "deleteCharacter": "characters.delete",
    "listCharacterRevisions": "characters.revisions",
    "getCharacterRevision": "characters.revision",
    "createApiKey": "api_keys.create",
    "listApiKeys": "api_keys.list",
    "revokeApiKey": "api_keys.revoke",
    "rotateApiKey": "api_keys.rotate",
    "createWebhook": "webhooks.create",
    "listWebhooks": "webhooks.list",
    "getWebhook": "webhooks.get",
    "updateWebhook": "webhooks.update",
    "deleteWebhook": "webhooks.delete",
    "rotateWebhookSecret": "webhooks.rotate_secret",
    "sendTestWebhook": "webhooks.test",
    "listWebhookDeliveries": "webhooks.deliveries",
    "getWebhookDelivery": "webhooks.delivery",
    "redeliverWebhookDelivery": "webhooks.redeliver",
    "createAccount": "accounts.create",
    "listAccounts": "accounts.list",
    "getAccount": "accounts.get",
    "updateAccount": "accounts.update",
    "uploadAgentKnowledge": "knowledge.upload",  # with agent_id=
    "listAgentKnowledge": "knowledge.list",  # with agent_id=
    "searchAgentKnowledge": "knowledge.search",
    "attachKnowledge": "knowledge.attach",
    "detachKnowledge": "knowledge.detach",
    "uploadKnowledge": "knowledge.upload",
    "listKnowledge": "knowledge.list",
    "getKnowledgeDocument": "knowledge.get",
    "deleteKnowledgeDocument": "knowledge.delete",
    "listKnowledgeChunks": "knowledge.chunks",
    "createMcpServer": "mcp_servers.create",
    "listMcpServers": "mcp_servers.list",
    "getMcpServer": "mcp_servers.get",
    "updateMcpServer": "mcp_servers.update",
    "deleteMcpServer": "mcp_servers.delete",
    "refreshMcpServer": "mcp_servers.refresh",
    "listAgentMcpServers": "mcp_servers.list_for_agent",
    "enableMcpServer": "mcp_servers.enable",
    "disableMcpServer": "mcp_servers.disable",
}

METHODS = ("get", "post", "put", "patch", "delete")


def resolve(client: OrionOS, dotted: str):
    target = client
    for part in dotted.split("."):
        target = getattr(target, part)
    return target


def test_every_operation_has_an_sdk_method(api_url: str):
    with urllib.request.urlopen(api_url + "/openapi.json", timeout=30) as answer:
        document = json.load(answer)
    operation_ids = sorted(
        operation["operationId"]
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    )
    assert len(operation_ids) == len(set(operation_ids))
    missing = [op for op in operation_ids if op not in OPERATIONS]
    assert not missing, f"operations of /v1/openapi.json without a Python SDK method: {missing}"
    stale = sorted(set(OPERATIONS) - set(operation_ids))
    assert not stale, f"operations in the table that the API no longer has: {stale}"


def test_every_method_of_the_table_exists():
    client = OrionOS("orn_test_contract", base_url="http://127.0.0.1:9/v1")
    for operation_id, dotted in OPERATIONS.items():
        method = resolve(client, dotted)
        assert callable(method), f"{operation_id}: {dotted} is not callable"
    assert callable(client.agents.stream_message)
