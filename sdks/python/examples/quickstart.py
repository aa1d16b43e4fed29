import os

from orionos import OrionOS

orion = OrionOS(api_key=os.environ["ORION_API_KEY"])

# Create an agent
agent = orion.agents.create(
    name="MyAgent",
    personality={
        "traits": ["helpful", "friendly"],
    },
)

# Send a message
response = orion.agents.send_message(agent.id, text="Hello!", user_id="user_123")

print(response.data.response)
