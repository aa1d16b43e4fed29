// Package orionos is the official Go client of the OrionOS API (REST, /v1).
//
//	client, err := orionos.NewClient(orionos.Options{APIKey: os.Getenv("ORION_API_KEY")})
//	agent, err := client.Agents.Create(ctx, &orionos.CreateAgentInput{Name: "MyAgent"})
//	reply, err := client.Agents.SendMessage(ctx, agent.ID, &orionos.SendMessageRequest{Text: "Hello!", UserID: "user_123"})
//	fmt.Println(reply.Response)
//
// Every method returns the envelope's data, typed, or an *Error carrying the API's code, HTTP
// status, details and request id (match families with errors.Is(err, orionos.ErrNotFound)...).
// Calls that may succeed later (429 rate limits, 503s, network errors) are retried with
// exponential backoff and jitter, honouring Retry-After; each POST carries one Idempotency-Key,
// the same on each of its retries, so the server runs it once.
package orionos

import (
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Version is the SDK's version, sent in its User-Agent.
const Version = "0.1.0"

// DefaultBaseURL is the API's address when neither Options.BaseURL nor ORION_BASE_URL is set.
const DefaultBaseURL = "http://127.0.0.1:3000/v1"

// Options configure a Client. Zero values take the defaults.
type Options struct {
	// APIKey (orn_live_… / orn_test_…). Default: the ORION_API_KEY environment variable.
	APIKey string
	// BaseURL with its /v1. Default: ORION_BASE_URL, else DefaultBaseURL.
	BaseURL string
	// MaxRetries of a call that may succeed later. Default 3; NoRetries for none.
	MaxRetries int
	// Timeout of each try (for a stream or a download: of each silence between two reads). Default 60 s.
	Timeout time.Duration
	// MaxRetryDelay caps the wait between two tries, whatever Retry-After says. Default 60 s.
	MaxRetryDelay time.Duration
	// HTTPClient sends the requests (default: a client of its own, without timeout: Timeout applies).
	HTTPClient *http.Client
}

// NoRetries as Options.MaxRetries (or WithMaxRetries) turns retries off.
const NoRetries = -1

// Client is the OrionOS API client; safe for concurrent use.
type Client struct {
	Agents        *AgentsService
	Characters    *CharactersService
	Plugins       *PluginsService
	Tools         *ToolsService
	Conversations *ConversationsService
	Analytics     *AnalyticsService
	Messages      *MessagesService
	Knowledge     *KnowledgeService
	MCPServers    *MCPServersService
	APIKeys       *APIKeysService
	Webhooks      *WebhooksService
	// Accounts: operators only (a key with the admin scope).
	Accounts *AccountsService

	apiKey        string
	baseURL       string
	maxRetries    int
	timeout       time.Duration
	maxRetryDelay time.Duration
	http          *http.Client
}

// AgentsService: agents, sending them messages, their conversations.
type AgentsService struct{ c *Client }

// CharactersService: characters, their revisions, import and export.
type CharactersService struct{ c *Client }

// PluginsService: the plugin catalog and the plugins each agent has enabled.
type PluginsService struct{ c *Client }

// ToolsService: agents' custom HTTP tools and their signing secret.
type ToolsService struct{ c *Client }

// ConversationsService: conversations, their messages and exports.
type ConversationsService struct{ c *Client }

// AnalyticsService: conversation analytics of the account or of one agent.
type AnalyticsService struct{ c *Client }

// MessagesService: feedback on agents' replies.
type MessagesService struct{ c *Client }

// KnowledgeService: knowledge documents and the agents they are attached to.
type KnowledgeService struct{ c *Client }

// MCPServersService: MCP servers as tool sources, and the agents that use them.
type MCPServersService struct{ c *Client }

// APIKeysService: the account's API keys.
type APIKeysService struct{ c *Client }

// WebhooksService: webhook endpoints and their deliveries (VerifyWebhook checks what they receive).
type WebhooksService struct{ c *Client }

// AccountsService: accounts (admin scope).
type AccountsService struct{ c *Client }

func env(name string) string { return strings.TrimSpace(os.Getenv(name)) }

// NewClient makes a client; it fails without an API key or with a base URL that is not a URL.
func NewClient(opts Options) (*Client, error) {
	c := &Client{apiKey: opts.APIKey, baseURL: opts.BaseURL, maxRetries: opts.MaxRetries,
		timeout: opts.Timeout, maxRetryDelay: opts.MaxRetryDelay, http: opts.HTTPClient}
	if c.apiKey == "" {
		c.apiKey = env("ORION_API_KEY")
	}
	if c.apiKey == "" {
		return nil, errors.New("orionos: no API key: set Options.APIKey or the ORION_API_KEY environment variable")
	}
	if c.baseURL == "" {
		c.baseURL = env("ORION_BASE_URL")
	}
	if c.baseURL == "" {
		c.baseURL = DefaultBaseURL
	}
	c.baseURL = strings.TrimRight(c.baseURL, "/")
	if u, err := url.Parse(c.baseURL); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, errors.New("orionos: BaseURL " + c.baseURL + " is not a URL")
	}
	if c.maxRetries == 0 {
		c.maxRetries = 3
	} else if c.maxRetries < 0 {
		c.maxRetries = 0
	}
	if c.timeout <= 0 {
		c.timeout = 60 * time.Second
	}
	if c.maxRetryDelay <= 0 {
		c.maxRetryDelay = 60 * time.Second
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	c.Agents = &AgentsService{c}
	c.Characters = &CharactersService{c}
	c.Plugins = &PluginsService{c}
	c.Tools = &ToolsService{c}
	c.Conversations = &ConversationsService{c}
	c.Analytics = &AnalyticsService{c}
	c.Messages = &MessagesService{c}
	c.Knowledge = &KnowledgeService{c}
	c.MCPServers = &MCPServersService{c}
	c.APIKeys = &APIKeysService{c}
	c.Webhooks = &WebhooksService{c}
	c.Accounts = &AccountsService{c}
	return c, nil
}

// BaseURL is the API's base URL the client calls (with its /v1).
func (c *Client) BaseURL() string { return c.baseURL }

// String is a pointer to s, for optional fields.
func String(s string) *string { return &s }

// Int is a pointer to i, for optional fields.
func Int(i int) *int { return &i }

// Float is a pointer to f, for optional fields.
func Float(f float64) *float64 { return &f }

// Bool is a pointer to b, for optional fields.
func Bool(b bool) *bool { return &b }
