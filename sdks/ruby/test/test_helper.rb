# frozen_string_literal: true

# Tests against a live OrionOS: ORION_BASE_URL (with its /v1) and ORION_ADMIN_KEY. Each run
# creates its own account (and key) with the admin key.
require "minitest/autorun"
require "json"
require "net/http"
require "securerandom"
require "socket"
require "orionos"

module LiveServer
  module_function

  def base_url
    url = ENV.fetch("ORION_BASE_URL") { raise "set ORION_BASE_URL (the API's base URL, with /v1)" }
    url = url.sub(%r{/+\z}, "")
    url.end_with?("/v1") ? url : "#{url}/v1"
  end

  def admin_key
    ENV.fetch("ORION_ADMIN_KEY") { raise "set ORION_ADMIN_KEY" }
  end

  def admin
    @admin ||= OrionOS::Client.new(api_key: admin_key, base_url: base_url)
  end

  # A fresh account of this test run, with its first key (every scope a new account's key has).
  def account
    @account ||= admin.accounts.create(name: "ruby-sdk-#{SecureRandom.hex(4)}", tier: "enterprise", rate_limit_per_minute: 10_000)
  end

  def client(**options)
    OrionOS::Client.new(api_key: account.secret, base_url: base_url, **options)
  end

  # Another account, for isolation tests.
  def other_client
    @other ||= admin.accounts.create(name: "ruby-sdk-other-#{SecureRandom.hex(4)}", tier: "enterprise")
    OrionOS::Client.new(api_key: @other.secret, base_url: base_url)
  end
end

# A tiny HTTP/1.1 server on loopback: each request is recorded and answered by the handler,
# which returns [status, headers, body], or :close to drop the connection without an answer.
class TinyServer
  Request = Struct.new(:method, :target, :headers, :body, keyword_init: true)

  attr_reader :requests

  def initialize(&handler)
    @handler = handler
    @requests = Queue.new
    @seen = []
    @lock = Mutex.new
    @server = TCPServer.new("127.0.0.1", 0)
    @thread = Thread.new do
      loop do
        socket = @server.accept
        Thread.new(socket) { |client| serve(client) }
      end
    rescue IOError, Errno::EBADF
      nil
    end
  end

  def port
    @server.addr[1]
  end

  def url
    "http://127.0.0.1:#{port}"
  end

  def seen
    @lock.synchronize { @seen.dup }
  end

  def close
    @server.close
    @thread.join(1)
  end

  # Forwards a request to the live server and answers what it answered.
  def self.forward(request, base)
    uri = URI.parse(base)
    http = Net::HTTP.new(uri.host, uri.port)
    forwarded = Net::HTTPGenericRequest.new(request.method, !request.body.empty?, true, request.target)
    request.headers.each { |name, value| forwarded[name] = value unless %w[host content-length connection].include?(name) }
    forwarded.body = request.body unless request.body.empty?
    answer = http.request(forwarded)
    headers = { "content-type" => answer["content-type"].to_s }
    headers["x-request-id"] = answer["x-request-id"] if answer["x-request-id"]
    [answer.code.to_i, headers, answer.body.to_s]
  end

  private

  def serve(client)
    request_line = client.gets("\r\n")
    return unless request_line

    method, target, = request_line.split(" ")
    headers = {}
    while (line = client.gets("\r\n")) && line != "\r\n"
      name, value = line.split(":", 2)
      headers[name.strip.downcase] = value.to_s.strip
    end
    body = headers["content-length"] ? client.read(headers["content-length"].to_i) : ""
    request = Request.new(method: method, target: target, headers: headers, body: body.to_s)
    @lock.synchronize { @seen << request }
    @requests << request
    status, answer_headers, answer_body = @handler.call(request, @seen.size)
    return if status == :close

    answer_body = answer_body.to_s.b
    client.write("HTTP/1.1 #{status} X\r\n")
    answer_headers.merge("content-length" => answer_body.bytesize.to_s, "connection" => "close").each do |name, value|
      client.write("#{name}: #{value}\r\n")
    end
    client.write("\r\n")
    client.write(answer_body)
  rescue IOError, SystemCallError
    nil
  ensure
    client.close
  end
end
