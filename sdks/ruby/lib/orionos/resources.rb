# frozen_string_literal: true

require "erb"
require "time"

module OrionOS
  # What every resource shares: paths, parameters (snake_case keyword arguments become the API's
  # camelCase field names at the top level; nested hashes are sent as given) and typed results.
  #
  # Every method takes +request_options:+ { idempotency_key:, max_retries:, timeout:, headers: }.
  class Resource
    def initialize(http)
      @http = http
    end

    private

    def segment(name, value)
      raise ArgumentError, "#{name} must be a non-empty string" unless value.is_a?(String) && !value.empty?

      ERB::Util.url_encode(value)
    end

    # The body of a call: a Hash argument and/or keyword arguments, top-level keys in camelCase.
    def body_of(params, kwargs)
      merged = (params || {}).merge(kwargs)
      merged.each_with_object({}) do |(key, value), out|
        out[key.is_a?(Symbol) ? Naming.camel(key) : key.to_s] = value.is_a?(Time) ? value.utc.iso8601(3) : value
      end
    end

    def page_query(page, limit)
      { page: page, limit: limit }
    end

    def call(method, path, model: nil, query: nil, body: nil, options: nil)
      data = @http.request(method, path, query: query, body: body, options: options)
      model ? Model.wrap(data, model) : data
    end

    # A list answered as { items, pagination }: a Page that can fetch the ones after it.
    def list_page(path, item_class, query, options)
      fetch = lambda do |number|
        page_query = query.merge(page: number)
        Page.new(@http.request(:get, path, query: page_query, options: options), item_class, &fetch)
      end
      Page.new(@http.request(:get, path, query: query, options: options), item_class, &fetch)
    end

    def instant(value)
      value.is_a?(Time) ? value.utc.iso8601(3) : value
    end
  end

  class Agents < Resource
    # POST /agents
    def create(params = nil, request_options: nil, **kwargs)
      call(:post, "/agents", model: Agent, body: body_of(params, kwargs), options: request_options)
    end

    # GET /agents (newest first): a Page of Agents.
    def list(page: nil, limit: nil, request_options: nil)
      list_page("/agents", Agent, page_query(page, limit), request_options)
    end

    def get(agent_id, request_options: nil)
      call(:get, "/agents/#{segment("agent_id", agent_id)}", model: Agent, options: request_options)
    end

    def update(agent_id, params = nil, request_options: nil, **kwargs)
      call(:patch, "/agents/#{segment("agent_id", agent_id)}", model: Agent, body: body_of(params, kwargs),
                                                               options: request_options)
    end

    def delete(agent_id, request_options: nil)
      call(:delete, "/agents/#{segment("agent_id", agent_id)}", model: Model, options: request_options)
    end

    # POST /agents/{id}/messages: text:, user_id:, conversation_id:, metadata: => a SentMessage.
    def send_message(agent_id, params = nil, request_options: nil, **kwargs)
      call(:post, "/agents/#{segment("agent_id", agent_id)}/messages", model: SentMessage,
                                                                         body: body_of(params, kwargs), options: request_options)
    end

    # The same send, streamed (stream: true): a MessageStream of typed events.
    def stream_message(agent_id, params = nil, request_options: nil, **kwargs)
      path = "/agents/#{segment("agent_id", agent_id)}/messages"
      body = body_of(params, kwargs).merge("stream" => true)
      MessageStream.new { |&block| @http.stream(:post, path, body: body, options: request_options, &block) }
    end

    # GET /agents/{id}/prompt-preview: what the model would receive next.
    def prompt_preview(agent_id, user_id:, text: nil, request_options: nil)
      call(:get, "/agents/#{segment("agent_id", agent_id)}/prompt-preview", model: Model,
                                                                             query: { userId: user_id, text: text }, options: request_options)
    end

    # GET /agents/{id}/conversations: a Page of Conversations.
    def conversations(agent_id, user_id: nil, page: nil, limit: nil, request_options: nil)
      list_page("/agents/#{segment("agent_id", agent_id)}/conversations", Conversation,
                { userId: user_id }.merge(page_query(page, limit)), request_options)
    end
  end

  # The plugin catalog, and the plugins each agent has enabled.
  class Plugins < Resource
    def list(request_options: nil)
      call(:get, "/plugins", model: [Plugin], options: request_options)
    end

    def get(plugin_id, request_options: nil)
      call(:get, "/plugins/#{segment("plugin_id", plugin_id)}", model: Plugin, options: request_options)
    end

    def list_enabled(agent_id, request_options: nil)
      call(:get, "/agents/#{segment("agent_id", agent_id)}/plugins", model: [AgentPlugin], options: request_options)
    end

    # PUT /agents/{id}/plugins/{pluginId}: config: {...}
    def enable(agent_id, plugin_id, params = nil, request_options: nil, **kwargs)
      call(:put, "/agents/#{segment("agent_id", agent_id)}/plugins/#{segment("plugin_id", plugin_id)}",
           model: AgentPlugin, body: body_of(params, kwargs), options: request_options)
    end

    def disable(agent_id, plugin_id, request_options: nil)
      call(:delete, "/agents/#{segment("agent_id", agent_id)}/plugins/#{segment("plugin_id", plugin_id)}",
           model: Model, options: request_options)
    end
  end

  # Agents' custom HTTP tools and their signing secret.
  class Tools < Resource
    def create(agent_id, params = nil, request_options: nil, **kwargs)
      call(:post, "/agents/#{segment("agent_id", agent_id)}/tools", model: Model, body: body_of(params, kwargs),
                                                                      options: request_options)
    end

    def list(agent_id, page: nil, limit: nil, request_options: nil)
      list_page("/agents/#{segment("agent_id", agent_id)}/tools", Tool, page_query(page, limit), request_options)
    end

    def get(agent_id, tool_id, request_options: nil)
      call(:get, "/agents/#{segment("agent_id", agent_id)}/tools/#{segment("tool_id", tool_id)}", model: Tool,
                                                                                                    options: request_options)
    end

    def update(agent_id, tool_id, params = nil, request_options: nil, **kwargs)
      call(:patch, "/agents/#{segment("agent_id", agent_id)}/tools/#{segment("tool_id", tool_id)}", model: Tool,
                                                                                                      body: body_of(params, kwargs), options: request_options)
    end

    def delete(agent_id, tool_id, request_options: nil)
      call(:delete, "/agents/#{segment("agent_id", agent_id)}/tools/#{segment("tool_id", tool_id)}", model: Model,
                                                                                                       options: request_options)
    end

    def rotate_secret(agent_id, request_options: nil)
      call(:post, "/agents/#{segment("agent_id", agent_id)}/tools/secret", model: Model, options: request_options)
    end
  end

  class Characters < Resource
    def create(params = nil, request_options: nil, **kwargs)
      call(:post, "/characters", model: Character, body: body_of(params, kwargs), options: request_options)
    end

    def list(page: nil, limit: nil, request_options: nil)
      list_page("/characters", Character, page_query(page, limit), request_options)
    end

    def get(character_id, request_options: nil)
      call(:get, "/characters/#{segment("character_id", character_id)}", model: Character, options: request_options)
    end

    def update(character_id, params = nil, request_options: nil, **kwargs)
      call(:patch, "/characters/#{segment("character_id", character_id)}", model: Character,
                                                                              body: body_of(params, kwargs), options: request_options)
    end

    # DELETE /characters/{id}; force: true detaches the agents that use it.
    def delete(character_id, force: nil, request_options: nil)
      call(:delete, "/characters/#{segment("character_id", character_id)}", model: Model,
                                                                               query: { force: force.nil? ? nil : force.to_s }, options: request_options)
    end

    def revisions(character_id, page: nil, limit: nil, request_options: nil)
      list_page("/characters/#{segment("character_id", character_id)}/revisions", CharacterRevision,
                page_query(page, limit), request_options)
    end

    def revision(character_id, number, request_options: nil)
      raise ArgumentError, "number must be an integer, 1 or more" unless number.is_a?(Integer) && number >= 1

      call(:get, "/characters/#{segment("character_id", character_id)}/revisions/#{number}", model: CharacterRevision,
                                                                                               options: request_options)
    end

    # POST /characters/import: a character file (OrionOS or elizaOS format) as a Hash, sent as is.
    def import(file, request_options: nil)
      call(:post, "/characters/import", model: Model, body: file, options: request_options)
    end

    # GET /characters/{id}/export: the character file (a Hash); format "orion" or "eliza".
    def export(character_id, format: "orion", request_options: nil)
      call(:get, "/characters/#{segment("character_id", character_id)}/export", query: { format: format },
                                                                                  options: request_options)
    end
  end

  class Conversations < Resource
    # GET /conversations: agent_id:, user_id:, q: (full-text search), from:, to:, page:, limit:.
    def search(agent_id: nil, user_id: nil, q: nil, from: nil, to: nil, page: nil, limit: nil, request_options: nil)
      query = { agentId: agent_id, userId: user_id, q: q, from: instant(from), to: instant(to) }
      list_page("/conversations", SearchedConversation, query.merge(page_query(page, limit)), request_options)
    end

    def get(conversation_id, request_options: nil)
      call(:get, "/conversations/#{segment("conversation_id", conversation_id)}", model: Conversation,
                                                                                    options: request_options)
    end

    def messages(conversation_id, page: nil, limit: nil, request_options: nil)
      list_page("/conversations/#{segment("conversation_id", conversation_id)}/messages", Message,
                page_query(page, limit), request_options)
    end

    # GET /conversations/{id}/export (format "jsonl" or "markdown"): an ExportDownload. With a
    # block, yields the file's pieces as they arrive instead of keeping them.
    def export(conversation_id, format: nil, request_options: nil, &block)
      download("/conversations/#{segment("conversation_id", conversation_id)}/export", { format: format },
               request_options, &block)
    end

    # GET /agents/{id}/conversations/export: every conversation of the agent (JSON Lines).
    def export_all(agent_id, request_options: nil, &block)
      download("/agents/#{segment("agent_id", agent_id)}/conversations/export", {}, request_options, &block)
    end

    def delete(conversation_id, request_options: nil)
      call(:delete, "/conversations/#{segment("conversation_id", conversation_id)}", model: Model,
                                                                                       options: request_options)
    end

    private

    def download(path, query, options)
      accept = "application/x-ndjson, text/markdown, application/json"
      @http.stream(:get, path, query: query, options: options, accept: accept) do |response|
        pieces = +""
        response.read_body do |chunk|
          block_given? ? yield(chunk.dup.force_encoding(Encoding::UTF_8)) : pieces << chunk
        end
        ExportDownload.new(response, block_given? ? nil : pieces.force_encoding(Encoding::UTF_8))
      end
    end
  end

  # Conversation analytics of the account or of one agent: from:, to:, interval:, time_zone:.
  class Analytics < Resource
    def account(from: nil, to: nil, interval: nil, time_zone: nil, request_options: nil)
      call(:get, "/analytics", model: Model, query: range(from, to, interval, time_zone), options: request_options)
    end

    def agent(agent_id, from: nil, to: nil, interval: nil, time_zone: nil, request_options: nil)
      call(:get, "/agents/#{segment("agent_id", agent_id)}/analytics", model: Model,
                                                                         query: range(from, to, interval, time_zone), options: request_options)
    end

    private

    def range(from, to, interval, time_zone)
      { from: instant(from), to: instant(to), interval: interval, timeZone: time_zone }
    end
  end

  # Feedback on agents' replies.
  class Messages < Resource
    # POST /messages/{id}/feedback: rating: "like" | "dislike", comment:.
    def feedback(message_id, params = nil, request_options: nil, **kwargs)
      call(:post, "/messages/#{segment("message_id", message_id)}/feedback", model: Model,
                                                                               body: body_of(params, kwargs), options: request_options)
    end

    def delete_feedback(message_id, request_options: nil)
      call(:delete, "/messages/#{segment("message_id", message_id)}/feedback", model: Model, options: request_options)
    end
  end

  # Knowledge documents: upload, list, get, chunks, search, attach to / detach from agents, delete.
  class Knowledge < Resource
    # POST /knowledge, or POST /agents/{agent_id}/knowledge with agent_id: (attached to it).
    def upload(params = nil, agent_id: nil, request_options: nil, **kwargs)
      path = agent_id.nil? ? "/knowledge" : "/agents/#{segment("agent_id", agent_id)}/knowledge"
      call(:post, path, model: KnowledgeDocument, body: body_of(params, kwargs), options: request_options)
    end

    # GET /knowledge (or GET /agents/{agent_id}/knowledge): a Page of KnowledgeDocuments.
    def list(agent_id: nil, page: nil, limit: nil, request_options: nil)
      path = agent_id.nil? ? "/knowledge" : "/agents/#{segment("agent_id", agent_id)}/knowledge"
      list_page(path, KnowledgeDocument, page_query(page, limit), request_options)
    end

    def get(document_id, request_options: nil)
      call(:get, "/knowledge/#{segment("document_id", document_id)}", model: KnowledgeDocument, options: request_options)
    end

    def chunks(document_id, page: nil, limit: nil, request_options: nil)
      list_page("/knowledge/#{segment("document_id", document_id)}/chunks", KnowledgeChunk, page_query(page, limit),
                request_options)
    end

    # GET /agents/{id}/knowledge/search: the agent's knowledge ranked for q (+ranking+, +items+).
    def search(agent_id, q:, limit: nil, request_options: nil)
      call(:get, "/agents/#{segment("agent_id", agent_id)}/knowledge/search", model: Model,
                                                                                query: { q: q, limit: limit }, options: request_options)
    end

    def attach(agent_id, document_id, request_options: nil)
      call(:put, "/agents/#{segment("agent_id", agent_id)}/knowledge/#{segment("document_id", document_id)}",
           model: KnowledgeDocument, options: request_options)
    end

    def detach(agent_id, document_id, request_options: nil)
      call(:delete, "/agents/#{segment("agent_id", agent_id)}/knowledge/#{segment("document_id", document_id)}",
           model: Model, options: request_options)
    end

    def delete(document_id, request_options: nil)
      call(:delete, "/knowledge/#{segment("document_id", document_id)}", model: Model, options: request_options)
    end
  end

  # MCP servers as tool sources, and the agents that use them.
  class McpServers < Resource
    def create(params = nil, request_options: nil, **kwargs)
      call(:post, "/mcp-servers", model: McpServer, body: body_of(params, kwargs), options: request_options)
    end

    def list(page: nil, limit: nil, request_options: nil)
      list_page("/mcp-servers", McpServer, page_query(page, limit), request_options)
    end

    def get(mcp_server_id, request_options: nil)
      call(:get, "/mcp-servers/#{segment("mcp_server_id", mcp_server_id)}", model: McpServer, options: request_options)
    end

    def update(mcp_server_id, params = nil, request_options: nil, **kwargs)
      call(:patch, "/mcp-servers/#{segment("mcp_server_id", mcp_server_id)}", model: McpServer,
                                                                                body: body_of(params, kwargs), options: request_options)
    end

    def delete(mcp_server_id, request_options: nil)
      call(:delete, "/mcp-servers/#{segment("mcp_server_id", mcp_server_id)}", model: Model, options: request_options)
    end

    def refresh(mcp_server_id, request_options: nil)
      call(:post, "/mcp-servers/#{segment("mcp_server_id", mcp_server_id)}/refresh", model: McpServer,
                                                                                       options: request_options)
    end

    def list_for_agent(agent_id, request_options: nil)
      call(:get, "/agents/#{segment("agent_id", agent_id)}/mcp-servers", model: [AgentMcpServer], options: request_options)
    end

    # PUT /agents/{id}/mcp-servers/{mcpServerId}: tools: [...] (nil: every tool it offers).
    def enable(agent_id, mcp_server_id, params = nil, request_options: nil, **kwargs)
      call(:put, "/agents/#{segment("agent_id", agent_id)}/mcp-servers/#{segment("mcp_server_id", mcp_server_id)}",
           model: AgentMcpServer, body: body_of(params, kwargs), options: request_options)
    end

    def disable(agent_id, mcp_server_id, request_options: nil)
      call(:delete, "/agents/#{segment("agent_id", agent_id)}/mcp-servers/#{segment("mcp_server_id", mcp_server_id)}",
           model: Model, options: request_options)
    end
  end

  class ApiKeys < Resource
    # POST /api-keys: name:, scopes:, expires_at: (a Time or ISO 8601) => a CreatedApiKey (+secret+ shown once).
    def create(params = nil, request_options: nil, **kwargs)
      call(:post, "/api-keys", model: CreatedApiKey, body: body_of(params, kwargs), options: request_options)
    end

    def list(page: nil, limit: nil, request_options: nil)
      list_page("/api-keys", ApiKey, page_query(page, limit), request_options)
    end

    def revoke(key_id, request_options: nil)
      call(:delete, "/api-keys/#{segment("key_id", key_id)}", model: ApiKey, options: request_options)
    end

    # POST /api-keys/{id}/rotate: grace_period_seconds: ...
    def rotate(key_id, params = nil, request_options: nil, **kwargs)
      call(:post, "/api-keys/#{segment("key_id", key_id)}/rotate", model: Model, body: body_of(params, kwargs),
                                                                     options: request_options)
    end
  end

  # Webhook endpoints, their deliveries, and +verify+ for what they receive.
  class Webhooks < Resource
    def create(params = nil, request_options: nil, **kwargs)
      call(:post, "/webhooks", model: CreatedWebhook, body: body_of(params, kwargs), options: request_options)
    end

    def list(page: nil, limit: nil, request_options: nil)
      list_page("/webhooks", Webhook, page_query(page, limit), request_options)
    end

    def get(webhook_id, request_options: nil)
      call(:get, path(webhook_id), model: Webhook, options: request_options)
    end

    def update(webhook_id, params = nil, request_options: nil, **kwargs)
      call(:patch, path(webhook_id), model: Webhook, body: body_of(params, kwargs), options: request_options)
    end

    def delete(webhook_id, request_options: nil)
      call(:delete, path(webhook_id), model: Model, options: request_options)
    end

    def rotate_secret(webhook_id, request_options: nil)
      call(:post, "#{path(webhook_id)}/rotate-secret", model: Model, options: request_options)
    end

    def test(webhook_id, request_options: nil)
      call(:post, "#{path(webhook_id)}/test", model: WebhookDelivery, options: request_options)
    end

    def deliveries(webhook_id, page: nil, limit: nil, request_options: nil)
      list_page("#{path(webhook_id)}/deliveries", WebhookDelivery, page_query(page, limit), request_options)
    end

    def delivery(webhook_id, delivery_id, request_options: nil)
      call(:get, "#{path(webhook_id)}/deliveries/#{segment("delivery_id", delivery_id)}", model: WebhookDelivery,
                                                                                          options: request_options)
    end

    def redeliver(webhook_id, delivery_id, request_options: nil)
      call(:post, "#{path(webhook_id)}/deliveries/#{segment("delivery_id", delivery_id)}/redeliver",
           model: WebhookDelivery, options: request_options)
    end

    # Verifies a delivery (its raw body, its headers, the endpoint's whsec_ secret): the
    # WebhookEvent, or raises WebhookVerificationError.
    def verify(body, headers, secret, tolerance: WebhookSignature::TOLERANCE, now: Time.now)
      WebhookSignature.verify(body, headers, secret, tolerance: tolerance, now: now)
    end

    private

    def path(webhook_id)
      "/webhooks/#{segment("webhook_id", webhook_id)}"
    end
  end

  # Operators only (admin scope).
  class Accounts < Resource
    # POST /accounts => a CreatedAccount (+account+, +api_key+, +secret+ shown once).
    def create(params = nil, request_options: nil, **kwargs)
      call(:post, "/accounts", model: CreatedAccount, body: body_of(params, kwargs), options: request_options)
    end

    def list(page: nil, limit: nil, request_options: nil)
      list_page("/accounts", Account, page_query(page, limit), request_options)
    end

    def get(account_id, request_options: nil)
      call(:get, "/accounts/#{segment("account_id", account_id)}", model: Account, options: request_options)
    end

    def update(account_id, params = nil, request_options: nil, **kwargs)
      call(:patch, "/accounts/#{segment("account_id", account_id)}", model: Account, body: body_of(params, kwargs),
                                                                       options: request_options)
    end
  end
end
