package orionos

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// StreamEventType names the events of a streamed send.
type StreamEventType string

const (
	// EventDelta: a piece of the reply (Delta).
	EventDelta StreamEventType = "delta"
	// EventToolCall: the model calls a tool (ToolCall: CallID, Tool, Arguments).
	EventToolCall StreamEventType = "tool_call"
	// EventToolResult: a tool call's outcome (ToolCall, with Result or Error).
	EventToolResult StreamEventType = "tool_result"
	// EventCompleted: the stored message (Message), the same SendMessage returns; always last.
	EventCompleted StreamEventType = "completed"
)

// StreamEvent is one event of a streamed send.
type StreamEvent struct {
	Type     StreamEventType
	Delta    string
	ToolCall *ToolCall
	Message  *SentMessage
}

// MessageStream reads the events of a streamed send, in order:
//
//	stream, err := client.Agents.StreamMessage(ctx, agentID, &orionos.SendMessageRequest{Text: "Hi", UserID: "u1"})
//	if err != nil { … }
//	defer stream.Close()
//	for stream.Next() {
//		if ev := stream.Current(); ev.Type == orionos.EventDelta { fmt.Print(ev.Delta) }
//	}
//	if err := stream.Err(); err != nil { … }
//
// An error event ends it with its typed *Error; a stream that ends before its completed event
// ends with STREAM_INTERRUPTED. The request is retried like any call until the stream starts,
// never after.
type MessageStream struct {
	// RequestID of the stream's answer.
	RequestID string
	reader    *bufio.Reader
	body      io.ReadCloser
	cur       StreamEvent
	final     *SentMessage
	err       error
	done      bool
	immediate *SentMessage
}

// StreamMessage sends a message with stream: true and opens its event stream.
func (s *AgentsService) StreamMessage(ctx context.Context, agentID string, body *SendMessageRequest, opts ...RequestOption) (*MessageStream, error) {
	p, err := joinPath("/agents/", segment("agentId", agentID), "/messages")
	if err != nil {
		return nil, err
	}
	if body == nil {
		return nil, errNoBody
	}
	send := *body
	yes := true
	send.Stream = &yes
	open, err := s.c.open(ctx, "POST", p, nil, &send, "text/event-stream", opts)
	if err != nil {
		return nil, err
	}
	stream := &MessageStream{RequestID: open.resp.Header.Get("X-Request-Id")}
	reader := newIdleReader(open)
	stream.body = reader
	if !strings.Contains(open.resp.Header.Get("Content-Type"), "text/event-stream") {
		// A server that answered at once rather than streaming: the whole reply as one event.
		defer reader.Close()
		text, err := io.ReadAll(reader)
		if err != nil {
			return nil, err
		}
		var envelope struct {
			Success bool         `json:"success"`
			Data    *SentMessage `json:"data"`
		}
		if json.Unmarshal(text, &envelope) != nil || !envelope.Success || envelope.Data == nil {
			return nil, errorFromAnswer(open.resp.StatusCode, open.resp.Header, text)
		}
		stream.immediate = envelope.Data
		return stream, nil
	}
	stream.reader = bufio.NewReader(reader)
	return stream, nil
}

// Next reads the next event; false at the end or on an error (see Err).
func (m *MessageStream) Next() bool {
	if m.done {
		return false
	}
	if m.immediate != nil {
		m.cur = StreamEvent{Type: EventCompleted, Message: m.immediate}
		m.final = m.immediate
		m.immediate = nil
		m.done = true
		return true
	}
	for {
		name, data, err := m.readEvent()
		if err != nil {
			m.fail(err)
			return false
		}
		switch name {
		case "message.delta":
			var d struct {
				Delta string `json:"delta"`
			}
			if !m.decode(data, &d) {
				return false
			}
			m.cur = StreamEvent{Type: EventDelta, Delta: d.Delta}
			return true
		case "tool.call", "tool.result":
			var call ToolCall
			if !m.decode(data, &call) {
				return false
			}
			kind := EventToolCall
			if name == "tool.result" {
				kind = EventToolResult
			}
			m.cur = StreamEvent{Type: kind, ToolCall: &call}
			return true
		case "message.completed":
			var msg SentMessage
			if !m.decode(data, &msg) {
				return false
			}
			m.cur = StreamEvent{Type: EventCompleted, Message: &msg}
			m.final = &msg
			m.done = true
			m.body.Close()
			return true
		case "error":
			var e struct {
				Code      string         `json:"code"`
				Message   string         `json:"message"`
				Details   map[string]any `json:"details"`
				RequestID string         `json:"requestId"`
			}
			_ = json.Unmarshal([]byte(data), &e)
			if e.Code == "" {
				e.Code = "INTERNAL_ERROR"
			}
			if e.Message == "" {
				e.Message = "The stream failed"
			}
			if e.Details == nil {
				e.Details = map[string]any{}
			}
			if e.RequestID == "" {
				e.RequestID = m.RequestID
			}
			m.fail(&Error{Code: e.Code, Message: e.Message, Status: StatusOfCode[e.Code], Details: e.Details, RequestID: e.RequestID})
			return false
		}
		// Other event types are newer than this SDK: skipped.
	}
}

func (m *MessageStream) decode(data string, out any) bool {
	if err := json.Unmarshal([]byte(data), out); err != nil {
		m.fail(&Error{Code: "INVALID_RESPONSE", Message: "The stream sent an event that is not JSON", Details: map[string]any{}, RequestID: m.RequestID, Cause: err})
		return false
	}
	return true
}

func (m *MessageStream) fail(err error) {
	m.err = err
	m.done = true
	m.body.Close()
}

// readEvent reads one server-sent event (its name and data), skipping comments (heartbeats).
func (m *MessageStream) readEvent() (string, string, error) {
	name := ""
	var data []string
	for {
		line, err := m.reader.ReadString('\n')
		if err != nil {
			if err == io.EOF {
				return "", "", &Error{Code: "STREAM_INTERRUPTED", Message: "The stream ended before the reply was completed", Details: map[string]any{}, RequestID: m.RequestID}
			}
			var e *Error
			if errors.As(err, &e) {
				return "", "", e
			}
			return "", "", &Error{Code: "CONNECTION_ERROR", Message: "The stream's connection failed: " + err.Error(), Details: map[string]any{}, RequestID: m.RequestID, Cause: err}
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if name == "" && data == nil {
				continue
			}
			if name == "" {
				name = "message"
			}
			return name, strings.Join(data, "\n"), nil
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value := line, ""
		if i := strings.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], strings.TrimPrefix(line[i+1:], " ")
		}
		switch field {
		case "event":
			name = value
		case "data":
			data = append(data, value)
		}
	}
}

// Current is the event Next read.
func (m *MessageStream) Current() StreamEvent { return m.cur }

// Err is the error that ended the stream, if any.
func (m *MessageStream) Err() error { return m.err }

// Close stops reading (the server still completes and stores the reply).
func (m *MessageStream) Close() error {
	m.done = true
	return m.body.Close()
}

// FinalMessage reads the rest of the stream and answers the completed message.
func (m *MessageStream) FinalMessage() (*SentMessage, error) {
	for m.Next() {
	}
	if m.err != nil {
		return nil, m.err
	}
	if m.final == nil {
		return nil, &Error{Code: "STREAM_INTERRUPTED", Message: "The stream ended without a completed message", Details: map[string]any{}, RequestID: m.RequestID}
	}
	return m.final, nil
}
