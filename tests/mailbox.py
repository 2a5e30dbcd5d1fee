"""A local SMTP server (aiosmtpd) that keeps what PartnerPlan emails, and the
links read out of those emails, as someone who receives them would."""

import email
import re
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """Keeps every message the local server receives: (recipients, message)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(app):
    """Mail configured and delivered to a local server: `mailbox.messages`."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_SENDER="partnerplan@harbor.example"
    )
    yield inbox
    controller.stop()


def emails_to(mailbox, address: str) -> list:
    return [message for recipients, message in mailbox.messages if address in recipients]


def link_in(message, kind: str) -> str:
    """The link of `kind` ('invitation', 'reset') in an email, as a path to request."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(rf"http://127\.0\.0\.1:5000(/auth/{kind}/[\w-]+)", text)
    assert match, f"no {kind} link in:\n{text}"
    return match.group(1)


def link_in_text(text: str, kind: str) -> str:
    """The link of `kind` in a page or command output (when no mail server is set)."""
    match = re.search(rf"http://127\.0\.0\.1:5000(/auth/{kind}/[\w-]+)", text)
    assert match, f"no {kind} link in:\n{text}"
    return match.group(1)


def submit_link(client, link: str, data: dict):
    """Open a single-use link and submit its form, as the browser does: the link
    moves its token into the session and redirects to a URL without it (whose
    form is then posted); a link refused is answered at once, and returned."""
    opened = client.get(link)
    if opened.status_code != 303:
        return opened
    return client.post(opened.headers["Location"], data=data)
