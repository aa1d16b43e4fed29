package orionos

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mathrand "math/rand"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// RequestOption changes one call.
type RequestOption func(*requestConfig)

type requestConfig struct {
	idempotencyKey string
	maxRetries     *int
	timeout        time.Duration
	header         http.Header
}

// WithIdempotencyKey sets the POST's Idempotency-Key (default: a new random one per call).
func WithIdempotencyKey(key string) RequestOption {
	return func(c *requestConfig) { c.idempotencyKey = key }
}

// WithMaxRetries overrides Options.MaxRetries for one call (0 or NoRetries: none).
func WithMaxRetries(n int) RequestOption {
	return func(c *requestConfig) {
		if n < 0 {
			n = 0
		}
		c.maxRetries = &n
	}
}

// WithTimeout overrides Options.Timeout for one call.
func WithTimeout(d time.Duration) RequestOption {
	return func(c *requestConfig) { c.timeout = d }
}

// WithHeader adds a header to one call.
func WithHeader(name, value string) RequestOption {
	return func(c *requestConfig) {
		if c.header == nil {
			c.header = http.Header{}
		}
		c.header.Add(name, value)
	}
}

func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		for i := range b {
			b[i] = byte(mathrand.Intn(256))
		}
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

var errNoBody = errors.New("orionos: the request body must not be nil")

// pathPart is a checked path segment.
type pathPart struct {
	value string
	err   error
}

// segment is a path segment from an id; an empty one would silently name another route.
func segment(name, value string) pathPart {
	if value == "" {
		return pathPart{err: fmt.Errorf("orionos: %s must not be empty", name)}
	}
	return pathPart{value: url.PathEscape(value)}
}

func numberPart(name string, value int) pathPart {
	if value < 1 {
		return pathPart{err: fmt.Errorf("orionos: %s must be 1 or more", name)}
	}
	return pathPart{value: strconv.Itoa(value)}
}

// joinPath joins literal pieces (strings) and checked segments.
func joinPath(pieces ...any) (string, error) {
	var b strings.Builder
	for _, piece := range pieces {
		switch p := piece.(type) {
		case string:
			b.WriteString(p)
		case pathPart:
			if p.err != nil {
				return "", p.err
			}
			b.WriteString(p.value)
		}
	}
	return b.String(), nil
}

const (
	initialBackoff = 500 * time.Millisecond
	maxBackoff     = 8 * time.Second
)

// retryable: rate limits (not quotas), unavailability that may pass, failed connections.
func retryable(e *Error) bool {
	switch e.Code {
	case "CONNECTION_ERROR", "TIMEOUT", "RATE_LIMIT_EXCEEDED", "SERVICE_UNAVAILABLE":
		return true
	case "AGENT_UNAVAILABLE":
		return e.Reason() != "paused" && e.Reason() != "provider_not_configured"
	}
	return false
}

func (c *Client) retryDelay(e *Error, retry int) time.Duration {
	if wait, ok := e.RetryAfter(); ok {
		if wait > c.maxRetryDelay {
			return c.maxRetryDelay
		}
		return wait
	}
	backoff := float64(initialBackoff) * math.Pow(2, float64(retry))
	backoff = math.Min(backoff, math.Min(float64(maxBackoff), float64(c.maxRetryDelay)))
	return time.Duration(backoff * (0.75 + mathrand.Float64()*0.25))
}

// errorFromAnswer turns an answer that is not a success into an *Error.
func errorFromAnswer(status int, header http.Header, body []byte) *Error {
	var envelope struct {
		Success *bool `json:"success"`
		Error   *struct {
			Code      string         `json:"code"`
			Message   string         `json:"message"`
			Details   map[string]any `json:"details"`
			RequestID string         `json:"requestId"`
		} `json:"error"`
	}
	requestID := header.Get("X-Request-Id")
	if json.Unmarshal(body, &envelope) == nil && envelope.Success != nil && !*envelope.Success &&
		envelope.Error != nil && envelope.Error.Code != "" {
		e := envelope.Error
		if e.RequestID != "" {
			requestID = e.RequestID
		}
		if e.Details == nil {
			e.Details = map[string]any{}
		}
		if e.Message == "" {
			e.Message = fmt.Sprintf("HTTP %d", status)
		}
		return &Error{Code: e.Code, Message: e.Message, Status: status, Details: e.Details, RequestID: requestID, Header: header}
	}
	// Not the API's envelope (a proxy in between?): a bare 429 or 503 still means "try again later".
	code := "INVALID_RESPONSE"
	if status == 429 {
		code = "RATE_LIMIT_EXCEEDED"
	} else if status == 503 {
		code = "SERVICE_UNAVAILABLE"
	}
	excerpt := string(body)
	if len(excerpt) > 200 {
		excerpt = excerpt[:200] + "…"
	}
	msg := fmt.Sprintf("Unexpected answer from the server (HTTP %d)", status)
	if excerpt != "" {
		msg += ": " + excerpt
	}
	return &Error{Code: code, Message: msg, Status: status, Details: map[string]any{}, RequestID: requestID, Header: header}
}

