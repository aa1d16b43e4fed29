package orionos_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/OrionOS-dev/orionos-go"
)

// flaky is a tiny server in front of the live OrionOS: it answers the first `failures` requests
// itself (status + Retry-After), then proxies; it records each request's method and Idempotency-Key.
type flaky struct {
	mu       sync.Mutex
	failures int
	status   int
	body     string
	keys     []string
	methods  []string
	times    []time.Time
}

func (f *flaky) server(t *testing.T, target string) *httptest.Server {
	upstream, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: upstream.Scheme, Host: upstream.Host})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.keys = append(f.keys, r.Header.Get("Idempotency-Key"))
		f.methods = append(f.methods, r.Method)
		f.times = append(f.times, time.Now())
		fail := f.failures > 0
		if fail {
			f.failures--
		}
		f.mu.Unlock()
		if fail {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.status)
			_, _ = w.Write([]byte(f.body))
			return
		}
		if target == "" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"success":true,"data":{"items":[],"pagination":{"currentPage":1,"totalPages":0,"totalItems":0,"itemsPerPage":20}}}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRetryHonoursRetryAfterWithTheSameIdempotencyKey(t *testing.T) {
	c := shared(t)
	_ = c
	f := &flaky{failures: 1, status: 503,
		body: `{"success":false,"error":{"code":"SERVICE_UNAVAILABLE","message":"Shutting down","details":{},"requestId":"req_x"}}`}
	srv := f.server(t, liveBaseURL)
	client, err := orionos.NewClient(orionos.Options{APIKey: liveAccount.secret, BaseURL: srv.URL + "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := time.Now()
	agent, err := client.Agents.Create(ctx, &orionos.CreateAgentInput{Name: "Retried"})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.keys) != 2 || f.keys[0] == "" || f.keys[0] != f.keys[1] {
		t.Fatalf("Idempotency-Keys seen: %q", f.keys)
	}
	if waited := f.times[1].Sub(f.times[0]); waited < 950*time.Millisecond || time.Since(start) > 10*time.Second {
		t.Fatalf("waited %v between the tries, not Retry-After: 1", waited)
	}
	// The server ran it once: the agent exists, once.
	if got, err := c.Agents.Get(ctx, agent.ID); err != nil || got.Name != "Retried" {
		t.Fatalf("the retried create: %v", err)
	}
	// Another logical POST gets another key; a given key is kept.
	if _, err := client.Agents.Create(ctx, &orionos.CreateAgentInput{Name: "Second"}, orionos.WithIdempotencyKey("sdk-go-"+suffix())); err != nil {
		t.Fatal(err)
	}
	if len(f.keys) != 3 || f.keys[2] == f.keys[0] || !strings.HasPrefix(f.keys[2], "sdk-go-") {
		t.Fatalf("keys: %q", f.keys)
	}
	// A retried POST replays: the same key and body gives the same agent back.
	key := "sdk-go-" + suffix()
	one, err := client.Agents.Create(ctx, &orionos.CreateAgentInput{Name: "Once"}, orionos.WithIdempotencyKey(key))
	if err != nil {
		t.Fatal(err)
	}
	two, err := client.Agents.Create(ctx, &orionos.CreateAgentInput{Name: "Once"}, orionos.WithIdempotencyKey(key))
	if err != nil || two.ID != one.ID {
		t.Fatalf("replay: %v %v", two, err)
	}
}

func TestRetryOn429ForAGetAndGivingUp(t *testing.T) {
	f := &flaky{failures: 1, status: 429,
		body: `{"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Slow down","details":{"retryAfter":1},"requestId":"req_y"}}`}
	srv := f.server(t, "")
	client, _ := orionos.NewClient(orionos.Options{APIKey: "orn_live_x", BaseURL: srv.URL + "/v1"})
	ctx := context.Background()
	page, err := client.Agents.List(ctx, nil)
	if err != nil || page.Pagination.ItemsPerPage != 20 {
		t.Fatalf("list: %v %v", page, err)
	}
	if len(f.methods) != 2 || f.methods[0] != "GET" || f.keys[0] != "" {
		t.Fatalf("requests: %v keys %q", f.methods, f.keys)
	}
	if waited := f.times[1].Sub(f.times[0]); waited < 950*time.Millisecond {
		t.Fatalf("waited %v", waited)
	}

	// Always 503: gives up after MaxRetries with the typed error, every try with the one key.
	always := &flaky{failures: 100, status: 503, body: `not json`}
	srv2 := always.server(t, "")
	client2, _ := orionos.NewClient(orionos.Options{APIKey: "orn_live_x", BaseURL: srv2.URL + "/v1", MaxRetries: 2, MaxRetryDelay: 50 * time.Millisecond})
	_, err = client2.Agents.Create(ctx, &orionos.CreateAgentInput{Name: "Never"})
	var e *orionos.Error
	if !errors.As(err, &e) || e.Code != "SERVICE_UNAVAILABLE" || e.Status != 503 || !errors.Is(err, orionos.ErrUnavailable) {
		t.Fatalf("after retries: %v", err)
	}
	if len(always.keys) != 3 || always.keys[0] != always.keys[1] || always.keys[1] != always.keys[2] {
		t.Fatalf("keys: %q", always.keys)
	}
	if wait, ok := e.RetryAfter(); !ok || wait != time.Second {
		t.Fatalf("RetryAfter %v %v", wait, ok)
	}
	// WithMaxRetries(0): one try.
	before := len(always.keys)
	_, _ = client2.Agents.List(ctx, nil, orionos.WithMaxRetries(0))
	if len(always.keys) != before+1 {
		t.Fatalf("no retries: %d tries", len(always.keys)-before)
	}
	// A 400 is never retried.
	bad := &flaky{failures: 100, status: 400,
		body: `{"success":false,"error":{"code":"INVALID_REQUEST","message":"no","details":{},"requestId":"req_z"}}`}
	srv3 := bad.server(t, "")
	client3, _ := orionos.NewClient(orionos.Options{APIKey: "orn_live_x", BaseURL: srv3.URL + "/v1"})
	if _, err := client3.Agents.List(ctx, nil); !errors.Is(err, orionos.ErrInvalidRequest) || len(bad.keys) != 1 {
		t.Fatalf("400: %v after %d tries", err, len(bad.keys))
	}
	// A timeout is a TIMEOUT error.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(300 * time.Millisecond) }))
	defer slow.Close()
	client4, _ := orionos.NewClient(orionos.Options{APIKey: "orn_live_x", BaseURL: slow.URL + "/v1", Timeout: 50 * time.Millisecond, MaxRetries: orionos.NoRetries})
	if _, err := client4.Agents.List(ctx, nil); !errors.Is(err, orionos.ErrTimeout) {
		t.Fatalf("timeout: %v", err)
	}
}

// A connection dropped before any answer is retried, with the same Idempotency-Key.
func TestRetryAfterADroppedConnection(t *testing.T) {
	var mu sync.Mutex
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		first := len(keys) == 1
		mu.Unlock()
		if first {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"success":true,"data":{"id":"agt_1","name":"Dropped"}}`))
	}))
	defer srv.Close()
	client, _ := orionos.NewClient(orionos.Options{APIKey: "orn_live_x", BaseURL: srv.URL + "/v1"})
	agent, err := client.Agents.Create(context.Background(), &orionos.CreateAgentInput{Name: "Dropped"})
	if err != nil || agent.ID != "agt_1" {
		t.Fatalf("after a dropped connection: %v %v", agent, err)
	}
	if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
		t.Fatalf("keys: %q", keys)
	}
}
