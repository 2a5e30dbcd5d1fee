"""A local push service, and browsers subscribed to it, as the real ones behave.

The service is an HTTP server on loopback: each push PartnerPlan POSTs to a
device's endpoint is kept as it arrived, and answered with what the test
chose (201 unless told otherwise). A `Device` is what a browser holds: a
P-256 key pair and a 16-byte auth secret, generated here. Reading a device's
notifications checks each push as a push service and a browser would: the
VAPID Authorization header (an ES256 JWT that verifies with PartnerPlan's
public key, for this endpoint's origin, not expired, with a contact), then
decrypts the aes128gcm body with the device's private key.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from webapp.push import keys


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Push:
    """One POST the service received."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Device:
    """A browser subscribed to the local service."""

    service: PushService
    name: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    browser: Any = None  # the test client signed in where it was turned on

    @property
    def path(self) -> str:
        return f"/push/{self.name}"

    @property
    def endpoint(self) -> str:
        return f"{self.service.origin}{self.path}"

    def subscription(self) -> dict:
        """What `PushSubscription.toJSON()` gives the page to send."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(point), "auth": b64url(self.auth_secret)},
        }

    def answer(self, *answers: int | tuple[int, str]) -> None:
        """Answer the next pushes to this device with these statuses (or a status and
        a Location), then 201 again."""
        self.service.answers.setdefault(self.path, []).extend(answers)

    def pushes(self) -> list[Push]:
        return [push for push in self.service.received if push.path == self.path]

    def notifications(self) -> list[dict]:
        """Every push this device received, checked and decrypted: its JSON payloads."""
        return [self.open(push) for push in self.pushes()]

    def open(self, push: Push) -> dict:
        self.service.check_vapid(push)
        assert push.headers["content-encoding"] == "aes128gcm"
        assert int(push.headers["ttl"]) > 0
        plain = http_ece.decrypt(
            push.body,
            private_key=self.private_key,
            auth_secret=self.auth_secret,
            version="aes128gcm",
        )
        return json.loads(plain)


class PushService:
    """The HTTP server and what it received."""

    def __init__(self) -> None:
        self.received: list[Push] = []
        self.answers: dict[str, list[int | tuple[int, str]]] = {}
        self._lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                push = Push(
                    self.path,
                    {key.lower(): value for key, value in self.headers.items()},
                    self.rfile.read(length),
                )
                with service._lock:
                    service.received.append(push)
                    waiting = service.answers.get(self.path) or []
                    answer = waiting.pop(0) if waiting else 201
                status, location = answer if isinstance(answer, tuple) else (answer, None)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def device(self, name: str) -> Device:
        return Device(self, f"{name}-{secrets.token_hex(4)}")

    def check_vapid(self, push: Push) -> None:
        """The Authorization header is `vapid t=<JWT>, k=<public key>` (RFC 8292):
        the key is PartnerPlan's and the JWT verifies with it, for this origin."""
        scheme, _, parameters = push.headers["authorization"].partition(" ")
        assert scheme == "vapid"
        values = dict(part.strip().split("=", 1) for part in parameters.split(","))
        assert values["k"] == keys.public_key()
        header, claims, signature = values["t"].split(".")
        assert json.loads(unb64url(header)) == {"typ": "JWT", "alg": "ES256"}
        raw = unb64url(signature)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(values["k"]))
        public.verify(  # raises InvalidSignature
            encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:])),
            f"{header}.{claims}".encode(),
            ec.ECDSA(hashes.SHA256()),
        )
        claims = json.loads(unb64url(claims))
        assert claims["aud"] == self.origin
        assert claims["exp"] > time.time()
        assert claims["sub"].startswith("mailto:")


@pytest.fixture
def push_service(app, tmp_path):
    """A push service on loopback, and the app's VAPID key in a file of the test's."""
    app.config["VAPID_PRIVATE_KEY_FILE"] = str(tmp_path / "vapid_private_key.pem")
    service = PushService()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()
