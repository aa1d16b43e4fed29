# frozen_string_literal: true

require "time"

module OrionOS
  # Any failed call. +code+ tells what happened (the API's error code, or one of the client's own:
  # CONNECTION_ERROR, TIMEOUT, INVALID_RESPONSE, STREAM_INTERRUPTED, WEBHOOK_VERIFICATION_FAILED);
  # the subclasses add typed accessors.
  class Error < StandardError
    # The HTTP status of each API error code (the server's table).
    STATUS_OF_CODE = {
      "INVALID_REQUEST" => 400, "UNAUTHORIZED" => 401, "FORBIDDEN" => 403, "AGENT_NOT_FOUND" => 404,
      "NOT_FOUND" => 404, "METHOD_NOT_ALLOWED" => 405, "IDEMPOTENCY_CONFLICT" => 409, "ALREADY_EXISTS" => 409, "CHARACTER_IN_USE" => 409,
      "WEBHOOK_DISABLED" => 409, "PAYLOAD_TOO_LARGE" => 413, "RATE_LIMIT_EXCEEDED" => 429,
      "INSUFFICIENT_QUOTA" => 429, "INTERNAL_ERROR" => 500, "MODEL_ERROR" => 502,
      "AGENT_UNAVAILABLE" => 503, "SERVICE_UNAVAILABLE" => 503
    }.freeze

    attr_reader :code, :status, :details, :request_id, :headers, :body

    def initialize(code:, message:, status: nil, details: nil, request_id: nil, headers: nil, body: nil)
      super(message)
      @code = code
      @status = status
      @details = details.is_a?(Hash) ? details : {}
      @request_id = request_id
      @headers = headers || {}
      @body = body
    end

    # The error for an API error object, as its subclass (this class for codes it does not know).
    def self.from(code:, **rest)
      klass = CLASSES.fetch(code, Error)
      klass.new(code: code, **rest)
    end

    # Seconds to wait before trying again: Retry-After (seconds or an HTTP date), else details.retryAfter.
    def retry_after
      header = headers["retry-after"]
      if header && !header.to_s.strip.empty?
        seconds = Float(header, exception: false)
        return seconds if seconds && seconds >= 0
        begin
          return [Time.httpdate(header.to_s) - Time.now, 0].max
        rescue ArgumentError
          nil
        end
      end
      detail = details["retryAfter"]
      detail.is_a?(Numeric) && detail >= 0 ? detail : nil
    end

    def inspect
      "#<#{self.class.name} code=#{code.inspect} status=#{status.inspect} message=#{message.inspect} request_id=#{request_id.inspect}>"
    end
  end

  # 400 INVALID_REQUEST: +fields+ names each offending field.
  class InvalidRequestError < Error
    def fields
      fields = details["fields"]
      fields.is_a?(Array) ? fields : []
    end
  end

  # 401 UNAUTHORIZED: missing, malformed, unknown, revoked or expired API key.
  class AuthenticationError < Error; end

  # 403 FORBIDDEN: the key lacks +required_scope+.
  class PermissionDeniedError < Error
    def required_scope
      details["requiredScope"]
    end
  end

  # 404 AGENT_NOT_FOUND or NOT_FOUND.
  class NotFoundError < Error; end

  # 409 IDEMPOTENCY_CONFLICT.
  class IdempotencyConflictError < Error; end

  # 409 ALREADY_EXISTS: +field+ says which unique field is taken.
  class ConflictError < Error
    def field
      details["field"]
    end
  end

  # 409 WEBHOOK_DISABLED.
  class WebhookDisabledError < Error
    def disabled_reason
      details["disabledReason"]
    end
  end

  # 409 CHARACTER_IN_USE: agents use the character; delete with force: true to detach them.
  class CharacterInUseError < Error
    def agents
      details["agents"]
    end
  end

  # 413 PAYLOAD_TOO_LARGE.
  class PayloadTooLargeError < Error; end

  # 429 RATE_LIMIT_EXCEEDED: retried automatically.
  class RateLimitError < Error; end

  # 429 INSUFFICIENT_QUOTA: the monthly message quota is used up; never retried.
  class QuotaExceededError < Error
    def quota = details["quota"]
    def used = details["used"]
    def resets_at = details["resetsAt"]
  end

  # 500 INTERNAL_ERROR.
  class InternalServerError < Error; end

  # 502 MODEL_ERROR.
  class ModelError < Error; end

  # 503 AGENT_UNAVAILABLE: +reason+ is paused, provider_not_configured or timeout.
  class AgentUnavailableError < Error
    def reason
      details["reason"]
    end
  end

  # 503 SERVICE_UNAVAILABLE.
  class ServiceUnavailableError < Error; end

  # No HTTP answer: the connection failed (+cause+ has the underlying exception).
  class APIConnectionError < Error; end

  # No answer within the timeout.
  class APITimeoutError < APIConnectionError; end

  # A webhook delivery whose signature or timestamp is not valid for the secret.
  # +reason+: missing_headers, invalid_headers, stale_timestamp or bad_signature.
  class WebhookVerificationError < Error
    def initialize(reason, message)
      super(code: "WEBHOOK_VERIFICATION_FAILED", message: message, details: { "reason" => reason })
    end

    def reason
      details["reason"]
    end
  end

  class Error
    CLASSES = {
      "INVALID_REQUEST" => InvalidRequestError,
      "UNAUTHORIZED" => AuthenticationError,
      "FORBIDDEN" => PermissionDeniedError,
      "AGENT_NOT_FOUND" => NotFoundError,
      "NOT_FOUND" => NotFoundError,
      "IDEMPOTENCY_CONFLICT" => IdempotencyConflictError,
      "ALREADY_EXISTS" => ConflictError,
      "CHARACTER_IN_USE" => CharacterInUseError,
      "WEBHOOK_DISABLED" => WebhookDisabledError,
      "PAYLOAD_TOO_LARGE" => PayloadTooLargeError,
      "RATE_LIMIT_EXCEEDED" => RateLimitError,
      "INSUFFICIENT_QUOTA" => QuotaExceededError,
      "INTERNAL_ERROR" => InternalServerError,
      "MODEL_ERROR" => ModelError,
      "AGENT_UNAVAILABLE" => AgentUnavailableError,
      "SERVICE_UNAVAILABLE" => ServiceUnavailableError
    }.freeze
  end
end
