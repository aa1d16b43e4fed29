# frozen_string_literal: true

module OrionOS
  # Turns "conversationId" into "conversation_id", and back.
  module Naming
    module_function

    def snake(name)
      name.to_s.gsub(/([a-z\d])([A-Z])/, '\1_\2').downcase
    end

    def camel(name)
      parts = name.to_s.split("_")
      ([parts.first] + parts.drop(1).map(&:capitalize)).join
    end
  end

  # An object of the API: its fields read with snake_case accessors (+agent.created_at+), or by
  # their API name (+agent["createdAt"]+). Nested objects are Models too; +to_h+ gives the JSON.
  # Subclasses declare their main fields (and the class of nested ones) with +field+.
  class Model
    class << self
      # Declares accessors; +type+ wraps the value (a Model class, or [Class] for a list of them).
      def field(*names, type: nil)
        names.each do |name|
          key = Naming.camel(name)
          fields[name.to_sym] = key
          types[key] = type if type
          define_method(name) { self[key] }
        end
      end

      def fields
        @fields ||= superclass.respond_to?(:fields) ? superclass.fields.dup : {}
      end

      def types
        @types ||= superclass.respond_to?(:types) ? superclass.types.dup : {}
      end

      def wrap(value, type = nil)
        case type
        when Array then value.is_a?(Array) ? value.map { |item| wrap(item, type.first) } : value
        when Class then value.is_a?(Hash) ? type.new(value) : wrap(value)
        else
          case value
          when Hash then Model.new(value)
          when Array then value.map { |item| wrap(item) }
          else value
          end
        end
      end
    end

    def initialize(attributes = {})
      @attributes = attributes.transform_keys(&:to_s)
      @cache = {}
    end

    # A field by its API name (or its snake_case name).
    def [](key)
      key = key.to_s
      key = Naming.camel(key) if !@attributes.key?(key) && key.include?("_")
      return @cache[key] if @cache.key?(key)

      @cache[key] = self.class.wrap(@attributes[key], self.class.types[key])
    end

    def key?(key)
      @attributes.key?(key.to_s) || @attributes.key?(Naming.camel(key))
    end

    # The object as the API sent it (string keys, camelCase).
    def to_h
      @attributes
    end
    alias to_hash to_h

    def ==(other)
      other.is_a?(Model) && other.to_h == to_h
    end

    def method_missing(name, *args)
      key = Naming.camel(name)
      return self[key] if args.empty? && !name.to_s.end_with?("=", "?", "!") && @attributes.key?(key)

      super
    end

    def respond_to_missing?(name, include_private = false)
      @attributes.key?(Naming.camel(name)) || super
    end

    def inspect
      "#<#{self.class.name} #{@attributes.inspect}>"
    end
    alias to_s inspect
  end

  class Pagination < Model
    field :current_page, :total_pages, :total_items, :items_per_page
  end

  class Agent < Model
    field :id, :name, :description, :personality, :model, :system_prompt, :status, :character_id,
          :character_revision, :max_tool_steps, :metadata, :created_at, :updated_at
  end

  class Usage < Model
    field :input_tokens, :output_tokens, :total_tokens
  end

  class ToolCall < Model
    field :call_id, :tool, :arguments, :result, :error, :latency_ms
  end

  # The reply of a send: +response+ is the agent's answer.
  class SentMessage < Model
    field :id, :conversation_id, :agent_id, :user_id, :text, :response, :model, :latency_ms,
          :created_at, :citations, :metadata
    field :usage, type: Usage
    field :tool_calls, type: [ToolCall]
  end

  class Message < Model
    field :id, :conversation_id, :role, :text, :status, :model, :metadata, :feedback, :created_at
  end

  class Conversation < Model
    field :id, :agent_id, :user_id, :message_count, :metadata, :created_at, :updated_at, :last_message_at
  end

  class SearchedConversation < Conversation
    field :match
  end

  class Character < Model
    field :id, :name, :bio, :lore, :style, :topics, :adjectives, :message_examples, :revision,
          :agent_count, :created_at, :updated_at
  end

  class CharacterRevision < Model
    field :number, :character_id, :snapshot, :created_at
  end

  class Plugin < Model
    field :id, :name, :description, :version, :config_schema, :tools
  end

  class AgentPlugin < Model
    field :plugin_id, :agent_id, :config, :enabled_at
  end

  class Tool < Model
    field :id, :agent_id, :name, :description, :url, :input_schema, :timeout_ms, :created_at, :updated_at
  end

  class ApiKey < Model
    field :id, :name, :prefix, :scopes, :account_id, :expires_at, :revoked_at, :last_used_at, :created_at
  end

  class CreatedApiKey < Model
    field :secret
    field :api_key, type: ApiKey
  end

  class Account < Model
    field :id, :name, :tier, :monthly_message_quota, :rate_limit_per_minute, :created_at, :updated_at
  end

  class CreatedAccount < Model
    field :secret
    field :account, type: Account
    field :api_key, type: ApiKey
  end

  class Webhook < Model
    field :id, :url, :events, :enabled, :description, :disabled_reason, :created_at, :updated_at
  end

  class CreatedWebhook < Model
    field :secret
    field :webhook, type: Webhook
  end

  class WebhookDelivery < Model
    field :id, :webhook_id, :event_id, :event_type, :status, :attempts, :response_status,
          :next_attempt_at, :created_at, :delivered_at
  end

  class KnowledgeDocument < Model
    field :id, :title, :format, :language, :content_hash, :size_bytes, :chunk_count, :token_count,
          :metadata, :character_id, :agent_ids, :content, :created_at, :updated_at
  end

  class KnowledgeChunk < Model
    field :position, :heading, :text, :token_count
  end

  class McpServer < Model
    field :id, :name, :url, :header_names, :timeout_ms, :status, :tools, :tools_listed_at,
          :last_error, :created_at, :updated_at
  end

  class AgentMcpServer < Model
    field :mcp_server_id, :agent_id, :tools, :enabled_at
    field :mcp_server, type: McpServer
  end

  # A verified webhook delivery: +type+, +timestamp+ and +data+.
  class WebhookEvent < Model
    field :type, :timestamp, :data
  end

end
