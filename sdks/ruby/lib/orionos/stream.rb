# frozen_string_literal: true

require "json"

module OrionOS
  # The events of a streamed send. Each has +type+: :delta, :tool_call, :tool_result or :completed.
  module StreamEvents
    # A piece of the reply's text.
    Delta = Struct.new(:delta, keyword_init: true) do
      def type = :delta
    end
    # The model asked for a tool.
    ToolCall = Struct.new(:call_id, :tool, :arguments, keyword_init: true) do
      def type = :tool_call
    end
    # The tool's result (a ToolCall model: call_id, tool, arguments, result, error...).
    ToolResult = Struct.new(:tool_call, keyword_init: true) do
      def type = :tool_result
    end
    # The whole reply, as a plain send answers it (a SentMessage).
    Completed = Struct.new(:message, keyword_init: true) do
      def type = :completed
    end
  end

  # Reads Server-Sent Events (the WHATWG rules: fields, multi-line data, comments, CR/LF/CRLF).
  class SseParser
    Event = Struct.new(:event, :data, :id)

    def initialize(&on_event)
      @on_event = on_event
      @buffer = +""
      reset_event
    end

    def feed(chunk)
      @buffer << chunk.to_s.dup.force_encoding(Encoding::UTF_8)
      while (match = @buffer.match(/\r\n|\r(?!\z)|\n/))
        line = @buffer[0, match.begin(0)]
        @buffer = @buffer[match.end(0)..]
        process_line(line)
      end
    end

    # The end of the stream: a last line without its newline counts, an unfinished event does not.
    def finish
      process_line(@buffer.delete_suffix("\r")) unless @buffer.empty?
      @buffer = +""
    end

    private

    def reset_event
      @event = nil
      @data = []
    end

    def process_line(line)
      if line.empty?
        @on_event.call(Event.new(@event || "message", @data.join("\n"), nil)) unless @data.empty?
        reset_event
        return
      end
      return if line.start_with?(":")

      field, value = line.split(":", 2)
      value = value.to_s.delete_prefix(" ")
      case field
      when "event" then @event = value
      when "data" then @data << value
      end
    end
  end

  # A streamed reply (POST /agents/{id}/messages with stream: true): Enumerable over typed events
  # (StreamEvents::Delta, ToolCall, ToolResult, Completed); an +error+ event raises the typed
  # error. Retried like any call until the stream starts, never after; iterate it once.
  class MessageStream
    include Enumerable

    attr_reader :request_id

    def initialize(&start)
      @start = start
      @started = false
    end

    def each(&block)
      return enum_for(:each) unless block
      raise ArgumentError, "a MessageStream can be iterated only once" if @started

      @started = true
      completed = false
      @start.call do |response|
        @request_id = response["x-request-id"]
        unless response["content-type"].to_s.include?("text/event-stream")
          # A server that answered at once rather than streaming: the whole reply as one event.
          text = response.body.to_s
          parsed = JSON.parse(text) rescue nil # rubocop:disable Style/RescueModifier
          raise HttpClient.error_from_answer(response, text) unless parsed.is_a?(Hash) && parsed["success"] == true

          completed = true
          block.call(StreamEvents::Completed.new(message: SentMessage.new(parsed["data"])))
          return self
        end
        parser = SseParser.new do |event|
          next if completed

          typed = to_event(event, response)
          next unless typed

          completed = true if typed.type == :completed
          block.call(typed)
        end
        response.read_body do |chunk|
          parser.feed(chunk)
          break if completed
        end
        parser.finish unless completed
      end
      unless completed
        raise Error.new(code: "STREAM_INTERRUPTED", message: "The stream ended before the reply was completed",
                        request_id: @request_id)
      end

      self
    end

    # Reads the stream to its end and returns the completed reply (a SentMessage).
    def final_message
      each { |event| return event.message if event.type == :completed }
      raise Error.new(code: "STREAM_INTERRUPTED", message: "The stream ended without a completed message")
    end

    # The reply's text as the deltas carried it, joined (reads the whole stream).
    def text
      pieces = []
      each { |event| pieces << event.delta if event.type == :delta }
      pieces.join
    end

    private

    def parse(event)
      JSON.parse(event.data)
    rescue JSON::ParserError
      raise Error.new(code: "INVALID_RESPONSE", message: "The stream sent an event that is not JSON (#{event.event})")
    end

    def to_event(event, response)
      case event.event
      when "message.delta"
        data = parse(event)
        StreamEvents::Delta.new(delta: data.is_a?(Hash) && data["delta"].is_a?(String) ? data["delta"] : "")
      when "tool.call"
        data = parse(event)
        StreamEvents::ToolCall.new(call_id: data["callId"], tool: data["tool"], arguments: data["arguments"])
      when "tool.result"
        StreamEvents::ToolResult.new(tool_call: OrionOS::ToolCall.new(parse(event)))
      when "message.completed"
        StreamEvents::Completed.new(message: SentMessage.new(parse(event)))
      when "error"
        raise stream_error(parse(event), response)
      end
      # Other event types are newer than this SDK: skipped (nil).
    end

    def stream_error(data, response)
      data = {} unless data.is_a?(Hash)
      code = data["code"].is_a?(String) ? data["code"] : "INTERNAL_ERROR"
      Error.from(
        code: code,
        message: data["message"].is_a?(String) ? data["message"] : "The stream failed",
        details: data["details"].is_a?(Hash) ? data["details"] : {},
        request_id: data["requestId"].is_a?(String) ? data["requestId"] : response["x-request-id"],
        # The status the same error has as a plain answer (the stream itself was a 200).
        status: Error::STATUS_OF_CODE[code], body: data
      )
    end
  end

  # A conversation export (JSON Lines or Markdown): +content_type+, +file_name+, +request_id+ and
  # the file as +text+, +lines+ or (JSON Lines) +records+.
  class ExportDownload
    attr_reader :content_type, :file_name, :request_id, :text

    def initialize(response, text)
      @content_type = response["content-type"].to_s
      @file_name = response["content-disposition"].to_s[/filename="?([^";]+)"?/, 1].to_s
      @request_id = response["x-request-id"]
      @text = text
    end

    def lines
      @text.split("\n")
    end

    # JSON Lines: each record a Hash ({"type" => "conversation" | "message", ...}).
    def records
      lines.reject(&:empty?).map { |line| JSON.parse(line) }
    end
  end
end
