package orionos_test

// Tests against a live OrionOS: ORION_BASE_URL (with or without /v1) and ORION_ADMIN_KEY name it;
// each test run makes its own accounts and keys with the admin key. Without them these tests skip.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/OrionOS-dev/orionos-go"
)

var (
	liveOnce    sync.Once
	liveBaseURL string
	liveAdmin   *orionos.Client
	liveErr     error
	liveAccount struct {
		sync.Mutex
		client *orionos.Client
		secret string
	}
)

func baseURL() string {
	base := strings.TrimRight(os.Getenv("ORION_BASE_URL"), "/")
	if base != "" && !strings.HasSuffix(base, "/v1") {
		base += "/v1"
	}
	return base
}

func admin(t *testing.T) *orionos.Client {
	t.Helper()
	liveOnce.Do(func() {
		liveBaseURL = baseURL()
		if liveBaseURL == "" || os.Getenv("ORION_ADMIN_KEY") == "" {
			return
		}
		liveAdmin, liveErr = orionos.NewClient(orionos.Options{APIKey: os.Getenv("ORION_ADMIN_KEY"), BaseURL: liveBaseURL})
	})
	if liveBaseURL == "" || os.Getenv("ORION_ADMIN_KEY") == "" {
		t.Skip("ORION_BASE_URL and ORION_ADMIN_KEY are not set: no live OrionOS to test against")
	}
	if liveErr != nil {
		t.Fatal(liveErr)
	}
	return liveAdmin
}

func suffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newAccount makes an account with a high rate limit and answers a client of its first key.
func newAccount(t *testing.T) (*orionos.Client, string) {
	t.Helper()
	ctx := context.Background()
	a := admin(t)
	created, err := a.Accounts.Create(ctx, &orionos.CreateAccountInput{Name: "go-sdk-" + suffix()})
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	if _, err := a.Accounts.Update(ctx, created.Account.ID, &orionos.UpdateAccountInput{RateLimitPerMinute: orionos.Int(10000)}); err != nil {
		t.Fatalf("raise the rate limit: %v", err)
	}
	client, err := orionos.NewClient(orionos.Options{APIKey: created.Secret, BaseURL: liveBaseURL})
	if err != nil {
		t.Fatal(err)
	}
	return client, created.Secret
}

// shared is one account for the tests that do not count what the account holds.
func shared(t *testing.T) *orionos.Client {
	t.Helper()
	admin(t)
	liveAccount.Lock()
	defer liveAccount.Unlock()
	if liveAccount.client == nil {
		liveAccount.client, liveAccount.secret = newAccount(t)
	}
	return liveAccount.client
}

func apiError(t *testing.T, err error) *orionos.Error {
	t.Helper()
	var e *orionos.Error
	if !errors.As(err, &e) {
		t.Fatalf("want an *orionos.Error, got %T: %v", err, err)
	}
	return e
}

