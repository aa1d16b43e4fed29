"""Webhook verification (Standard Webhooks): a real delivery from the live OrionOS, and valid,
tampered, expired, rotated and malformed deliveries."""
import base64
import http.server
import json
import threading
import time
from typing import List

import pytest

from orionos import OrionOS, WebhookEvent, WebhookVerificationError, verify_webhook
from orionos.webhooks import sign

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
OTHER = "whsec_" + base64.b64encode(b"another secret, 32 bytes long!!!").decode()
BODY = json.dumps({"id": "evt_1", "type": "agent.created", "createdAt": "2026-01-01T00:00:00.000Z", "data": {"id": "agt_1"}})


def headers(body: str = BODY, secret: str = SECRET, timestamp: int = 0, message_id: str = "msg_1") -> dict:
    timestamp = timestamp or int(time.time())
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, message_id, timestamp, body)}


def test_valid_delivery():
    event = verify_webhook(BODY, headers(), SECRET)
    assert isinstance(event, WebhookEvent)
    assert event.type == "agent.created" and event.data.id == "agt_1" and event.created_at
    # Bytes bodies and header names in any case work too.
    mixed = {k.title(): v for k, v in headers().items()}
    assert OrionOS.__init__ and verify_webhook(BODY.encode(), mixed, SECRET).id == "evt_1"


def test_tampered_body_or_signature():
    good = headers()
    with pytest.raises(WebhookVerificationError) as caught:
        verify_webhook(BODY.replace("agt_1", "agt_2"), good, SECRET)
    assert caught.value.reason == "bad_signature" and caught.value.code == "WEBHOOK_VERIFICATION_FAILED"
    with pytest.raises(WebhookVerificationError):
        verify_webhook(BODY, good, OTHER)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(BODY, {**good, "webhook-id": "msg_2"}, SECRET)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(BODY, {**good, "webhook-signature": "v1,AAAA"}, SECRET)


def test_expired_and_future_timestamps():
    old = int(time.time()) - 6 * 60
    with pytest.raises(WebhookVerificationError) as caught:
        verify_webhook(BODY, headers(timestamp=old), SECRET)
    assert caught.value.reason == "stale_timestamp"
    with pytest.raises(WebhookVerificationError) as future:
        verify_webhook(BODY, headers(timestamp=int(time.time()) + 6 * 60), SECRET)
    assert future.value.reason == "stale_timestamp"
    # Within the 5-minute tolerance: fine.
    assert verify_webhook(BODY, headers(timestamp=int(time.time()) - 4 * 60), SECRET).id == "evt_1"


def test_several_signatures_and_missing_headers():
    now = int(time.time())
    both = headers(timestamp=now)
    both["webhook-signature"] = sign(OTHER, "msg_1", now, BODY) + " " + both["webhook-signature"]
    assert verify_webhook(BODY, both, SECRET).id == "evt_1"
    assert verify_webhook(BODY, both, OTHER).id == "evt_1"
    with pytest.raises(WebhookVerificationError) as caught:
        verify_webhook(BODY, {"webhook-id": "msg_1"}, SECRET)
    assert caught.value.reason == "missing_headers"
    with pytest.raises(WebhookVerificationError) as invalid:
        verify_webhook(BODY, {**headers(), "webhook-timestamp": "soon"}, SECRET)
    assert invalid.value.reason == "invalid_headers"
    with pytest.raises(TypeError):
        verify_webhook(BODY, headers(), "")


def test_a_real_delivery_from_orionos(orion: OrionOS):
    received: List[dict] = []
    arrived = threading.Event()

    class Receiver(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            received.append({"body": body, "headers": {k.lower(): v for k, v in self.headers.items()}})
            self.send_response(204)
            self.end_headers()
            arrived.set()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        try:
            created = orion.webhooks.create(url=url, events=["agent.created"])
        except Exception as error:  # noqa: BLE001
            pytest.skip(f"the server does not deliver to loopback (ORION_ALLOW_PRIVATE_NETWORKS): {error}")
        secret = created.secret
        webhook_id = created.data.webhook.id
        assert secret.startswith("whsec_")
        assert webhook_id in [w.id for w in orion.webhooks.list().data.items]
        assert orion.webhooks.get(webhook_id).data.url == url
        delivery = orion.webhooks.test(webhook_id)
        assert arrived.wait(20), "no delivery arrived"
        got = received[0]
        event = orion.webhooks.verify(got["body"], got["headers"], secret)
        assert event.type == "webhook.test"
        with pytest.raises(WebhookVerificationError):
            orion.webhooks.verify(got["body"] + b" ", got["headers"], secret)
        assert orion.webhooks.delivery(webhook_id, delivery.id).id == delivery.id
        deadline = time.monotonic() + 10
        while orion.webhooks.delivery(webhook_id, delivery.id).data.status == "pending" and time.monotonic() < deadline:
            time.sleep(0.1)
        arrived.clear()
        again = orion.webhooks.redeliver(webhook_id, delivery.id)
        assert again.id == delivery.id
        assert arrived.wait(20), "no redelivery arrived"
        assert orion.webhooks.verify(received[-1]["body"], received[-1]["headers"], secret).type == "webhook.test"
        assert delivery.id in [d.id for d in orion.webhooks.deliveries(webhook_id).data.items]
        assert orion.webhooks.update(webhook_id, description="sdk").data.description == "sdk"
        rotated = orion.webhooks.rotate_secret(webhook_id)
        assert rotated.secret != secret
        assert orion.webhooks.delete(webhook_id).data.deleted is True
    finally:
        server.shutdown()
        server.server_close()
