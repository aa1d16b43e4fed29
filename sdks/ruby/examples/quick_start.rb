require "orionos"

orion = OrionOS::Client.new(
  api_key: ENV["ORION_API_KEY"]
)

# Create an agent
agent = orion.agents.create(
  name: "MyAgent",
  personality: {
    traits: ["helpful", "friendly"]
  }
)

# Send a message
response = orion.agents.send_message(agent.id,
  text: "Hello!",
  user_id: "user_123"
)

puts response.response
