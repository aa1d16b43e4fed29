# frozen_string_literal: true

require_relative "test_helper"
require "base64"

class WebhooksTest < Minitest::Test
  SECRET = "whsec_#{Base64.strict_encode64("0123456789abcdef0123456789abcdef")}".freeze
  BODY = '{"type":"message.created","timestamp":"2026-01-01T00:00:00.000Z","data":{"id":"msg_1"}}'

  def headers(body: BODY, id: "evt_1", timestamp: Time.now.to_i, secret: SECRET)
    { "Webhook-Id" => id, "Webhook-Timestamp" => timestamp.to_s,
      "Webhook-Signature" => OrionOS::WebhookSignature.sign(body, id: id, timestamp: timestamp, secret: secret) }
  end

  def verify(body, headers, **options)
    OrionOS::WebhookSignature.verify(body, headers, SECRET, **options)
  end

  def test_a_valid_delivery_gives_its_event
    event = verify(BODY, headers)
    assert_instance_of OrionOS::WebhookEvent, event
    assert_equal "message.created", event.type
    assert_equal "msg_1", event.data.id
    # Computed independently: HMAC-SHA256 of "id.timestamp.body" keyed with the decoded secret.
    timestamp = Time.now.to_i
    key = "0123456789abcdef0123456789abcdef"
    signature = Base64.strict_encode64(OpenSSL::HMAC.digest("SHA256", key, "evt_2.#{timestamp}.#{BODY}"))
    raw = { "webhook-id" => "evt_2", "webhook-timestamp" => timestamp.to_s, "webhook-signature" => "v1,#{signature}" }
    assert_equal "message.created", verify(BODY, raw).type
    assert_equal "message.created", LiveServer.client.webhooks.verify(BODY, raw, SECRET).type
  end

  def test_any_of_several_signatures_may_match
    good = headers
    other = OrionOS::WebhookSignature.sign(BODY, id: "evt_1", timestamp: good["Webhook-Timestamp"],
                                                 secret: "whsec_#{Base64.strict_encode64("another secret of enough length!")}")
    good["Webhook-Signature"] = "#{other} v2,abc #{good["Webhook-Signature"]}"
    assert_equal "message.created", verify(BODY, good).type
    # Rack-style names work too.
    rack = good.to_h { |name, value| ["HTTP_#{name.upcase.tr("-", "_")}", value] }
    assert_equal "message.created", verify(BODY, rack).type
  end

  def test_a_tampered_delivery_is_refused
    good = headers
    error = assert_raises(OrionOS::WebhookVerificationError) { verify(BODY.sub("msg_1", "msg_2"), good) }
    assert_equal "bad_signature", error.reason
    assert_equal "WEBHOOK_VERIFICATION_FAILED", error.code
    assert_kind_of OrionOS::Error, error
    other_id = good.merge("Webhook-Id" => "evt_other")
    assert_equal "bad_signature", assert_raises(OrionOS::WebhookVerificationError) { verify(BODY, other_id) }.reason
    wrong = "whsec_#{Base64.strict_encode64("a different secret, 32 bytes long")}"
    error = assert_raises(OrionOS::WebhookVerificationError) { OrionOS::WebhookSignature.verify(BODY, good, wrong) }
    assert_equal "bad_signature", error.reason
  end

  def test_an_expired_or_future_delivery_is_refused
    old = headers(timestamp: Time.now.to_i - 301)
    assert_equal "stale_timestamp", assert_raises(OrionOS::WebhookVerificationError) { verify(BODY, old) }.reason
    future = headers(timestamp: Time.now.to_i + 301)
    assert_equal "stale_timestamp", assert_raises(OrionOS::WebhookVerificationError) { verify(BODY, future) }.reason
    assert_equal "message.created", verify(BODY, headers(timestamp: Time.now.to_i - 290)).type
    assert_equal "message.created", verify(BODY, old, tolerance: 600).type
  end

  def test_missing_or_malformed_headers_are_refused
    missing = headers.reject { |name, _| name == "Webhook-Signature" }
    assert_equal "missing_headers", assert_raises(OrionOS::WebhookVerificationError) { verify(BODY, missing) }.reason
    bad = headers.merge("Webhook-Timestamp" => "yesterday")
    assert_equal "invalid_headers", assert_raises(OrionOS::WebhookVerificationError) { verify(BODY, bad) }.reason
    assert_raises(ArgumentError) { OrionOS::WebhookSignature.verify(BODY, headers, "") }
  end

  def test_a_real_delivery_of_the_live_server_verifies
    received = Queue.new
    receiver = TinyServer.new do |request|
      received << request
      [200, { "content-type" => "text/plain" }, "ok"]
    end
    orion = LiveServer.client
    begin
      created = orion.webhooks.create(url: "#{receiver.url}/hook", events: ["message.completed"])
    rescue OrionOS::InvalidRequestError => e
      raise unless e.fields.map { |field| field["field"] } == ["url"]

      skip "the server refuses loopback webhook URLs (ORION_ALLOW_PRIVATE_NETWORKS): #{e.message}"
    end
    assert_instance_of OrionOS::CreatedWebhook, created
    assert_match(/\Awhsec_/, created.secret)
    webhook = created.webhook
    assert_equal webhook.to_h, orion.webhooks.get(webhook.id).to_h
    assert_includes orion.webhooks.list.map(&:id), webhook.id
    delivery = orion.webhooks.test(webhook.id)
    assert_instance_of OrionOS::WebhookDelivery, delivery

    request = Timeout.timeout(20) { received.pop }
    event = orion.webhooks.verify(request.body, request.headers, created.secret)
    assert_kind_of String, event.type
    error = assert_raises(OrionOS::WebhookVerificationError) do
      orion.webhooks.verify("#{request.body} ", request.headers, created.secret)
    end
    assert_equal "bad_signature", error.reason

    deliveries = orion.webhooks.deliveries(webhook.id)
    assert_includes deliveries.map(&:id), delivery.id
    assert_equal delivery.id, orion.webhooks.delivery(webhook.id, delivery.id).id
    updated = orion.webhooks.update(webhook.id, enabled: false)
    assert_equal false, updated.enabled
    assert_raises(OrionOS::WebhookDisabledError) { orion.webhooks.test(webhook.id) }
    assert_equal true, orion.webhooks.delete(webhook.id).deleted
  ensure
    receiver&.close
  end
end
