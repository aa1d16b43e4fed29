# frozen_string_literal: true

module OrionOS
  VERSION = "0.1.0"
end
