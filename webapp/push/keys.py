"""The VAPID key pair: PartnerPlan's identity towards the browsers' push services.

The private key is a PEM file (VAPID_PRIVATE_KEY_FILE, `instance/` by default),
readable by its owner only and never in git. It is made on first need (the
account page shows the public key; a push signs with the private one), or by
`flask push keys`. Two processes making it at once end with the same file:
each writes its own under a temporary name and links it into place, and a
link fails when the file is already there.

Changing the key makes every subscription useless (the push services refuse a
push signed with another key than the one the browser subscribed with): the
browsers must subscribe again.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from py_vapid import Vapid


def key_file() -> Path:
    return Path(current_app.config["VAPID_PRIVATE_KEY_FILE"])


def make_keys(path: Path) -> bool:
    """Write a new private key to `path` unless one is there; True when written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        os.link(partial, path)  # fails if another process put its key there first
    except FileExistsError:
        return False
    finally:
        partial.unlink(missing_ok=True)
    return True


def private_key() -> Vapid:
    """The signing key, made first if there is none."""
    path = key_file()
    make_keys(path)
    return Vapid.from_pem(path.read_bytes())


def public_key() -> str:
    """The application server key the page subscribes with: the uncompressed
    P-256 point, base64url without padding."""
    point = private_key().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


def contact() -> str:
    """The VAPID `sub` claim: who the push services may write to about our pushes."""
    config = current_app.config
    return config.get("VAPID_CONTACT") or f"mailto:{config['MAIL_SENDER']}"