func TestAgentsCRUD(t *testing.T) {
	c := shared(t)
	ctx := context.Background()
	agent, err := c.Agents.Create(ctx, &orionos.CreateAgentInput{
		Name:        "Crud",
		Description: orionos.String("made by the Go SDK tests"),
		Personality: &orionos.PersonalityInput{Traits: []string{"helpful", "friendly"}},
		Metadata:    map[string]string{"team": "sdk"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(agent.ID, "agt_") || agent.Name != "Crud" || agent.Description == nil || *agent.Description != "made by the Go SDK tests" {
		t.Fatalf("created: %+v", agent)
	}
	if len(agent.Personality.Traits) != 2 || agent.Model.Provider != "local" || agent.Status != "active" || agent.Metadata["team"] != "sdk" {
		t.Fatalf("created: %+v", agent)
	}
	got, err := c.Agents.Get(ctx, agent.ID)
	if err != nil || got.ID != agent.ID || got.Name != "Crud" {
		t.Fatalf("get: %+v %v", got, err)
	}
	updated, err := c.Agents.Update(ctx, agent.ID, &orionos.UpdateAgentInput{Name: orionos.String("Crud2"), Status: orionos.String("paused")})
	if err != nil || updated.Name != "Crud2" || updated.Status != "paused" || len(updated.Personality.Traits) != 2 {
		t.Fatalf("update: %+v %v", updated, err)
	}
	// Null clears an optional field: through Do, with a map body.
	var cleared orionos.Agent
	if err := c.Do(ctx, "PATCH", "/agents/"+agent.ID, nil, map[string]any{"description": nil}, &cleared); err != nil || cleared.Description != nil {
		t.Fatalf("clear description: %+v %v", cleared, err)
	}
	page, err := c.Agents.List(ctx, &orionos.ListAgentsParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range page.Items {
		found = found || a.ID == agent.ID
	}
	if !found || page.Pagination.TotalItems < 1 || page.Pagination.ItemsPerPage != 100 {
		t.Fatalf("list: %+v", page.Pagination)
	}
	deleted, err := c.Agents.Delete(ctx, agent.ID)
	if err != nil || deleted.ID != agent.ID || !deleted.Deleted {
		t.Fatalf("delete: %+v %v", deleted, err)
	}
	_, err = c.Agents.Get(ctx, agent.ID)
	if e := apiError(t, err); e.Code != "AGENT_NOT_FOUND" || e.Status != 404 {
		t.Fatalf("get after delete: %v", err)
	}
}

func TestSendMessage(t *testing.T) {
	c := shared(t)
	ctx := context.Background()
	agent, err := c.Agents.Create(ctx, &orionos.CreateAgentInput{Name: "Talker"})
	if err != nil {
		t.Fatal(err)
	}
	sent, err := c.Agents.SendMessage(ctx, agent.ID, &orionos.SendMessageRequest{Text: "Hello!", UserID: "user_123"})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Response == "" || sent.AgentID != agent.ID || sent.UserID != "user_123" || sent.Text != "Hello!" ||
		!strings.HasPrefix(sent.ConversationID, "cnv_") || sent.Usage.TotalTokens <= 0 {
		t.Fatalf("sent: %+v", sent)
	}
	conversations, err := c.Agents.ListConversations(ctx, agent.ID, &orionos.ListConversationsParams{UserID: "user_123"})
	if err != nil || len(conversations.Items) != 1 || conversations.Items[0].ID != sent.ConversationID {
		t.Fatalf("conversations: %+v %v", conversations, err)
	}
	messages, err := c.Conversations.ListMessages(ctx, sent.ConversationID, nil)
	if err != nil || len(messages.Items) != 2 {
		t.Fatalf("messages: %+v %v", messages, err)
	}
	roles := map[string]string{}
	for _, m := range messages.Items {
		roles[m.Role] = m.Text
	}
	if roles["user"] != "Hello!" || roles["agent"] != sent.Response {
		t.Fatalf("messages: %+v", roles)
	}
	// The conversation as a streamed JSON Lines download.
	download, err := c.Conversations.Export(ctx, sent.ConversationID, &orionos.ExportConversationParams{Format: "jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	var lines []map[string]any
	decoder := json.NewDecoder(download.Body)
	for decoder.More() {
		var line map[string]any
		if err := decoder.Decode(&line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	download.Close()
	if !strings.Contains(download.ContentType, "ndjson") || len(lines) != 3 || lines[0]["type"] != "conversation" {
		t.Fatalf("export %q: %v", download.ContentType, lines)
	}
}

func TestStreamMessage(t *testing.T) {
	c := shared(t)
	ctx := context.Background()
	agent, err := c.Agents.Create(ctx, &orionos.CreateAgentInput{Name: "Streamer"})
	if err != nil {
		t.Fatal(err)
	}
	stream, err := c.Agents.StreamMessage(ctx, agent.ID, &orionos.SendMessageRequest{Text: "Hello there, how are you?", UserID: "user_9"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var types []orionos.StreamEventType
	var text strings.Builder
	var final *orionos.SentMessage
	for stream.Next() {
		event := stream.Current()
		types = append(types, event.Type)
		switch event.Type {
		case orionos.EventDelta:
			text.WriteString(event.Delta)
		case orionos.EventCompleted:
			final = event.Message
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if len(types) < 3 || types[len(types)-1] != orionos.EventCompleted {
		t.Fatalf("events: %v", types)
	}
	for _, typ := range types[:len(types)-1] {
		if typ != orionos.EventDelta {
			t.Fatalf("events: %v", types)
		}
	}
	if final == nil || final.Response == "" || strings.TrimSpace(text.String()) != strings.TrimSpace(final.Response) || final.AgentID != agent.ID {
		t.Fatalf("deltas %q, final %+v", text.String(), final)
	}
	if stream.Next() {
		t.Fatal("an event after completed")
	}
	if !strings.HasPrefix(stream.RequestID, "req_") {
		t.Fatalf("request id %q", stream.RequestID)
	}
	// It is stored like a plain send.
	messages, err := c.Conversations.ListMessages(ctx, final.ConversationID, nil)
	if err != nil || len(messages.Items) != 2 {
		t.Fatalf("messages: %v %v", messages, err)
	}
	// FinalMessage reads a whole stream; an error before the stream starts is the typed error.
	stream2, err := c.Agents.StreamMessage(ctx, agent.ID, &orionos.SendMessageRequest{Text: "Again", UserID: "user_9"})
	if err != nil {
		t.Fatal(err)
	}
	if msg, err := stream2.FinalMessage(); err != nil || msg.Text != "Again" || msg.Response == "" {
		t.Fatalf("final message: %+v %v", msg, err)
	}
	_, err = c.Agents.StreamMessage(ctx, "agt_00000000000000000000000000", &orionos.SendMessageRequest{Text: "x", UserID: "u"})
	if !errors.Is(err, orionos.ErrNotFound) {
		t.Fatalf("stream to a missing agent: %v", err)
	}
}

func TestPagination(t *testing.T) {
	c, _ := newAccount(t)
	ctx := context.Background()
	want := map[string]bool{}
	for i := 0; i < 7; i++ {
		agent, err := c.Agents.Create(ctx, &orionos.CreateAgentInput{Name: "Paged"})
		if err != nil {
			t.Fatal(err)
		}
		want[agent.ID] = true
	}
	first, err := c.Agents.List(ctx, &orionos.ListAgentsParams{Page: 1, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Items) != 3 || first.Pagination.TotalItems != 7 || first.Pagination.TotalPages != 3 || !first.HasNextPage() {
		t.Fatalf("first page: %+v", first.Pagination)
	}
	it := c.Agents.ListAutoPaging(ctx, &orionos.ListAgentsParams{Limit: 3})
	seen := map[string]bool{}
	pages := map[int]bool{}
	for it.Next() {
		id := it.Current().ID
		if seen[id] {
			t.Fatalf("%s twice", id)
		}
		seen[id] = true
		pages[it.Page().Pagination.CurrentPage] = true
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 7 || len(pages) != 3 {
		t.Fatalf("saw %d agents over pages %v", len(seen), pages)
	}
	for id := range want {
		if !seen[id] {
			t.Fatalf("%s not listed", id)
		}
	}
	// From a given page; and All.
	rest, err := c.Agents.ListAutoPaging(ctx, &orionos.ListAgentsParams{Page: 2, Limit: 3}).All()
	if err != nil || len(rest) != 4 {
		t.Fatalf("from page 2: %d %v", len(rest), err)
	}
	// An error ends the iteration with it.
	bad := c.Agents.ListAutoPaging(ctx, &orionos.ListAgentsParams{Limit: 1000})
	if bad.Next() || !errors.Is(bad.Err(), orionos.ErrInvalidRequest) {
		t.Fatalf("limit 1000: %v", bad.Err())
	}
}

func TestTypedErrors(t *testing.T) {
	c := shared(t)
	ctx := context.Background()

	_, err := c.Agents.Get(ctx, "agt_00000000000000000000000000")
	e := apiError(t, err)
	if e.Code != "AGENT_NOT_FOUND" || e.Status != 404 || !strings.HasPrefix(e.RequestID, "req_") || e.Message == "" ||
		!errors.Is(err, orionos.ErrNotFound) || errors.Is(err, orionos.ErrInvalidRequest) {
		t.Fatalf("404: %+v", e)
	}

	_, err = c.Agents.Create(ctx, &orionos.CreateAgentInput{Name: ""})
	e = apiError(t, err)
	if e.Code != "INVALID_REQUEST" || e.Status != 400 || !errors.Is(err, orionos.ErrInvalidRequest) {
		t.Fatalf("400: %+v", e)
	}
	fields := e.FieldErrors()
	if len(fields) != 1 || fields[0].Field != "name" || fields[0].Message == "" {
		t.Fatalf("400 details: %+v", e.Details)
	}

	bad, err := orionos.NewClient(orionos.Options{APIKey: "orn_live_notarealkey", BaseURL: liveBaseURL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Agents.List(ctx, nil)
	e = apiError(t, err)
	if e.Code != "UNAUTHORIZED" || e.Status != 401 || !errors.Is(err, orionos.ErrUnauthorized) || e.RequestID == "" {
		t.Fatalf("401: %+v", e)
	}

	// A key without the scope: 403 FORBIDDEN with details.requiredScope.
	key, err := c.APIKeys.Create(ctx, &orionos.CreateAPIKeyInput{Name: "read only", Scopes: []string{"agents:read"}})
	if err != nil {
		t.Fatal(err)
	}
	reader, _ := orionos.NewClient(orionos.Options{APIKey: key.Secret, BaseURL: liveBaseURL})
	_, err = reader.Agents.Create(ctx, &orionos.CreateAgentInput{Name: "Nope"})
	e = apiError(t, err)
	if e.Code != "FORBIDDEN" || e.Status != 403 || !errors.Is(err, orionos.ErrForbidden) || e.Details["requiredScope"] != "agents:write" {
		t.Fatalf("403: %+v", e)
	}

	// An empty id never reaches the server (it would name another route).
	if _, err := c.Agents.Get(ctx, ""); err == nil || !strings.Contains(err.Error(), "agentId") {
		t.Fatalf("empty id: %v", err)
	}
	// Nothing listens: CONNECTION_ERROR, after the retries.
	nowhere, _ := orionos.NewClient(orionos.Options{APIKey: "orn_live_x", BaseURL: "http://127.0.0.1:1/v1", MaxRetries: orionos.NoRetries})
	_, err = nowhere.Agents.List(ctx, nil)
	if e := apiError(t, err); e.Code != "CONNECTION_ERROR" || e.Status != 0 || !errors.Is(err, orionos.ErrConnection) {
		t.Fatalf("no server: %+v", e)
	}
}

func TestIsolationBetweenAccounts(t *testing.T) {
	c := shared(t)
	other, _ := newAccount(t)
	ctx := context.Background()
	agent, err := c.Agents.Create(ctx, &orionos.CreateAgentInput{Name: "Mine"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Agents.Get(ctx, agent.ID); !errors.Is(err, orionos.ErrNotFound) {
		t.Fatalf("another account's agent: %v", err)
	}
}

func TestOtherResources(t *testing.T) {
	c := shared(t)
	ctx := context.Background()
	character, err := c.Characters.Create(ctx, &orionos.CreateCharacterInput{Name: "Ada", Bio: []string{"A mathematician."}})
	if err != nil || !strings.HasPrefix(character.ID, "chr_") {
		t.Fatalf("character: %+v %v", character, err)
	}
	revisions, err := c.Characters.Revisions(ctx, character.ID, nil)
	if err != nil || len(revisions.Items) != 1 {
		t.Fatalf("revisions: %+v %v", revisions, err)
	}
	exported, err := c.Characters.Export(ctx, character.ID, nil)
	if err != nil || len(exported) == 0 {
		t.Fatalf("export: %v %v", exported, err)
	}
	if _, err := c.Characters.Delete(ctx, character.ID, nil); err != nil {
		t.Fatal(err)
	}
	plugins, err := c.Plugins.List(ctx)
	if err != nil || len(plugins) == 0 {
		t.Fatalf("plugins: %v %v", plugins, err)
	}
	// A nil body is an empty object: a plugin whose config is all optional enables with nil.
	agent, err := c.Agents.Create(ctx, &orionos.CreateAgentInput{Name: "Plugged"})
	if err != nil {
		t.Fatal(err)
	}
	enabled := ""
	for _, p := range plugins {
		if _, err := c.Plugins.Enable(ctx, agent.ID, p.ID, nil); err == nil {
			enabled = p.ID
			break
		} else if !errors.Is(err, orionos.ErrInvalidRequest) {
			t.Fatalf("enable %s: %v", p.ID, err)
		}
	}
	if enabled == "" {
		t.Fatal("no plugin enables without config")
	}
	if list, err := c.Plugins.ListEnabled(ctx, agent.ID); err != nil || len(list) != 1 || list[0].PluginID != enabled {
		t.Fatalf("enabled plugins: %+v %v", list, err)
	}
	if _, err := c.Plugins.Disable(ctx, agent.ID, enabled); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Agents.SendMessage(ctx, agent.ID, nil); err == nil {
		t.Fatal("a nil message was sent")
	}
	keys, err := c.APIKeys.List(ctx, nil)
	if err != nil || len(keys.Items) == 0 {
		t.Fatalf("keys: %v %v", keys, err)
	}
	analytics, err := c.Analytics.Account(ctx, &orionos.GetAccountAnalyticsParams{Interval: "day"})
	if err != nil || analytics == nil {
		t.Fatalf("analytics: %v", err)
	}
	if _, err := c.Webhooks.Get(ctx, "whk_00000000000000000000000000"); !errors.Is(err, orionos.ErrNotFound) {
		t.Fatalf("missing webhook: %v", err)
	}
	_ = time.Second
	_ = http.MethodGet
}
