# frozen_string_literal: true

require_relative "test_helper"

class RetriesTest < Minitest::Test
  def secret
    LiveServer.account.secret
  end

  def client_for(server, **options)
    OrionOS::Client.new(api_key: secret, base_url: "#{server.url}/v1", **options)
  end

  def unavailable(retry_after)
    [503, { "content-type" => "application/json", "retry-after" => retry_after.to_s },
     JSON.generate(success: false, error: { code: "SERVICE_UNAVAILABLE", message: "busy", details: {}, requestId: "req_t" })]
  end

  def test_a_post_is_retried_after_retry_after_with_the_same_idempotency_key
    base = LiveServer.base_url.sub(%r{/v1\z}, "")
    server = TinyServer.new do |request, count|
      count == 1 ? unavailable(1) : TinyServer.forward(request, base)
    end
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    agent = client_for(server).agents.create(name: "Retried")
    elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
    assert_match(/\Aagt_/, agent.id)
    assert_operator elapsed, :>=, 0.95, "waited the Retry-After second"
    seen = server.seen
    assert_equal 2, seen.size
    keys = seen.map { |request| request.headers["idempotency-key"] }
    refute_nil keys.first
    assert_match(/\A\h{8}-\h{4}-4\h{3}-[89ab]\h{3}-\h{12}\z/, keys.first)
    assert_equal keys.first, keys.last
    assert_equal seen.first.body, seen.last.body
    # The agent was created once, and exists on the live server.
    assert_equal "Retried", LiveServer.client.agents.get(agent.id).name
    # Another logical POST takes another key.
    client_for(server).agents.create(name: "Second")
    refute_equal keys.first, server.seen.last.headers["idempotency-key"]
  ensure
    server&.close
  end

  def test_an_explicit_idempotency_key_is_sent_on_every_try
    server = TinyServer.new do |_request, count|
      count < 3 ? unavailable(0) : [201, { "content-type" => "application/json" }, JSON.generate(success: true, data: { id: "agt_x" })]
    end
    agent = client_for(server).agents.create({ name: "Keyed" }, request_options: { idempotency_key: "my-key-1" })
    assert_equal "agt_x", agent.id
    assert_equal ["my-key-1"] * 3, server.seen.map { |request| request.headers["idempotency-key"] }
  ensure
    server&.close
  end

  def test_a_get_is_retried_on_429_and_on_a_dropped_connection_without_a_key
    base = LiveServer.base_url.sub(%r{/v1\z}, "")
    server = TinyServer.new do |request, count|
      case count
      when 1 then [429, { "content-type" => "application/json", "retry-after" => "0" },
                   JSON.generate(success: false, error: { code: "RATE_LIMIT_EXCEEDED", message: "slow down", details: { retryAfter: 0 } })]
      when 2 then :close
      else TinyServer.forward(request, base)
      end
    end
    page = client_for(server).agents.list(limit: 1)
    assert_kind_of OrionOS::Page, page
    assert_equal 3, server.seen.size
    assert(server.seen.all? { |request| request.headers["idempotency-key"].nil? })
  ensure
    server&.close
  end

  def test_retries_stop_at_max_retries_with_the_typed_error
    server = TinyServer.new { unavailable(0) }
    error = assert_raises(OrionOS::ServiceUnavailableError) { client_for(server, max_retries: 2).agents.list }
    assert_equal 503, error.status
    assert_equal 0, error.retry_after
    assert_equal 3, server.seen.size
    assert_raises(OrionOS::ServiceUnavailableError) do
      client_for(server).agents.get("agt_1", request_options: { max_retries: 0 })
    end
    assert_equal 4, server.seen.size
  ensure
    server&.close
  end

  def test_what_no_retry_changes_is_not_retried
    server = TinyServer.new do
      [429, { "content-type" => "application/json" },
       JSON.generate(success: false, error: { code: "INSUFFICIENT_QUOTA", message: "quota", details: { quota: 10, used: 10 } })]
    end
    error = assert_raises(OrionOS::QuotaExceededError) { client_for(server).agents.send_message("agt_1", text: "x", user_id: "u") }
    assert_equal [10, 10], [error.quota, error.used]
    assert_equal 1, server.seen.size
  ensure
    server&.close
  end

  def test_a_connection_refused_is_a_connection_error_after_retries
    port = TCPServer.open("127.0.0.1", 0) { |socket| socket.addr[1] }
    client = OrionOS::Client.new(api_key: secret, base_url: "http://127.0.0.1:#{port}/v1", max_retries: 1)
    error = assert_raises(OrionOS::APIConnectionError) { client.agents.list }
    assert_equal "CONNECTION_ERROR", error.code
    assert_nil error.status
  end

  def test_a_silent_server_is_a_timeout
    server = TinyServer.new do
      sleep 2
      [200, {}, "{}"]
    end
    client = client_for(server, timeout: 0.3, max_retries: 0)
    error = assert_raises(OrionOS::APITimeoutError) { client.agents.list }
    assert_equal "TIMEOUT", error.code
  ensure
    server&.close
  end

  def sse(*events)
    [200, { "content-type" => "text/event-stream", "x-request-id" => "req_sse" },
     events.map { |name, data| "event: #{name}\ndata: #{JSON.generate(data)}\n\n" }.join(": heartbeat\n\n")]
  end

  def test_a_stream_is_retried_before_it_starts_with_the_same_key
    server = TinyServer.new do |_request, count|
      count == 1 ? unavailable(0) : sse(["message.delta", { delta: "Hi" }], ["message.completed", { id: "msg_1", response: "Hi" }])
    end
    events = client_for(server).agents.stream_message("agt_1", text: "x", user_id: "u").to_a
    assert_equal %i[delta completed], events.map(&:type)
    keys = server.seen.map { |request| request.headers["idempotency-key"] }
    assert_equal 2, keys.size
    assert_equal keys.first, keys.last
    assert_equal true, JSON.parse(server.seen.last.body)["stream"]
  ensure
    server&.close
  end

  def test_a_stream_cut_before_its_reply_is_stream_interrupted_and_not_retried
    server = TinyServer.new { sse(["message.delta", { delta: "Hel" }], ["message.delta", { delta: "lo" }]) }
    seen = []
    error = assert_raises(OrionOS::Error) do
      client_for(server).agents.stream_message("agt_1", text: "x", user_id: "u").each { |event| seen << event.delta }
    end
    assert_equal "STREAM_INTERRUPTED", error.code
    assert_equal "req_sse", error.request_id
    assert_equal %w[Hel lo], seen
    assert_equal 1, server.seen.size
  ensure
    server&.close
  end

  def test_an_error_event_raises_its_typed_error
    server = TinyServer.new do
      sse(["message.delta", { delta: "a" }],
          ["error", { code: "MODEL_ERROR", message: "the provider failed", details: { provider: "openai" }, requestId: "req_e" }])
    end
    stream = client_for(server).agents.stream_message("agt_1", text: "x", user_id: "u")
    error = assert_raises(OrionOS::ModelError) { stream.each { nil } }
    assert_equal ["MODEL_ERROR", 502, "openai", "req_e"], [error.code, error.status, error.details["provider"], error.request_id]
    assert_equal 1, server.seen.size
  ensure
    server&.close
  end

  def test_the_sse_parser_follows_the_rules
    events = []
    parser = OrionOS::SseParser.new { |event| events << [event.event, event.data] }
    parser.feed(": comment\r\nevent: a\r\ndata: 1\r\ndata:2\r\n\r\nda")
    parser.feed("ta: x\n\nevent: ignored-without-data\n\n")
    parser.feed("data: last\n\n")
    parser.finish
    assert_equal [["a", "1\n2"], ["message", "x"], ["message", "last"]], events
  end

  def test_backoff_grows_and_honours_retry_after
    error = OrionOS::Error.from(code: "SERVICE_UNAVAILABLE", message: "x", status: 503)
    delays = (0..4).map { |attempt| OrionOS::HttpClient.retry_delay(error, attempt, 60) }
    assert_operator delays[0], :<=, 0.5
    assert_operator delays[0], :>=, 0.375
    assert_operator delays[3], :>=, 3.0
    assert_operator delays[4], :<=, 8.0
    hinted = OrionOS::Error.from(code: "RATE_LIMIT_EXCEEDED", message: "x", headers: { "retry-after" => "120" })
    assert_equal 60, OrionOS::HttpClient.retry_delay(hinted, 0, 60)
    dated = OrionOS::Error.from(code: "RATE_LIMIT_EXCEEDED", message: "x", headers: { "retry-after" => (Time.now + 30).httpdate })
    assert_in_delta 30, dated.retry_after, 2
  end
end
