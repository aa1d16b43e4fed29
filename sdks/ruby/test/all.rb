# frozen_string_literal: true

# Every test file: ruby -Ilib test/all.rb (with ORION_BASE_URL and ORION_ADMIN_KEY set).
Dir[File.join(__dir__, "*_test.rb")].sort.each { |file| require file }
