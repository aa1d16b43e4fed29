# frozen_string_literal: true

require_relative "test_helper"

class AgentsTest < Minitest::Test
  def orion
    @orion ||= LiveServer.client
  end

  def test_crud_of_an_agent
    agent = orion.agents.create(name: "Crud", description: "first", personality: { traits: ["helpful"] },
                                metadata: { "team" => "ruby" })
    assert_instance_of OrionOS::Agent, agent
    assert_match(/\Aagt_/, agent.id)
    assert_equal "Crud", agent.name
    assert_equal ["helpful"], agent.personality.traits
    assert_equal "ruby", agent.metadata["team"]
    refute_nil agent.created_at
    assert_equal agent.created_at, agent["createdAt"]

    got = orion.agents.get(agent.id)
    assert_equal agent.to_h, got.to_h

    updated = orion.agents.update(agent.id, description: "second", status: "paused")
    assert_equal "second", updated.description
    assert_equal "paused", updated.status
    assert_equal "second", orion.agents.get(agent.id).description

    deleted = orion.agents.delete(agent.id)
    assert_equal agent.id, deleted.id
    assert_equal true, deleted.deleted
    error = assert_raises(OrionOS::NotFoundError) { orion.agents.get(agent.id) }
    assert_equal "AGENT_NOT_FOUND", error.code
  end

  def test_a_send_and_its_conversation
    agent = orion.agents.create(name: "Talker")
    sent = orion.agents.send_message(agent.id, text: "Hello!", user_id: "user_ruby", metadata: { "k" => "v" })
    assert_instance_of OrionOS::SentMessage, sent
    assert_kind_of String, sent.response
    refute_empty sent.response
    assert_equal agent.id, sent.agent_id
    assert_equal "user_ruby", sent.user_id
    assert_instance_of OrionOS::Usage, sent.usage
    assert_operator sent.usage.total_tokens, :>, 0

    conversation = orion.conversations.get(sent.conversation_id)
    assert_equal "user_ruby", conversation.user_id
    listed = orion.agents.conversations(agent.id, user_id: "user_ruby")
    assert_equal [sent.conversation_id], listed.map(&:id)
    messages = orion.conversations.messages(sent.conversation_id)
    assert_equal %w[agent user], messages.map(&:role).sort
    reply = messages.find { |message| message.role == "agent" }
    assert_instance_of OrionOS::Message, reply
    assert_equal sent.response, reply.text

    feedback = orion.messages.feedback(reply.id, rating: "like")
    assert_equal "like", feedback.rating
    orion.messages.delete_feedback(reply.id)

    download = orion.conversations.export(sent.conversation_id, format: "jsonl")
    assert_includes download.content_type, "application/x-ndjson"
    assert_equal %w[conversation message message], download.records.map { |record| record["type"] }
    pieces = []
    orion.conversations.export(sent.conversation_id, format: "markdown") { |piece| pieces << piece }
    assert_includes pieces.join, sent.response

    found = orion.conversations.search(agent_id: agent.id)
    assert_equal [sent.conversation_id], found.map(&:id)
    preview = orion.agents.prompt_preview(agent.id, user_id: "user_ruby", text: "And now?")
    assert preview.to_h.any?
    assert_equal true, orion.conversations.delete(sent.conversation_id).deleted
  end

  def test_a_streamed_send_yields_its_events_in_order
    agent = orion.agents.create(name: "Streamer")
    plain = orion.agents.send_message(agent.id, text: "Tell me more", user_id: "user_a")
    stream = orion.agents.stream_message(agent.id, text: "Tell me more", user_id: "user_b")
    events = stream.to_a
    refute_empty events
    types = events.map(&:type)
    assert_equal :completed, types.last
    assert_equal 1, types.count(:completed)
    assert(types[0...-1].all? { |type| type == :delta })
    assert_operator types.count(:delta), :>=, 2
    message = events.last.message
    assert_instance_of OrionOS::SentMessage, message
    assert_equal events.grep(OrionOS::StreamEvents::Delta).map(&:delta).join, message.response
    assert_equal plain.response, message.response
    refute_nil stream.request_id
    assert_raises(ArgumentError) { stream.each { nil } }

    again = orion.agents.stream_message(agent.id, text: "Tell me more", user_id: "user_b")
    final = again.final_message
    assert_equal "user_b", final.user_id
    assert_equal message.conversation_id, final.conversation_id
  end

  def test_a_streamed_send_with_a_tool_call_yields_the_call_then_its_result_then_the_reply
    agent = orion.agents.create(name: "Calculator")
    orion.plugins.enable(agent.id, "calculator")
    events = orion.agents.stream_message(agent.id, text: "What is (17 + 25) * 3?", user_id: "user_calc").to_a
    types = events.map(&:type)
    call = types.index(:tool_call)
    result = types.index(:tool_result)
    refute_nil call, "a tool.call event (#{types.inspect})"
    refute_nil result, "a tool.result event (#{types.inspect})"
    assert_operator call, :<, result
    assert_operator result, :<, types.index(:delta)
    assert_equal :completed, types.last
    tool_call = events[call]
    assert_instance_of OrionOS::StreamEvents::ToolCall, tool_call
    assert_equal "calculate", tool_call.tool
    assert_equal tool_call.call_id, events[result].tool_call.call_id
    assert_instance_of OrionOS::ToolCall, events[result].tool_call
    message = events.last.message
    assert_includes message.response, "126"
    assert_equal [tool_call.call_id], message.tool_calls.map(&:call_id)
  end

  def test_a_stream_of_a_missing_agent_raises_before_any_event
    error = assert_raises(OrionOS::NotFoundError) do
      orion.agents.stream_message("agt_missing", text: "Hi", user_id: "u").each { flunk "no event" }
    end
    assert_equal 404, error.status
  end

  def test_pagination_over_several_pages
    names = Array.new(5) { |i| "Paged #{i} #{SecureRandom.hex(2)}" }
    client = LiveServer.admin.accounts.create(name: "ruby-sdk-pages-#{SecureRandom.hex(3)}")
    paged = OrionOS::Client.new(api_key: client.secret, base_url: LiveServer.base_url)
    names.each { |name| paged.agents.create(name: name) }

    first = paged.agents.list(limit: 2)
    assert_equal 2, first.size
    assert_equal 5, first.pagination.total_items
    assert_equal 3, first.pagination.total_pages
    assert first.next_page?
    pages = first.each_page.to_a
    assert_equal [2, 2, 1], pages.map(&:size)
    assert_equal [1, 2, 3], pages.map { |page| page.pagination.current_page }
    refute pages.last.next_page?
    assert_nil pages.last.next_page

    all = paged.agents.list(limit: 2).auto_paging_each.map(&:name)
    assert_equal names.sort, all.sort
    assert_equal 5, all.uniq.size
    assert_equal all, paged.agents.list(limit: 100).map(&:name)
  end

  def test_an_account_sees_only_its_own_agents
    agent = orion.agents.create(name: "Mine")
    other = LiveServer.other_client
    assert_raises(OrionOS::NotFoundError) { other.agents.get(agent.id) }
    refute_includes other.agents.list(limit: 100).map(&:id), agent.id
  end
end
