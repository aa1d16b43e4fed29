# frozen_string_literal: true

require_relative "lib/orionos/version"

Gem::Specification.new do |spec|
  spec.name = "orionos"
  spec.version = OrionOS::VERSION
  spec.summary = "The official Ruby client of the OrionOS API"
  spec.description = "Agents, messages (plain and streamed), conversations, characters, plugins, tools, " \
                     "knowledge, MCP servers, API keys, webhooks and analytics of the OrionOS API, with typed " \
                     "errors, retries and webhook signature verification. Standard library only."
  spec.authors = ["OrionOS"]
  spec.homepage = "https://github.com/OrionOS-dev/orionos"
  spec.required_ruby_version = ">= 3.1"
  spec.files = Dir.glob("lib/**/*.rb", base: __dir__).sort + ["README.md", "orionos.gemspec"]
  spec.require_paths = ["lib"]
  spec.metadata["rubygems_mfa_required"] = "true"
end