func (c *Client) url(path string, query url.Values) string {
	u := c.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

// opened is a success answer whose body is left to read; cancel ends its request.
type opened struct {
	ctx      context.Context
	resp     *http.Response
	cancel   context.CancelFunc
	timer    *time.Timer
	timedOut chan struct{}
	timeout  time.Duration
}

// send makes one try; it answers the open response (any status) or a client-side *Error.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, payload []byte, accept, key string, cfg *requestConfig) (*opened, *Error) {
	timeout := c.timeout
	if cfg.timeout > 0 {
		timeout = cfg.timeout
	}
	tryCtx, cancel := context.WithCancel(ctx)
	timedOut := make(chan struct{})
	timer := time.AfterFunc(timeout, func() { close(timedOut); cancel() })
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(tryCtx, method, c.url(path, query), body)
	if err != nil {
		timer.Stop()
		cancel()
		return nil, &Error{Code: "CONNECTION_ERROR", Message: err.Error(), Details: map[string]any{}, Cause: err}
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("User-Agent", "orionos-sdk-go/"+Version)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	for name, values := range cfg.header {
		req.Header[http.CanonicalHeaderKey(name)] = values
	}
	resp, err := c.http.Do(req)
	if err != nil {
		timer.Stop()
		cancel()
		return nil, clientError(ctx, timedOut, err)
	}
	return &opened{ctx: ctx, resp: resp, cancel: cancel, timer: timer, timedOut: timedOut, timeout: timeout}, nil
}

// clientError classifies a failure without an HTTP answer.
func clientError(ctx context.Context, timedOut chan struct{}, err error) *Error {
	select {
	case <-timedOut:
		return &Error{Code: "TIMEOUT", Message: "The request timed out", Details: map[string]any{}, Cause: err}
	default:
	}
	if ctx.Err() != nil {
		return &Error{Code: "ABORTED", Message: "The request was aborted: " + ctx.Err().Error(), Details: map[string]any{}, Cause: ctx.Err()}
	}
	return &Error{Code: "CONNECTION_ERROR", Message: "Could not reach the OrionOS API: " + err.Error(), Details: map[string]any{}, Cause: err}
}

// withRetries sends the request until it succeeds or may not be retried; read turns the open
// success answer into the result (its errors, e.g. a dropped connection, are retried alike).
func (c *Client) withRetries(ctx context.Context, method, path string, query url.Values, body any, accept string,
	opts []RequestOption, read func(*opened) *Error) error {
	cfg := &requestConfig{}
	for _, opt := range opts {
		opt(cfg)
	}
	maxRetries := c.maxRetries
	if cfg.maxRetries != nil {
		maxRetries = *cfg.maxRetries
	}
	var payload []byte
	if v := reflect.ValueOf(body); body != nil && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Map) && v.IsNil() {
		payload = []byte("{}") // No parameters: an empty object, never null.
	} else if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("orionos: the request body is not JSON: %w", err)
		}
	}
	// One key per logical call: every retry carries the same, so the server runs it once.
	key := ""
	if method == http.MethodPost {
		key = cfg.idempotencyKey
		if key == "" {
			key = newUUID()
		}
	}
	for retry := 0; ; retry++ {
		open, failure := c.send(ctx, method, path, query, payload, accept, key, cfg)
		if failure == nil {
			if open.resp.StatusCode >= 200 && open.resp.StatusCode < 300 {
				failure = read(open)
				if failure == nil {
					return nil
				}
			} else {
				text, _ := io.ReadAll(open.resp.Body)
				open.close()
				failure = errorFromAnswer(open.resp.StatusCode, open.resp.Header, text)
			}
		}
		// A conflict on a retry means an earlier try (whose answer was lost) still runs: wait for it.
		stillRunning := retry > 0 && failure.Code == "IDEMPOTENCY_CONFLICT" && failure.Reason() != "answer_lost"
		if retry >= maxRetries || !(retryable(failure) || stillRunning) || ctx.Err() != nil {
			return failure
		}
		wait := time.NewTimer(c.retryDelay(failure, retry))
		select {
		case <-ctx.Done():
			wait.Stop()
			return &Error{Code: "ABORTED", Message: "The request was aborted: " + ctx.Err().Error(), Details: map[string]any{}, Cause: ctx.Err()}
		case <-wait.C:
		}
	}
}

