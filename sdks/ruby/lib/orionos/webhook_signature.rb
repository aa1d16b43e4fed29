# frozen_string_literal: true

require "base64"
require "json"
require "openssl"

module OrionOS
  # Standard Webhooks verification: the webhook-id, webhook-timestamp and webhook-signature
  # headers; the signature "v1,<base64 HMAC-SHA256 of id.timestamp.body>" keyed with the whsec_
  # secret base64-decoded; several signatures space-separated (any may match); a timestamp within
  # +tolerance+ seconds (5 minutes) of now, either way.
  module WebhookSignature
    TOLERANCE = 300
    HEADERS = %w[webhook-id webhook-timestamp webhook-signature].freeze

    module_function

    # Returns the delivery's event (a WebhookEvent) or raises WebhookVerificationError.
    # +headers+: a Hash (any case, values String or Array) or anything with +[]+ (a Rack env too).
    def verify(body, headers, secret, tolerance: TOLERANCE, now: Time.now)
      key = decode_secret(secret)
      found = signature_headers(headers)
      missing = HEADERS.reject { |name| found[name] }
      raise WebhookVerificationError.new("missing_headers", "Missing required headers: #{missing.join(", ")}") unless missing.empty?

      id = found["webhook-id"]
      timestamp = found["webhook-timestamp"]
      unless timestamp.match?(/\A\d+\z/)
        raise WebhookVerificationError.new("invalid_headers", "Invalid webhook-timestamp: #{timestamp.inspect}")
      end
      if (now.to_i - timestamp.to_i).abs > tolerance
        raise WebhookVerificationError.new("stale_timestamp", "Message timestamp is too old or too new")
      end

      payload = body.to_s.dup.force_encoding(Encoding::BINARY)
      expected = Base64.strict_encode64(OpenSSL::HMAC.digest("SHA256", key, "#{id}.#{timestamp}.#{payload}"))
      matched = found["webhook-signature"].split(" ").any? do |candidate|
        version, signature = candidate.split(",", 2)
        version == "v1" && signature && signature.bytesize == expected.bytesize &&
          OpenSSL.fixed_length_secure_compare(signature, expected)
      end
      raise WebhookVerificationError.new("bad_signature", "No matching signature found") unless matched

      begin
        WebhookEvent.new(JSON.parse(payload.force_encoding(Encoding::UTF_8)))
      rescue JSON::ParserError => e
        raise WebhookVerificationError.new("bad_signature", "The body is not the signed JSON: #{e.message}")
      end
    end

    # The signature header value for a body (for tests of your own endpoint).
    def sign(body, id:, timestamp:, secret:)
      digest = OpenSSL::HMAC.digest("SHA256", decode_secret(secret), "#{id}.#{timestamp.to_i}.#{body}")
      "v1,#{Base64.strict_encode64(digest)}"
    end

    def decode_secret(secret)
      raise ArgumentError, "secret must be the endpoint's signing secret (whsec_...)" unless secret.is_a?(String) && !secret.empty?

      begin
        Base64.strict_decode64(secret.delete_prefix("whsec_"))
      rescue ArgumentError => e
        raise ArgumentError, "secret is not a signing secret (whsec_...): #{e.message}"
      end
    end

    def signature_headers(headers)
      found = {}
      if headers.is_a?(Hash)
        headers.each do |name, value|
          lower = name.to_s.downcase.tr("_", "-").delete_prefix("http-")
          next unless HEADERS.include?(lower) && !value.nil?

          found[lower] = value.is_a?(Array) ? value.join(" ") : value.to_s
        end
      else
        HEADERS.each do |name|
          value = headers[name]
          found[name] = value.to_s unless value.nil?
        end
      end
      found
    end
  end
end
