# frozen_string_literal: true

require_relative "test_helper"

# Fails when an operation of the live server's /v1/openapi.json has no method in this SDK.
class ContractTest < Minitest::Test
  # operationId => [[resource, method], ...] (sendMessage is both the plain and the streamed send).
  OPERATIONS = {
    "createAgent" => [%i[agents create]],
    "listAgents" => [%i[agents list]],
    "getAgent" => [%i[agents get]],
    "updateAgent" => [%i[agents update]],
    "deleteAgent" => [%i[agents delete]],
    "sendMessage" => [%i[agents send_message], %i[agents stream_message]],
    "promptPreview" => [%i[agents prompt_preview]],
    "listConversations" => [%i[agents conversations]],
    "searchConversations" => [%i[conversations search]],
    "getAgentAnalytics" => [%i[analytics agent]],
    "getAccountAnalytics" => [%i[analytics account]],
    "getConversation" => [%i[conversations get]],
    "deleteConversation" => [%i[conversations delete]],
    "listMessages" => [%i[conversations messages]],
    "exportConversation" => [%i[conversations export]],
    "exportAgentConversations" => [%i[conversations export_all]],
    "setMessageFeedback" => [%i[messages feedback]],
    "deleteMessageFeedback" => [%i[messages delete_feedback]],
    "listPlugins" => [%i[plugins list]],
    "getPlugin" => [%i[plugins get]],
    "listAgentPlugins" => [%i[plugins list_enabled]],
    "enablePlugin" => [%i[plugins enable]],
    "disablePlugin" => [%i[plugins disable]],
    "createTool" => [%i[tools create]],
    "listTools" => [%i[tools list]],
    "rotateToolSecret" => [%i[tools rotate_secret]],
    "getTool" => [%i[tools get]],
    "updateTool" => [%i[tools update]],
    "deleteTool" => [%i[tools delete]],
    "createCharacter" => [%i[characters create]],
    "listCharacters" => [%i[characters list]],
    "importCharacter" => [%i[characters import]],
    "exportCharacter" => [%i[characters export]],
    "getCharacter" => [%i[characters get]],
    "updateCharacter" => [%i[characters update]],
    "deleteCharacter" => [%i[characters delete]],
    "listCharacterRevisions" => [%i[characters revisions]],
    "getCharacterRevision" => [%i[characters revision]],
    "createApiKey" => [%i[api_keys create]],
    "listApiKeys" => [%i[api_keys list]],
    "revokeApiKey" => [%i[api_keys revoke]],
    "rotateApiKey" => [%i[api_keys rotate]],
    "createWebhook" => [%i[webhooks create]],
    "listWebhooks" => [%i[webhooks list]],
    "getWebhook" => [%i[webhooks get]],
    "updateWebhook" => [%i[webhooks update]],
    "deleteWebhook" => [%i[webhooks delete]],
    "rotateWebhookSecret" => [%i[webhooks rotate_secret]],
    "sendTestWebhook" => [%i[webhooks test]],
    "listWebhookDeliveries" => [%i[webhooks deliveries]],
    "getWebhookDelivery" => [%i[webhooks delivery]],
    "redeliverWebhookDelivery" => [%i[webhooks redeliver]],
    "createAccount" => [%i[accounts create]],
    "listAccounts" => [%i[accounts list]],
    "getAccount" => [%i[accounts get]],
    "updateAccount" => [%i[accounts update]],
    "uploadAgentKnowledge" => [%i[knowledge upload]],
    "listAgentKnowledge" => [%i[knowledge list]],
    "searchAgentKnowledge" => [%i[knowledge search]],
    "attachKnowledge" => [%i[knowledge attach]],
    "detachKnowledge" => [%i[knowledge detach]],
    "uploadKnowledge" => [%i[knowledge upload]],
    "listKnowledge" => [%i[knowledge list]],
    "getKnowledgeDocument" => [%i[knowledge get]],
    "deleteKnowledgeDocument" => [%i[knowledge delete]],
    "listKnowledgeChunks" => [%i[knowledge chunks]],
    "createMcpServer" => [%i[mcp_servers create]],
    "listMcpServers" => [%i[mcp_servers list]],
    "getMcpServer" => [%i[mcp_servers get]],
    "updateMcpServer" => [%i[mcp_servers update]],
    "deleteMcpServer" => [%i[mcp_servers delete]],
    "refreshMcpServer" => [%i[mcp_servers refresh]],
    "listAgentMcpServers" => [%i[mcp_servers list_for_agent]],
    "enableMcpServer" => [%i[mcp_servers enable]],
    "disableMcpServer" => [%i[mcp_servers disable]]
  }.freeze

  def operation_ids
    uri = URI.parse("#{LiveServer.base_url}/openapi.json")
    document = JSON.parse(Net::HTTP.get_response(uri).tap { |answer| assert_equal "200", answer.code }.body)
    document.fetch("paths").flat_map do |_path, operations|
      operations.values.grep(Hash).filter_map { |operation| operation["operationId"] }
    end
  end

  def test_every_operation_of_the_live_openapi_has_a_method
    ids = operation_ids
    assert_operator ids.size, :>=, 70
    missing = ids.reject { |id| OPERATIONS.key?(id) }
    assert_empty missing, "operations of /v1/openapi.json without a Ruby SDK method in the table: #{missing.join(", ")}"
    stale = OPERATIONS.keys - ids
    assert_empty stale, "operations in the table that the API no longer has: #{stale.join(", ")}"
  end

  def test_each_method_of_the_table_exists_and_is_callable
    client = OrionOS::Client.new(api_key: "orn_test_contract", base_url: LiveServer.base_url)
    OPERATIONS.each do |operation_id, methods|
      methods.each do |resource_name, method_name|
        assert client.respond_to?(resource_name), "#{operation_id}: no resource #{resource_name}"
        resource = client.public_send(resource_name)
        assert resource.respond_to?(method_name), "#{operation_id}: no #{resource_name}.#{method_name}"
        method = resource.method(method_name)
        assert_kind_of Method, method
        assert(method.parameters.any? { |kind, name| kind == :key && name == :request_options } ||
               method_name == :verify, "#{operation_id}: #{resource_name}.#{method_name} takes request_options:")
      end
    end
  end

  # Every method reaches the server: with an unknown key each call is refused with UNAUTHORIZED
  # (not a NoMethodError or an ArgumentError of the SDK).
  def test_each_method_reaches_the_server
    client = OrionOS::Client.new(api_key: "orn_test_#{"z" * 40}", base_url: LiveServer.base_url, max_retries: 0)
    calls = {
      "createAgent" => -> { client.agents.create(name: "x") },
      "getAgent" => -> { client.agents.get("agt_1") },
      "updateAgent" => -> { client.agents.update("agt_1", name: "y") },
      "sendMessage" => -> { client.agents.stream_message("agt_1", text: "x", user_id: "u").to_a },
      "promptPreview" => -> { client.agents.prompt_preview("agt_1", user_id: "u") },
      "getAgentAnalytics" => -> { client.analytics.agent("agt_1", from: Time.now - 3600, to: Time.now) },
      "exportConversation" => -> { client.conversations.export("cnv_1", format: "markdown") },
      "exportAgentConversations" => -> { client.conversations.export_all("agt_1") },
      "setMessageFeedback" => -> { client.messages.feedback("msg_1", rating: "like") },
      "enablePlugin" => -> { client.plugins.enable("agt_1", "time", config: {}) },
      "createTool" => -> { client.tools.create("agt_1", name: "t") },
      "getCharacterRevision" => -> { client.characters.revision("chr_1", 1) },
      "exportCharacter" => -> { client.characters.export("chr_1", format: "eliza") },
      "importCharacter" => -> { client.characters.import({ "name" => "x" }) },
      "searchAgentKnowledge" => -> { client.knowledge.search("agt_1", q: "warranty") },
      "uploadAgentKnowledge" => -> { client.knowledge.upload(agent_id: "agt_1", title: "t", content: "c") },
      "attachKnowledge" => -> { client.knowledge.attach("agt_1", "doc_1") },
      "enableMcpServer" => -> { client.mcp_servers.enable("agt_1", "mcs_1", tools: nil) },
      "redeliverWebhookDelivery" => -> { client.webhooks.redeliver("whk_1", "dlv_1") },
      "rotateApiKey" => -> { client.api_keys.rotate("key_1") },
      "updateAccount" => -> { client.accounts.update("acc_1", name: "n") }
    }
    calls.each do |operation_id, call|
      error = assert_raises(OrionOS::AuthenticationError, operation_id) { call.call }
      assert_equal 401, error.status, operation_id
    end
  end
end
