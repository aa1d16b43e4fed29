# frozen_string_literal: true

require_relative "test_helper"
require "open3"
require "rbconfig"

class QuickStartTest < Minitest::Test
  ROOT = File.expand_path("..", __dir__)
  FILE = File.join(ROOT, "examples/quick_start.rb")

  def test_the_readme_shows_the_quick_start_file_verbatim
    readme = File.read(File.join(ROOT, "README.md"))
    block = readme[%r{<!-- quick_start\.rb -->\n```ruby\n(.*?)```\n<!-- /quick_start\.rb -->}m, 1]
    refute_nil block, "README.md has the quick start block between its markers"
    assert_equal File.read(FILE), block
  end

  def test_the_quick_start_runs
    env = { "ORION_API_KEY" => LiveServer.account.secret, "ORION_BASE_URL" => LiveServer.base_url }
    out, err, status = Open3.capture3(env, RbConfig.ruby, "-I", File.join(ROOT, "lib"), FILE)
    assert status.success?, "the quick start failed:\n#{out}\n#{err}"
    reply = out.strip
    refute_empty reply
    agent = LiveServer.client.agents.list(limit: 100).find { |candidate| candidate.name == "MyAgent" }
    refute_nil agent, "the quick start created MyAgent"
    assert_equal %w[helpful friendly], agent.personality.traits
    conversation = LiveServer.client.agents.conversations(agent.id, user_id: "user_123").first
    replies = LiveServer.client.conversations.messages(conversation.id).select { |message| message.role == "agent" }
    assert_equal [reply], replies.map(&:text)
  end
end
