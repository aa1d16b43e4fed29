package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/OrionOS-dev/orionos-go"
)

func main() {
	ctx := context.Background()
	orion, err := orionos.NewClient(orionos.Options{
		APIKey: os.Getenv("ORION_API_KEY"),
	})
	if err != nil {
		log.Fatal(err)
	}

	// Create an agent
	agent, err := orion.Agents.Create(ctx, &orionos.CreateAgentInput{
		Name: "MyAgent",
		Personality: &orionos.PersonalityInput{
			Traits: []string{"helpful", "friendly"},
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	// Send a message
	response, err := orion.Agents.SendMessage(ctx, agent.ID, &orionos.SendMessageRequest{
		Text:   "Hello!",
		UserID: "user_123",
	})
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println(response.Response)
}
