package orionos_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/OrionOS-dev/orionos-go"
)

// sse is a local server answering a streamed send with the given events (then closing, or
// hanging for `hang`).
func sse(t *testing.T, body string, hang time.Duration) *orionos.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") != "text/event-stream" || r.Header.Get("Idempotency-Key") == "" {
			w.WriteHeader(400)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("X-Request-Id", "req_local")
		_, _ = w.Write([]byte(body))
		w.(http.Flusher).Flush()
		select {
		case <-time.After(hang):
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	c, err := orionos.NewClient(orionos.Options{APIKey: "orn_live_x", BaseURL: srv.URL + "/v1", Timeout: 200 * time.Millisecond, MaxRetries: orionos.NoRetries})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func collect(t *testing.T, c *orionos.Client) ([]orionos.StreamEvent, error) {
	t.Helper()
	stream, err := c.Agents.StreamMessage(context.Background(), "agt_1", &orionos.SendMessageRequest{Text: "hi", UserID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var events []orionos.StreamEvent
	for stream.Next() {
		events = append(events, stream.Current())
	}
	return events, stream.Err()
}

func TestStreamEventsToolsAndHeartbeats(t *testing.T) {
	c := sse(t, ": heartbeat\n\n"+
		"event: tool.call\ndata: {\"callId\":\"c1\",\"tool\":\"weather\",\"arguments\":{\"city\":\"Oslo\"}}\n\n"+
		"event: tool.result\ndata: {\"callId\":\"c1\",\"tool\":\"weather\",\"arguments\":{\"city\":\"Oslo\"},\"result\":{\"temp\":3},\"error\":null,\"latencyMs\":5}\n\n"+
		"event: message.delta\ndata: {\"delta\":\"It is \"}\n\n"+
		"event: something.new\ndata: {}\n\n"+
		"event: message.delta\r\ndata: {\"delta\":\"3 degrees.\"}\r\n\r\n"+
		"event: message.completed\ndata: {\"id\":\"msg_1\",\"response\":\"It is 3 degrees.\",\"toolCalls\":[{\"callId\":\"c1\",\"tool\":\"weather\",\"arguments\":{},\"result\":{\"temp\":3},\"error\":null,\"latencyMs\":5}]}\n\n", time.Second)
	events, err := collect(t, c)
	if err != nil {
		t.Fatal(err)
	}
	want := []orionos.StreamEventType{orionos.EventToolCall, orionos.EventToolResult, orionos.EventDelta, orionos.EventDelta, orionos.EventCompleted}
	if len(events) != len(want) {
		t.Fatalf("events: %+v", events)
	}
	for i, e := range events {
		if e.Type != want[i] {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
	if events[0].ToolCall.Tool != "weather" || events[1].ToolCall.Result.(map[string]any)["temp"] != float64(3) ||
		events[2].Delta+events[3].Delta != events[4].Message.Response || len(events[4].Message.ToolCalls) != 1 {
		t.Fatalf("events: %+v", events)
	}
}

func TestStreamErrorsAreTyped(t *testing.T) {
	c := sse(t, "event: message.delta\ndata: {\"delta\":\"Hal\"}\n\nevent: error\ndata: {\"code\":\"MODEL_ERROR\",\"message\":\"The provider failed\",\"details\":{\"provider\":\"openai\"},\"requestId\":\"req_e\"}\n\n", time.Second)
	events, err := collect(t, c)
	var e *orionos.Error
	if len(events) != 1 || !errors.As(err, &e) || e.Code != "MODEL_ERROR" || e.Status != 502 || e.RequestID != "req_e" ||
		e.Details["provider"] != "openai" || !errors.Is(err, orionos.ErrServer) {
		t.Fatalf("events %+v, err %v", events, err)
	}
	// Ended without its completed event.
	c = sse(t, "event: message.delta\ndata: {\"delta\":\"Hal\"}\n\n", 0)
	if _, err := collect(t, c); !errors.Is(err, orionos.ErrStreamInterrupted) {
		t.Fatalf("interrupted: %v", err)
	}
	// Silent for longer than the timeout.
	c = sse(t, "event: message.delta\ndata: {\"delta\":\"Hal\"}\n\n", 5*time.Second)
	if _, err := collect(t, c); !errors.Is(err, orionos.ErrTimeout) {
		t.Fatalf("silent: %v", err)
	}
	// Not JSON.
	c = sse(t, "event: message.delta\ndata: {oops\n\n", time.Second)
	if _, err := collect(t, c); !errors.Is(err, orionos.ErrInvalidResponse) {
		t.Fatalf("not JSON: %v", err)
	}
}
