package orionos

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is any failed call: the API's error envelope, or a client-side failure
// (CONNECTION_ERROR, TIMEOUT, ABORTED, INVALID_RESPONSE, STREAM_INTERRUPTED,
// WEBHOOK_VERIFICATION_FAILED). Use errors.As(err, &apiErr) to read it, and
// errors.Is(err, ErrNotFound) (or another Err… family) to match it.
type Error struct {
	// Code is the API's error code (AGENT_NOT_FOUND, RATE_LIMIT_EXCEEDED…) or a client code.
	Code    string
	Message string
	// Status is the HTTP status (0 when there was no HTTP answer).
	Status int
	// Details of the error (for INVALID_REQUEST: "fields").
	Details map[string]any
	// RequestID (req_…): quote it when asking for support.
	RequestID string
	// Header of the HTTP answer, when there was one.
	Header http.Header
	// Cause is the underlying error of a client-side failure.
	Cause error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("orionos: %s: %s", e.Code, e.Message)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.RequestID != "" {
		msg += " [" + e.RequestID + "]"
	}
	return msg
}

// Unwrap gives the underlying error of a client-side failure.
func (e *Error) Unwrap() error { return e.Cause }

// Is matches an error family (ErrNotFound…): errors.Is(err, orionos.ErrRateLimited).
func (e *Error) Is(target error) bool {
	family, ok := target.(*errorFamily)
	if !ok {
		return false
	}
	for _, code := range family.codes {
		if code == e.Code {
			return true
		}
	}
	return false
}

type errorFamily struct {
	name  string
	codes []string
}

func (f *errorFamily) Error() string { return "orionos: " + f.name }

// Error families, for errors.Is.
var (
	ErrInvalidRequest      error = &errorFamily{"invalid request", []string{"INVALID_REQUEST", "PAYLOAD_TOO_LARGE", "METHOD_NOT_ALLOWED"}}
	ErrUnauthorized        error = &errorFamily{"unauthorized", []string{"UNAUTHORIZED"}}
	ErrForbidden           error = &errorFamily{"forbidden", []string{"FORBIDDEN"}}
	ErrNotFound            error = &errorFamily{"not found", []string{"AGENT_NOT_FOUND", "NOT_FOUND"}}
	ErrConflict            error = &errorFamily{"conflict", []string{"IDEMPOTENCY_CONFLICT", "CHARACTER_IN_USE", "ALREADY_EXISTS", "WEBHOOK_DISABLED"}}
	ErrRateLimited         error = &errorFamily{"rate limited", []string{"RATE_LIMIT_EXCEEDED"}}
	ErrQuotaExceeded       error = &errorFamily{"quota exceeded", []string{"INSUFFICIENT_QUOTA"}}
	ErrServer              error = &errorFamily{"server error", []string{"INTERNAL_ERROR", "MODEL_ERROR"}}
	ErrUnavailable         error = &errorFamily{"unavailable", []string{"AGENT_UNAVAILABLE", "SERVICE_UNAVAILABLE"}}
	ErrConnection          error = &errorFamily{"connection failed", []string{"CONNECTION_ERROR", "TIMEOUT"}}
	ErrTimeout             error = &errorFamily{"timeout", []string{"TIMEOUT"}}
	ErrAborted             error = &errorFamily{"aborted", []string{"ABORTED"}}
	ErrInvalidResponse     error = &errorFamily{"invalid response", []string{"INVALID_RESPONSE"}}
	ErrStreamInterrupted   error = &errorFamily{"stream interrupted", []string{"STREAM_INTERRUPTED"}}
	ErrWebhookVerification error = &errorFamily{"webhook verification failed", []string{"WEBHOOK_VERIFICATION_FAILED"}}
)

// StatusOfCode is the HTTP status of each API error code (for errors a stream reports).
var StatusOfCode = map[string]int{
	"INVALID_REQUEST": 400, "UNAUTHORIZED": 401, "FORBIDDEN": 403, "AGENT_NOT_FOUND": 404, "NOT_FOUND": 404,
	"METHOD_NOT_ALLOWED": 405, "IDEMPOTENCY_CONFLICT": 409, "CHARACTER_IN_USE": 409, "ALREADY_EXISTS": 409,
	"WEBHOOK_DISABLED": 409, "PAYLOAD_TOO_LARGE": 413, "RATE_LIMIT_EXCEEDED": 429, "INSUFFICIENT_QUOTA": 429,
	"INTERNAL_ERROR": 500, "MODEL_ERROR": 502, "AGENT_UNAVAILABLE": 503, "SERVICE_UNAVAILABLE": 503,
}

// FieldErrors are the offending fields of an INVALID_REQUEST (details.fields).
func (e *Error) FieldErrors() []FieldError {
	raw, _ := e.Details["fields"].([]any)
	out := make([]FieldError, 0, len(raw))
	for _, item := range raw {
		m, _ := item.(map[string]any)
		field, _ := m["field"].(string)
		message, _ := m["message"].(string)
		out = append(out, FieldError{Field: field, Message: message})
	}
	return out
}

// Reason is details.reason (AGENT_UNAVAILABLE: paused, provider_not_configured, timeout…).
func (e *Error) Reason() string {
	reason, _ := e.Details["reason"].(string)
	return reason
}

// RetryAfter is how long the server asked to wait (Retry-After, in seconds or an HTTP date, or
// details.retryAfter); ok is false when it did not say.
func (e *Error) RetryAfter() (time.Duration, bool) {
	if header := strings.TrimSpace(e.Header.Get("Retry-After")); header != "" {
		if seconds, err := strconv.ParseFloat(header, 64); err == nil && seconds >= 0 {
			return time.Duration(seconds * float64(time.Second)), true
		}
		if date, err := http.ParseTime(header); err == nil {
			wait := time.Until(date)
			if wait < 0 {
				wait = 0
			}
			return wait, true
		}
	}
	if seconds, ok := e.Details["retryAfter"].(float64); ok && seconds >= 0 {
		return time.Duration(seconds * float64(time.Second)), true
	}
	return 0, false
}
