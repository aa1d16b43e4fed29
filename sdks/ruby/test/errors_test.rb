# frozen_string_literal: true

require_relative "test_helper"

class ErrorsTest < Minitest::Test
  def orion
    @orion ||= LiveServer.client
  end

  def test_404_is_a_not_found_error_with_its_request_id
    error = assert_raises(OrionOS::NotFoundError) { orion.agents.get("agt_does_not_exist") }
    assert_kind_of OrionOS::Error, error
    assert_equal "AGENT_NOT_FOUND", error.code
    assert_equal 404, error.status
    assert_match(/\Areq_/, error.request_id)
    assert_includes error.message, "agt_does_not_exist"
    error = assert_raises(OrionOS::NotFoundError) { orion.characters.get("chr_does_not_exist") }
    assert_equal "NOT_FOUND", error.code
  end

  def test_400_carries_its_details_and_changes_nothing
    before = orion.agents.list(limit: 100).pagination.total_items
    error = assert_raises(OrionOS::InvalidRequestError) { orion.agents.create(name: "") }
    assert_equal "INVALID_REQUEST", error.code
    assert_equal 400, error.status
    assert_kind_of Hash, error.details
    fields = error.fields.map { |field| field["field"] }
    assert_includes fields, "name"
    assert_equal fields, error.details["fields"].map { |field| field["field"] }
    assert_equal before, orion.agents.list(limit: 100).pagination.total_items
    assert_raises(OrionOS::InvalidRequestError) { orion.agents.list(limit: 1000) }
  end

  def test_401_for_an_unknown_key
    stranger = OrionOS::Client.new(api_key: "orn_live_#{"x" * 40}", base_url: LiveServer.base_url)
    error = assert_raises(OrionOS::AuthenticationError) { stranger.agents.list }
    assert_equal "UNAUTHORIZED", error.code
    assert_equal 401, error.status
    refute_nil error.request_id
  end

  def test_403_for_a_key_without_the_scope
    created = orion.api_keys.create(name: "read only", scopes: ["agents:read"])
    assert_instance_of OrionOS::CreatedApiKey, created
    reader = OrionOS::Client.new(api_key: created.secret, base_url: LiveServer.base_url)
    reader.agents.list
    error = assert_raises(OrionOS::PermissionDeniedError) { reader.agents.create(name: "Nope") }
    assert_equal "FORBIDDEN", error.code
    assert_equal 403, error.status
    assert_equal "agents:write", error.required_scope
    revoked = orion.api_keys.revoke(created.api_key.id)
    refute_nil revoked.revoked_at
    assert_raises(OrionOS::AuthenticationError) { reader.agents.list }
  end

  def test_an_error_envelope_of_unknown_code_keeps_its_code
    server = TinyServer.new do
      [418, { "content-type" => "application/json" },
       JSON.generate(success: false, error: { code: "TEAPOT", message: "short and stout", details: { a: 1 }, requestId: "req_x" })]
    end
    client = OrionOS::Client.new(api_key: "orn_test_x", base_url: "#{server.url}/v1", max_retries: 0)
    error = assert_raises(OrionOS::Error) { client.agents.list }
    assert_equal OrionOS::Error, error.class
    assert_equal ["TEAPOT", 418, { "a" => 1 }, "req_x"], [error.code, error.status, error.details, error.request_id]
  ensure
    server&.close
  end

  def test_an_answer_that_is_not_the_envelope_is_invalid_response
    server = TinyServer.new { [502, { "content-type" => "text/html" }, "<html>bad gateway</html>"] }
    client = OrionOS::Client.new(api_key: "orn_test_x", base_url: "#{server.url}/v1", max_retries: 0)
    error = assert_raises(OrionOS::Error) { client.agents.get("agt_1") }
    assert_equal "INVALID_RESPONSE", error.code
    assert_equal 502, error.status
    assert_includes error.message, "bad gateway"
  ensure
    server&.close
  end

  def test_bad_arguments_fail_before_any_request
    assert_raises(ArgumentError) { orion.agents.get("") }
    assert_raises(ArgumentError) { orion.characters.revision("chr_1", 0) }
    assert_raises(ArgumentError) { OrionOS::Client.new(api_key: "k", base_url: "not a url") }
    assert_raises(ArgumentError) do
      saved = ENV.delete("ORION_API_KEY")
      begin
        OrionOS::Client.new(base_url: LiveServer.base_url)
      ensure
        ENV["ORION_API_KEY"] = saved if saved
      end
    end
  end
end
