# frozen_string_literal: true

require_relative "test_helper"

# The other resources against the live server: one pass through each.
class ResourcesTest < Minitest::Test
  def orion
    @orion ||= LiveServer.client
  end

  def test_characters_with_revisions_export_and_import
    character = orion.characters.create(name: "Ruby Sage", bio: ["Knows gems."], topics: ["ruby"])
    assert_instance_of OrionOS::Character, character
    assert_match(/\Achr_/, character.id)
    assert_equal 1, character.revision
    updated = orion.characters.update(character.id, bio: ["Knows every gem."])
    assert_equal 2, updated.revision
    revisions = orion.characters.revisions(character.id)
    assert_equal [2, 1], revisions.map(&:number)
    assert_instance_of OrionOS::CharacterRevision, orion.characters.revision(character.id, 1)
    assert_includes orion.characters.list(limit: 100).map(&:id), character.id
    file = orion.characters.export(character.id)
    assert_kind_of Hash, file
    assert_equal "Ruby Sage", file["data"]["name"]
    eliza = orion.characters.export(character.id, format: "eliza")
    assert_equal "Ruby Sage", eliza["name"]
    imported = orion.characters.import(eliza.merge("name" => "Ruby Sage 2"))
    refute_nil imported.to_h

    agent = orion.agents.create(name: "Speaker", character_id: character.id)
    assert_equal character.id, agent.character_id
    error = assert_raises(OrionOS::CharacterInUseError) { orion.characters.delete(character.id) }
    assert_equal 1, error.agents
    assert_equal true, orion.characters.delete(character.id, force: true).deleted
    assert_raises(OrionOS::NotFoundError) { LiveServer.other_client.characters.get(character.id) }
  end

  def test_plugins_and_tools
    plugins = orion.plugins.list
    assert(plugins.all?(OrionOS::Plugin))
    assert_includes plugins.map(&:id), "time"
    assert_equal "time", orion.plugins.get("time").id
    agent = orion.agents.create(name: "Tooled")
    enabled = orion.plugins.enable(agent.id, "time", config: { "defaultTimeZone" => "Europe/Paris" })
    assert_equal "Europe/Paris", enabled.config["defaultTimeZone"]
    assert_equal ["time"], orion.plugins.list_enabled(agent.id).map(&:plugin_id)
    orion.plugins.disable(agent.id, "time")
    assert_empty orion.plugins.list_enabled(agent.id)
    error = assert_raises(OrionOS::InvalidRequestError) do
      orion.plugins.enable(agent.id, "time", config: { "defaultTimeZone" => "Mars/Olympus" })
    end
    assert(error.fields.any? { |field| field["field"].start_with?("config") })

    created = orion.tools.create(agent.id, name: "get_weather", description: "The weather in a city.",
                                           parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
                                           url: "https://tools.example.com/weather", timeout_ms: 5000)
    tool = created.tool
    assert_match(/\Atol_/, tool.id)
    assert_match(/\Awhsec_/, created.signing_secret)
    assert_equal 5000, orion.tools.get(agent.id, tool.id).timeout_ms
    assert_equal [tool.id], orion.tools.list(agent.id).map(&:id)
    assert_equal "Weather.", orion.tools.update(agent.id, tool.id, description: "Weather.").description
    rotated = orion.tools.rotate_secret(agent.id)
    refute_equal created.signing_secret, rotated.secret
    orion.tools.delete(agent.id, tool.id)
    assert_raises(OrionOS::NotFoundError) { orion.tools.get(agent.id, tool.id) }
  end

  def test_knowledge
    agent = orion.agents.create(name: "Reader")
    text = "# Warranty\n\nEvery Orbit machine carries a two-year warranty from the date of purchase."
    document = orion.knowledge.upload(agent_id: agent.id, text: text, title: "Policies")
    assert_instance_of OrionOS::KnowledgeDocument, document
    assert_equal [agent.id], document.agent_ids
    assert_equal [document.id], orion.knowledge.list(agent_id: agent.id).map(&:id)
    assert_includes orion.knowledge.get(document.id).content, "two-year"
    chunks = orion.knowledge.chunks(document.id)
    assert_operator chunks.size, :>=, 1
    found = orion.knowledge.search(agent.id, q: "warranty")
    assert_operator found.items.size, :>=, 1
    assert_equal document.id, found.items.first.document_id
    orion.knowledge.detach(agent.id, document.id)
    assert_empty orion.knowledge.list(agent_id: agent.id).items
    assert_equal [agent.id], orion.knowledge.attach(agent.id, document.id).agent_ids
    assert_includes orion.knowledge.list.map(&:id), document.id
    orion.knowledge.delete(document.id)
    assert_raises(OrionOS::NotFoundError) { orion.knowledge.get(document.id) }
  end

  def test_mcp_servers_analytics_keys_and_accounts
    assert_kind_of OrionOS::Page, orion.mcp_servers.list
    assert_raises(OrionOS::NotFoundError) { orion.mcp_servers.get("mcs_missing") }
    agent = orion.agents.create(name: "Measured")
    assert_equal [], orion.mcp_servers.list_for_agent(agent.id)
    orion.agents.send_message(agent.id, text: "Hi", user_id: "u1")
    stats = orion.analytics.agent(agent.id, from: Time.now - 86_400, to: Time.now + 60, interval: "hour")
    assert_equal 2, stats.totals.messages
    assert_equal agent.id, stats.agent_id
    assert_operator orion.analytics.account.totals.messages, :>=, 2

    created = orion.api_keys.create(name: "to rotate", scopes: ["agents:read"], expires_at: Time.now + 86_400)
    rotated = orion.api_keys.rotate(created.api_key.id, grace_period_seconds: 0)
    refute_equal created.secret, rotated.secret
    assert_includes orion.api_keys.list(limit: 100).map(&:id), created.api_key.id

    admin = LiveServer.admin
    account = admin.accounts.get(LiveServer.account.account.id)
    assert_equal LiveServer.account.account.name, account.name
    assert_equal "enterprise", account.tier
    assert_instance_of OrionOS::Account, admin.accounts.list(limit: 1).first
    assert_equal 10_001, admin.accounts.update(account.id, rate_limit_per_minute: 10_001).rate_limit_per_minute
    assert_raises(OrionOS::PermissionDeniedError) { orion.accounts.list }
  end
end
