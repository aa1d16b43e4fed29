package orionos_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/OrionOS-dev/orionos-go"
)

// methods is the explicit operationId → SDK method table: the contract test fails when the live
// /v1/openapi.json has an operation missing here, or this table names one it no longer has.
var methods = map[string]func(c *orionos.Client) any{
	"createAgent":              func(c *orionos.Client) any { return c.Agents.Create },
	"listAgents":               func(c *orionos.Client) any { return c.Agents.List },
	"getAgent":                 func(c *orionos.Client) any { return c.Agents.Get },
	"updateAgent":              func(c *orionos.Client) any { return c.Agents.Update },
	"deleteAgent":              func(c *orionos.Client) any { return c.Agents.Delete },
	"sendMessage":              func(c *orionos.Client) any { return c.Agents.SendMessage },
	"promptPreview":            func(c *orionos.Client) any { return c.Agents.PromptPreview },
	"listConversations":        func(c *orionos.Client) any { return c.Agents.ListConversations },
	"searchConversations":      func(c *orionos.Client) any { return c.Conversations.Search },
	"getConversation":          func(c *orionos.Client) any { return c.Conversations.Get },
	"deleteConversation":       func(c *orionos.Client) any { return c.Conversations.Delete },
	"listMessages":             func(c *orionos.Client) any { return c.Conversations.ListMessages },
	"exportConversation":       func(c *orionos.Client) any { return c.Conversations.Export },
	"exportAgentConversations": func(c *orionos.Client) any { return c.Conversations.ExportAll },
	"getAgentAnalytics":        func(c *orionos.Client) any { return c.Analytics.Agent },
	"getAccountAnalytics":      func(c *orionos.Client) any { return c.Analytics.Account },
	"setMessageFeedback":       func(c *orionos.Client) any { return c.Messages.SetFeedback },
	"deleteMessageFeedback":    func(c *orionos.Client) any { return c.Messages.DeleteFeedback },
	"listPlugins":              func(c *orionos.Client) any { return c.Plugins.List },
	"getPlugin":                func(c *orionos.Client) any { return c.Plugins.Get },
	"listAgentPlugins":         func(c *orionos.Client) any { return c.Plugins.ListEnabled },
	"enablePlugin":             func(c *orionos.Client) any { return c.Plugins.Enable },
	"disablePlugin":            func(c *orionos.Client) any { return c.Plugins.Disable },
	"createTool":               func(c *orionos.Client) any { return c.Tools.Create },
	"listTools":                func(c *orionos.Client) any { return c.Tools.List },
	"rotateToolSecret":         func(c *orionos.Client) any { return c.Tools.RotateSecret },
	"getTool":                  func(c *orionos.Client) any { return c.Tools.Get },
	"updateTool":               func(c *orionos.Client) any { return c.Tools.Update },
	"deleteTool":               func(c *orionos.Client) any { return c.Tools.Delete },
	"createCharacter":          func(c *orionos.Client) any { return c.Characters.Create },
	"listCharacters":           func(c *orionos.Client) any { return c.Characters.List },
	"importCharacter":          func(c *orionos.Client) any { return c.Characters.Import },
	"exportCharacter":          func(c *orionos.Client) any { return c.Characters.Export },
	"getCharacter":             func(c *orionos.Client) any { return c.Characters.Get },
	"updateCharacter":          func(c *orionos.Client) any { return c.Characters.Update },
	"deleteCharacter":          func(c *orionos.Client) any { return c.Characters.Delete },
	"listCharacterRevisions":   func(c *orionos.Client) any { return c.Characters.Revisions },
	"getCharacterRevision":     func(c *orionos.Client) any { return c.Characters.Revision },
	"createApiKey":             func(c *orionos.Client) any { return c.APIKeys.Create },
	"listApiKeys":              func(c *orionos.Client) any { return c.APIKeys.List },
	"revokeApiKey":             func(c *orionos.Client) any { return c.APIKeys.Revoke },
	"rotateApiKey":             func(c *orionos.Client) any { return c.APIKeys.Rotate },
	"createWebhook":            func(c *orionos.Client) any { return c.Webhooks.Create },
	"listWebhooks":             func(c *orionos.Client) any { return c.Webhooks.List },
	"getWebhook":               func(c *orionos.Client) any { return c.Webhooks.Get },
	"updateWebhook":            func(c *orionos.Client) any { return c.Webhooks.Update },
	"deleteWebhook":            func(c *orionos.Client) any { return c.Webhooks.Delete },
	"rotateWebhookSecret":      func(c *orionos.Client) any { return c.Webhooks.RotateSecret },
	"sendTestWebhook":          func(c *orionos.Client) any { return c.Webhooks.Test },
	"listWebhookDeliveries":    func(c *orionos.Client) any { return c.Webhooks.Deliveries },
	"getWebhookDelivery":       func(c *orionos.Client) any { return c.Webhooks.Delivery },
	"redeliverWebhookDelivery": func(c *orionos.Client) any { return c.Webhooks.Redeliver },
	"createAccount":            func(c *orionos.Client) any { return c.Accounts.Create },
	"listAccounts":             func(c *orionos.Client) any { return c.Accounts.List },
	"getAccount":               func(c *orionos.Client) any { return c.Accounts.Get },
	"updateAccount":            func(c *orionos.Client) any { return c.Accounts.Update },
	"uploadAgentKnowledge":     func(c *orionos.Client) any { return c.Knowledge.UploadForAgent },
	"listAgentKnowledge":       func(c *orionos.Client) any { return c.Knowledge.ListForAgent },
	"searchAgentKnowledge":     func(c *orionos.Client) any { return c.Knowledge.Search },
	"attachKnowledge":          func(c *orionos.Client) any { return c.Knowledge.Attach },
	"detachKnowledge":          func(c *orionos.Client) any { return c.Knowledge.Detach },
	"uploadKnowledge":          func(c *orionos.Client) any { return c.Knowledge.Upload },
	"listKnowledge":            func(c *orionos.Client) any { return c.Knowledge.List },
	"getKnowledgeDocument":     func(c *orionos.Client) any { return c.Knowledge.Get },
	"deleteKnowledgeDocument":  func(c *orionos.Client) any { return c.Knowledge.Delete },
	"listKnowledgeChunks":      func(c *orionos.Client) any { return c.Knowledge.Chunks },
	"createMcpServer":          func(c *orionos.Client) any { return c.MCPServers.Create },
	"listMcpServers":           func(c *orionos.Client) any { return c.MCPServers.List },
	"getMcpServer":             func(c *orionos.Client) any { return c.MCPServers.Get },
	"updateMcpServer":          func(c *orionos.Client) any { return c.MCPServers.Update },
	"deleteMcpServer":          func(c *orionos.Client) any { return c.MCPServers.Delete },
	"refreshMcpServer":         func(c *orionos.Client) any { return c.MCPServers.Refresh },
	"listAgentMcpServers":      func(c *orionos.Client) any { return c.MCPServers.ListForAgent },
	"enableMcpServer":          func(c *orionos.Client) any { return c.MCPServers.Enable },
	"disableMcpServer":         func(c *orionos.Client) any { return c.MCPServers.Disable },
}