func (o *opened) close() {
	o.timer.Stop()
	o.resp.Body.Close()
	o.cancel()
}

// do is a JSON call: it decodes the envelope's data into out.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any, out any, opts []RequestOption) error {
	if ctx == nil {
		ctx = context.Background()
	}
	return c.withRetries(ctx, method, path, query, body, "application/json", opts, func(open *opened) *Error {
		defer open.close()
		text, err := io.ReadAll(open.resp.Body)
		if err != nil {
			return clientError(open.ctx, open.timedOut, err)
		}
		var envelope struct {
			Success bool            `json:"success"`
			Data    json.RawMessage `json:"data"`
		}
		if json.Unmarshal(text, &envelope) != nil || !envelope.Success || envelope.Data == nil {
			return errorFromAnswer(open.resp.StatusCode, open.resp.Header, text)
		}
		if out != nil {
			if err := json.Unmarshal(envelope.Data, out); err != nil {
				return &Error{Code: "INVALID_RESPONSE", Message: "The answer's data does not fit its type: " + err.Error(),
					Status: open.resp.StatusCode, Details: map[string]any{}, RequestID: open.resp.Header.Get("X-Request-Id"), Header: open.resp.Header, Cause: err}
			}
		}
		return nil
	})
}

// open starts a stream or a download: it answers once a success answer's headers are in.
func (c *Client) open(ctx context.Context, method, path string, query url.Values, body any, accept string, opts []RequestOption) (*opened, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	var result *opened
	err := c.withRetries(ctx, method, path, query, body, accept, opts, func(open *opened) *Error {
		open.timer.Stop()
		result = open
		return nil
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

// Do calls any route of the API (path under the base URL, e.g. "/agents") and decodes the
// envelope's data into out: for routes newer than this SDK, or a body with explicit nulls.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body any, out any, opts ...RequestOption) error {
	return c.do(ctx, method, path, query, body, out, opts)
}

// idleReader reads a body, ending it (TIMEOUT) when no byte comes for the timeout.
type idleReader struct {
	open  *opened
	fired int32
}

func newIdleReader(open *opened) *idleReader {
	return &idleReader{open: open}
}

func (r *idleReader) Read(p []byte) (int, error) {
	timer := time.AfterFunc(r.open.timeout, func() { atomic.StoreInt32(&r.fired, 1); r.open.cancel() })
	n, err := r.open.resp.Body.Read(p)
	timer.Stop()
	if err != nil && err != io.EOF {
		if atomic.LoadInt32(&r.fired) == 1 {
			return n, &Error{Code: "TIMEOUT", Message: "The answer went silent for longer than the timeout", Details: map[string]any{}, Cause: err}
		}
		if r.open.ctx.Err() != nil {
			return n, &Error{Code: "ABORTED", Message: "The request was aborted: " + r.open.ctx.Err().Error(), Details: map[string]any{}, Cause: err}
		}
	}
	return n, err
}

func (r *idleReader) Close() error {
	r.open.close()
	return nil
}

// Download is a streamed file (a conversation export): read Body, then Close it.
type Download struct {
	ContentType string
	FileName    string
	RequestID   string
	Body        io.ReadCloser
}

// Close ends the download.
func (d *Download) Close() error { return d.Body.Close() }

func (c *Client) download(ctx context.Context, method, path string, query url.Values, accept string, opts []RequestOption) (*Download, error) {
	open, err := c.open(ctx, method, path, query, nil, accept, opts)
	if err != nil {
		return nil, err
	}
	name := ""
	disposition := open.resp.Header.Get("Content-Disposition")
	if i := strings.Index(disposition, "filename="); i >= 0 {
		name = strings.Trim(strings.SplitN(disposition[i+len("filename="):], ";", 2)[0], `"`)
	}
	return &Download{ContentType: open.resp.Header.Get("Content-Type"), FileName: name,
		RequestID: open.resp.Header.Get("X-Request-Id"), Body: newIdleReader(open)}, nil
}
