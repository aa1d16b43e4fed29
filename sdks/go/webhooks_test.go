package orionos_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/OrionOS-dev/orionos-go"
)

func sign(secret, id string, ts int64, body []byte) string {
	key, _ := base64.StdEncoding.DecodeString(secret[len("whsec_"):])
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func newSecret() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return "whsec_" + base64.StdEncoding.EncodeToString(b[:])
}

func headers(id string, ts int64, signature string) http.Header {
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	h.Set("webhook-signature", signature)
	return h
}

func reason(t *testing.T, err error) string {
	t.Helper()
	var e *orionos.Error
	if !errors.As(err, &e) || e.Code != "WEBHOOK_VERIFICATION_FAILED" || !errors.Is(err, orionos.ErrWebhookVerification) {
		t.Fatalf("want WEBHOOK_VERIFICATION_FAILED, got %v", err)
	}
	return e.Reason()
}

func TestVerifyWebhook(t *testing.T) {
	secret := newSecret()
	body := []byte(`{"id":"evt_1","type":"agent.created","createdAt":"2026-11-30T00:00:00.000Z","data":{"id":"agt_1"}}`)
	now := time.Now().Unix()

	event, err := orionos.VerifyWebhook(body, headers("evt_1", now, sign(secret, "evt_1", now, body)), secret)
	if err != nil || event.ID != "evt_1" || event.Type != "agent.created" || event.Data["id"] != "agt_1" {
		t.Fatalf("valid: %+v %v", event, err)
	}
	// Several signatures (a rotated secret still valid): any one matching verifies.
	other := newSecret()
	both := sign(other, "evt_1", now, body) + " " + sign(secret, "evt_1", now, body)
	if _, err := orionos.VerifyWebhook(body, headers("evt_1", now, both), secret); err != nil {
		t.Fatalf("two signatures: %v", err)
	}
	// Tampered body, id, or signature by another secret.
	tampered := []byte(`{"id":"evt_1","type":"agent.deleted","createdAt":"2026-11-30T00:00:00.000Z","data":{"id":"agt_1"}}`)
	if _, err := orionos.VerifyWebhook(tampered, headers("evt_1", now, sign(secret, "evt_1", now, body)), secret); reason(t, err) != orionos.WebhookBadSignature {
		t.Fatalf("tampered: %v", err)
	}
	if _, err := orionos.VerifyWebhook(body, headers("evt_2", now, sign(secret, "evt_1", now, body)), secret); reason(t, err) != orionos.WebhookBadSignature {
		t.Fatalf("another id: %v", err)
	}
	if _, err := orionos.VerifyWebhook(body, headers("evt_1", now, sign(other, "evt_1", now, body)), secret); reason(t, err) != orionos.WebhookBadSignature {
		t.Fatalf("another secret: %v", err)
	}
	// Expired (older than 5 minutes) or from the future, even when correctly signed.
	old := now - 6*60
	if _, err := orionos.VerifyWebhook(body, headers("evt_1", old, sign(secret, "evt_1", old, body)), secret); reason(t, err) != orionos.WebhookStaleTimestamp {
		t.Fatalf("expired: %v", err)
	}
	future := now + 6*60
	if _, err := orionos.VerifyWebhook(body, headers("evt_1", future, sign(secret, "evt_1", future, body)), secret); reason(t, err) != orionos.WebhookStaleTimestamp {
		t.Fatalf("future: %v", err)
	}
	recent := now - 4*60
	if _, err := orionos.VerifyWebhook(body, headers("evt_1", recent, sign(secret, "evt_1", recent, body)), secret); err != nil {
		t.Fatalf("4 minutes old: %v", err)
	}
	// Missing or malformed headers; a secret that is not one.
	if _, err := orionos.VerifyWebhook(body, http.Header{}, secret); reason(t, err) != orionos.WebhookMissingHeaders {
		t.Fatalf("no headers: %v", err)
	}
	h := headers("evt_1", now, sign(secret, "evt_1", now, body))
	h.Set("webhook-timestamp", "yesterday")
	if _, err := orionos.VerifyWebhook(body, h, secret); reason(t, err) != orionos.WebhookInvalidHeaders {
		t.Fatalf("bad timestamp: %v", err)
	}
	if _, err := orionos.VerifyWebhook(body, headers("evt_1", now, "v1,!!!"), secret); reason(t, err) != orionos.WebhookBadSignature {
		t.Fatalf("garbage signature: %v", err)
	}
	if _, err := orionos.VerifyWebhook(body, headers("evt_1", now, sign(secret, "evt_1", now, body)), "whsec_%%%"); err == nil {
		t.Fatal("a secret that is not base64")
	}
}

// A real delivery from the live server, verified with the secret its create answered (the
// server must allow private networks for a loopback endpoint: ORION_ALLOW_PRIVATE_NETWORKS=true).
func TestVerifyARealDelivery(t *testing.T) {
	c := shared(t)
	if os.Getenv("ORION_ALLOW_PRIVATE_NETWORKS") != "true" {
		t.Skip("the server does not deliver to loopback addresses (ORION_ALLOW_PRIVATE_NETWORKS)")
	}
	type delivery struct {
		body   []byte
		header http.Header
	}
	got := make(chan delivery, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- delivery{body, r.Header.Clone()}
	}))
	defer receiver.Close()
	ctx := context.Background()
	created, err := c.Webhooks.Create(ctx, &orionos.CreateWebhookInput{URL: receiver.URL + "/hook", Events: []string{"webhook.test"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Webhooks.Delete(ctx, created.Webhook.ID)
	if _, err := c.Webhooks.Test(ctx, created.Webhook.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-got:
		event, err := c.Webhooks.Verify(d.body, d.header, created.Secret)
		if err != nil || event.Type != "webhook.test" {
			t.Fatalf("the delivery: %+v %v", event, err)
		}
		if _, err := orionos.VerifyWebhook(append(d.body, ' '), d.header, created.Secret); reason(t, err) != orionos.WebhookBadSignature {
			t.Fatalf("tampered delivery: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no delivery within 15 s")
	}
}