var contextType = reflect.TypeOf((*context.Context)(nil)).Elem()
var errorType = reflect.TypeOf((*error)(nil)).Elem()

func TestContractEveryOperationHasAMethod(t *testing.T) {
	c := shared(t)
	req, _ := http.NewRequest("GET", liveBaseURL+"/openapi.json", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var spec struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&spec); err != nil {
		t.Fatal(err)
	}
	inSpec := map[string]bool{}
	var missing []string
	for path, item := range spec.Paths {
		for method, raw := range item {
			switch method {
			case "get", "post", "put", "patch", "delete":
			default:
				continue
			}
			var op struct {
				OperationID string `json:"operationId"`
			}
			_ = json.Unmarshal(raw, &op)
			if op.OperationID == "" {
				t.Errorf("%s %s has no operationId", strings.ToUpper(method), path)
				continue
			}
			inSpec[op.OperationID] = true
			if _, ok := methods[op.OperationID]; !ok {
				missing = append(missing, op.OperationID+" ("+strings.ToUpper(method)+" "+path+")")
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations of /v1/openapi.json without a Go SDK method: %s", strings.Join(missing, ", "))
	}
	for opID, get := range methods {
		if !inSpec[opID] {
			t.Errorf("the table names %s, which /v1/openapi.json no longer has", opID)
		}
		fn := reflect.ValueOf(get(c))
		if fn.Kind() != reflect.Func || fn.IsNil() {
			t.Errorf("%s: not a method", opID)
			continue
		}
		typ := fn.Type()
		// Callable as an SDK method: (ctx, …, ...RequestOption) → (result, error).
		if typ.NumIn() < 2 || typ.In(0) != contextType || !typ.IsVariadic() || typ.NumOut() != 2 || typ.Out(1) != errorType {
			t.Errorf("%s: unexpected signature %s", opID, typ)
		}
		if orionos.Operations[opID] == "" {
			t.Errorf("%s: missing from orionos.Operations", opID)
		}
	}
	if len(orionos.Operations) != len(methods) {
		t.Errorf("orionos.Operations has %d operations, the table %d", len(orionos.Operations), len(methods))
	}
}

// The README's quick start is examples/quickstart/main.go, verbatim, and it runs.
func TestReadmeQuickStart(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("examples/quickstart/main.go")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "## Quick start\n\n```go\n")
	if start < 0 {
		t.Fatal("README.md has no Go block under ## Quick start")
	}
	block := text[start+len("## Quick start\n\n```go\n"):]
	block = block[:strings.Index(block, "```\n")]
	if block != string(example) {
		t.Fatalf("the README's quick start differs from examples/quickstart/main.go:\n%s", block)
	}

	shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./examples/quickstart")
	cmd.Env = append(os.Environ(), "ORION_API_KEY="+liveAccount.secret, "ORION_BASE_URL="+liveBaseURL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run ./examples/quickstart: %v\n%s", err, out)
	}
	reply := strings.TrimSpace(string(out))
	if reply == "" || strings.Contains(reply, "\n") {
		t.Fatalf("the quick start printed %q, not one reply", reply)
	}
	// It made MyAgent in the account, and the reply is its answer to Hello!.
	page, err := liveAccount.client.Agents.List(context.Background(), &orionos.ListAgentsParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, agent := range page.Items {
		if agent.Name == "MyAgent" {
			conversations, err := liveAccount.client.Agents.ListConversations(context.Background(), agent.ID, &orionos.ListConversationsParams{UserID: "user_123"})
			if err != nil || len(conversations.Items) != 1 {
				t.Fatalf("conversations: %v %v", conversations, err)
			}
			messages, err := liveAccount.client.Conversations.ListMessages(context.Background(), conversations.Items[0].ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range messages.Items {
				if m.Role == "agent" && m.Text == reply {
					return
				}
			}
			t.Fatalf("the printed reply %q is not the stored one: %+v", reply, messages.Items)
		}
	}
	t.Fatal("the quick start made no agent named MyAgent")
}
