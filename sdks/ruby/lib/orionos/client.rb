# frozen_string_literal: true

require "uri"

module OrionOS
  DEFAULT_BASE_URL = "http://127.0.0.1:3000/v1"

  # The OrionOS API client.
  #
  #   orion = OrionOS::Client.new(api_key: ENV["ORION_API_KEY"])
  #   agent = orion.agents.create(name: "MyAgent")
  #   puts orion.agents.send_message(agent.id, text: "Hello!", user_id: "user_123").response
  #
  # Every method returns the answer's data, typed (a Model, or a Page for lists), and raises an
  # OrionOS::Error (+code+, +status+, +details+, +request_id+) when the call fails.
  class Client
    attr_reader :agents, :characters, :plugins, :tools, :conversations, :analytics, :messages,
                :knowledge, :mcp_servers, :api_keys, :webhooks, :accounts, :base_url

    # api_key: default ENV["ORION_API_KEY"]; base_url (with its /v1): default ENV["ORION_BASE_URL"],
    # else http://127.0.0.1:3000/v1; max_retries: retries of a call that may succeed later (429,
    # 503, network errors), default 3; timeout: seconds a call (a stream: each read) may wait,
    # default 60; max_retry_delay: the longest wait between two tries, whatever Retry-After says.
    def initialize(api_key: nil, base_url: nil, max_retries: 3, timeout: 60, max_retry_delay: 60)
      api_key ||= environment("ORION_API_KEY")
      raise ArgumentError, "OrionOS: no API key: pass api_key: or set ORION_API_KEY" if api_key.nil? || api_key.empty?

      base_url = (base_url || environment("ORION_BASE_URL") || DEFAULT_BASE_URL).sub(%r{/+\z}, "")
      unless base_url.match?(%r{\Ahttps?://}i) && URI.parse(base_url).host
        raise ArgumentError, "OrionOS: base_url #{base_url.inspect} is not an http(s) URL"
      end

      @base_url = base_url
      http = HttpClient.new(api_key: api_key, base_url: base_url, max_retries: max_retries, timeout: timeout,
                            max_retry_delay: max_retry_delay)
      @agents = Agents.new(http)
      @characters = Characters.new(http)
      @plugins = Plugins.new(http)
      @tools = Tools.new(http)
      @conversations = Conversations.new(http)
      @analytics = Analytics.new(http)
      @messages = Messages.new(http)
      @knowledge = Knowledge.new(http)
      @mcp_servers = McpServers.new(http)
      @api_keys = ApiKeys.new(http)
      @webhooks = Webhooks.new(http)
      @accounts = Accounts.new(http)
    rescue URI::InvalidURIError
      raise ArgumentError, "OrionOS: base_url #{base_url.inspect} is not a URL"
    end

    private

    def environment(name)
      value = ENV[name]
      value.nil? || value.strip.empty? ? nil : value.strip
    end
  end

  # OrionOS.new(...) is OrionOS::Client.new(...).
  def self.new(**options)
    Client.new(**options)
  end
end
