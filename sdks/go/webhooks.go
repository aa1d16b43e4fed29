package orionos

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// WebhookTolerance is how far a delivery's timestamp may be from now.
const WebhookTolerance = 5 * time.Minute

// WebhookEvent is what a delivery carries.
type WebhookEvent struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	CreatedAt string         `json:"createdAt"`
	Data      map[string]any `json:"data"`
}

// Reasons of a failed webhook verification (Error.Reason()).
const (
	WebhookMissingHeaders = "missing_headers"
	WebhookInvalidHeaders = "invalid_headers"
	WebhookStaleTimestamp = "stale_timestamp"
	WebhookBadSignature   = "bad_signature"
)

func verificationError(reason, message string) *Error {
	return &Error{Code: "WEBHOOK_VERIFICATION_FAILED", Message: message, Details: map[string]any{"reason": reason}}
}

// VerifyWebhook checks a delivery your endpoint received (Standard Webhooks: webhook-id,
// webhook-timestamp, webhook-signature "v1,<base64 HMAC-SHA256 of id.timestamp.body>" with the
// whsec_ secret, several signatures space-separated) and answers its event. body is the raw body
// as received. A failure is an *Error WEBHOOK_VERIFICATION_FAILED whose Reason() says why: answer
// the delivery with a 4xx and ignore it.
func VerifyWebhook(body []byte, header http.Header, secret string) (*WebhookEvent, error) {
	return verifyWebhookAt(body, header, secret, time.Now())
}

// Verify is VerifyWebhook.
func (s *WebhooksService) Verify(body []byte, header http.Header, secret string) (*WebhookEvent, error) {
	return VerifyWebhook(body, header, secret)
}

func verifyWebhookAt(body []byte, header http.Header, secret string, now time.Time) (*WebhookEvent, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if secret == "" || err != nil {
		return nil, fmt.Errorf("orionos: secret is not a signing secret (whsec_…)")
	}
	id, timestamp, signatures := header.Get("webhook-id"), header.Get("webhook-timestamp"), header.Get("webhook-signature")
	if id == "" || timestamp == "" || signatures == "" {
		return nil, verificationError(WebhookMissingHeaders, "Missing required headers")
	}
	seconds, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return nil, verificationError(WebhookInvalidHeaders, "Invalid signature headers")
	}
	sent := time.Unix(seconds, 0)
	if now.Sub(sent) > WebhookTolerance {
		return nil, verificationError(WebhookStaleTimestamp, "Message timestamp too old")
	}
	if sent.Sub(now) > WebhookTolerance {
		return nil, verificationError(WebhookStaleTimestamp, "Message timestamp too new")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + timestamp + "."))
	mac.Write(body)
	expected := mac.Sum(nil)
	for _, versioned := range strings.Fields(signatures) {
		version, signature, ok := strings.Cut(versioned, ",")
		if !ok || version != "v1" {
			continue
		}
		given, err := base64.StdEncoding.DecodeString(signature)
		if err == nil && hmac.Equal(given, expected) {
			var event WebhookEvent
			if err := json.Unmarshal(body, &event); err != nil {
				return nil, verificationError(WebhookBadSignature, "The body is not the signed JSON: "+err.Error())
			}
			return &event, nil
		}
	}
	return nil, verificationError(WebhookBadSignature, "No matching signature found")
}
