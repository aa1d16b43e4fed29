# frozen_string_literal: true

# The official Ruby client of the OrionOS API (standard library only).
require_relative "orionos/version"
require_relative "orionos/errors"
require_relative "orionos/model"
require_relative "orionos/page"
require_relative "orionos/http"
require_relative "orionos/stream"
require_relative "orionos/webhook_signature"
require_relative "orionos/resources"
require_relative "orionos/client"
