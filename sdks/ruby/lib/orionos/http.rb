# frozen_string_literal: true

require "json"
require "net/http"
require "securerandom"
require "uri"

module OrionOS
  # The one place HTTP happens: headers, timeouts, typed errors, retries with exponential backoff
  # and jitter, and an Idempotency-Key on every POST (one per logical call, the same on its retries).
  class HttpClient
    INITIAL_BACKOFF = 0.5
    MAX_BACKOFF = 8.0
    # AGENT_UNAVAILABLE reasons that a retry cannot change.
    PERMANENT_UNAVAILABILITY = %w[paused provider_not_configured].freeze
    RETRIED_NETWORK_ERRORS = [
      SocketError, IOError, EOFError, SystemCallError, OpenSSL::SSL::SSLError, Net::ProtocolError
    ].freeze
    TIMEOUT_ERRORS = [Net::OpenTimeout, Net::ReadTimeout, Net::WriteTimeout].freeze

    attr_reader :base_url, :max_retries, :timeout, :max_retry_delay

    def initialize(api_key:, base_url:, max_retries:, timeout:, max_retry_delay:)
      @api_key = api_key
      @base_url = base_url
      @base_uri = URI.parse(base_url)
      @max_retries = max_retries
      @timeout = timeout
      @max_retry_delay = max_retry_delay
    end

    def url(path, query = nil)
      pairs = (query || {}).reject { |_, value| value.nil? }.map { |name, value| [name.to_s, query_value(value)] }
      search = pairs.empty? ? "" : "?#{URI.encode_www_form(pairs)}"
      "#{@base_url}#{path}#{search}"
    end

    # A JSON call: the success envelope's +data+ (a Hash or Array), or raises the typed error.
    def request(method, path, query: nil, body: nil, options: nil)
      with_retries(method, path, query, body, options || {}, "application/json") do |response|
        parsed = parse_json(response.body.to_s)
        unless parsed.is_a?(Hash) && parsed["success"] == true && parsed.key?("data")
          raise self.class.error_from_answer(response, response.body.to_s)
        end

        parsed["data"]
      end
    end

    # A streamed call: yields the success answer with its body not read yet (read it with
    # +read_body+ in the block). Retried like any call until the block starts reading.
    def stream(method, path, query: nil, body: nil, options: nil, accept: "text/event-stream", &block)
      with_retries(method, path, query, body, options || {}, accept, streaming: true, &block)
    end

    # Retried: rate limits (not quotas), unavailability that may pass, failed connections.
    def self.retryable?(error)
      return true if error.is_a?(APIConnectionError)
      return true if %w[RATE_LIMIT_EXCEEDED SERVICE_UNAVAILABLE].include?(error.code)
      return !PERMANENT_UNAVAILABILITY.include?(error.reason.to_s) if error.is_a?(AgentUnavailableError)

      false
    end

    # Seconds before retry number +attempt+ (0-based): what the server asked for, capped, or else
    # exponential backoff with jitter.
    def self.retry_delay(error, attempt, max_delay)
      hinted = error.retry_after
      return [hinted.to_f, max_delay].min if hinted

      backoff = [INITIAL_BACKOFF * (2**attempt), MAX_BACKOFF, max_delay].min
      backoff * (0.75 + (rand * 0.25))
    end

    # An API error envelope as a typed exception; anything else as INVALID_RESPONSE (a bare 429
    # or 503, from a proxy say, still means "try again later").
    def self.error_from_answer(response, text)
      status = response.code.to_i
      headers = header_hash(response)
      parsed = begin
        JSON.parse(text)
      rescue JSON::ParserError, TypeError
        nil
      end
      error = parsed.is_a?(Hash) ? parsed["error"] : nil
      if parsed.is_a?(Hash) && parsed["success"] == false && error.is_a?(Hash) && error["code"].is_a?(String)
        request_id = error["requestId"].is_a?(String) && !error["requestId"].empty? ? error["requestId"] : headers["x-request-id"]
        return Error.from(
          code: error["code"],
          message: error["message"].is_a?(String) ? error["message"] : "HTTP #{status}",
          details: error["details"].is_a?(Hash) ? error["details"] : {},
          request_id: request_id, status: status, headers: headers, body: parsed
        )
      end
      code = { 429 => "RATE_LIMIT_EXCEEDED", 503 => "SERVICE_UNAVAILABLE" }.fetch(status, "INVALID_RESPONSE")
      excerpt = text.to_s.length > 200 ? "#{text[0, 200]}…" : text.to_s
      Error.from(
        code: code,
        message: "Unexpected answer from the server (HTTP #{status})#{excerpt.empty? ? "" : ": #{excerpt}"}",
        status: status, headers: headers, body: parsed || text, request_id: headers["x-request-id"]
      )
    end

    def self.header_hash(response)
      response.each_header.to_h { |name, value| [name.downcase, value] }
    end

    private

    def query_value(value)
      case value
      when Time then value.utc.iso8601(3)
      when true, false then value.to_s
      else value.to_s
      end
    end

    def parse_json(text)
      JSON.parse(text)
    rescue JSON::ParserError
      nil
    end

    def with_retries(method, path, query, body, options, accept, streaming: false)
      max = Integer(options.fetch(:max_retries, @max_retries))
      max = 0 if max.negative?
      idempotency_key = method == :post ? (options[:idempotency_key] || SecureRandom.uuid) : nil
      retry_number = 0
      loop do
        started = false
        begin
          return send_request(method, path, query, body, options, accept, idempotency_key) do |response|
            raise self.class.error_from_answer(response, response.body.to_s) unless response.code.to_i.between?(200, 299)

            started = true
            yield response
          end
        rescue Error => e
          raise if started && streaming

          error = e
        rescue *TIMEOUT_ERRORS => e
          error = APITimeoutError.new(code: "TIMEOUT", message: "The request timed out (#{e.class})")
          raise error if started && streaming
        rescue *RETRIED_NETWORK_ERRORS => e
          error = APIConnectionError.new(code: "CONNECTION_ERROR", message: "Could not reach the OrionOS API: #{e.message}")
          raise error if started && streaming
        end
        # Within one call the body never changes, so a conflict on a retry means an earlier attempt
        # (whose answer was lost) is still running: wait for it like for a 503.
        still_running = retry_number.positive? && error.code == "IDEMPOTENCY_CONFLICT" &&
                        error.details["reason"] != "answer_lost"
        raise error if retry_number >= max || !(self.class.retryable?(error) || still_running)

        sleep(self.class.retry_delay(error, retry_number, @max_retry_delay))
        retry_number += 1
      end
    end

    def send_request(method, path, query, body, options, accept, idempotency_key, &block)
      uri = URI.parse(url(path, query))
      timeout = options.fetch(:timeout, @timeout)
      request = Net::HTTPGenericRequest.new(
        method.to_s.upcase, !body.nil?, true, uri.request_uri
      )
      request["Accept"] = accept
      request["Authorization"] = "Bearer #{@api_key}"
      request["User-Agent"] = "orionos-sdk-ruby/#{VERSION}"
      request["Idempotency-Key"] = idempotency_key if idempotency_key
      unless body.nil?
        request["Content-Type"] = "application/json"
        request.body = JSON.generate(body)
      end
      (options[:headers] || {}).each { |name, value| request[name.to_s] = value.to_s }
      http = Net::HTTP.new(uri.host, uri.port)
      http.use_ssl = uri.scheme == "https"
      http.open_timeout = timeout
      http.read_timeout = timeout
      http.write_timeout = timeout
      http.max_retries = 0 # retries are this client's, with backoff and the same Idempotency-Key
      http.start do |connection|
        connection.request(request) do |response|
          return block.call(response)
        end
      end
    end
  end
end
