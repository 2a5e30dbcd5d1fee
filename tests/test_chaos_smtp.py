"""The mail server down for a while, and a sender killed between sending and marking.

Emails go in through the app (forgot password), out through what the app runs
to send them (`flask jobs run-due`: the outbox's sender), to a local SMTP
server (aiosmtpd) on a port that is closed while the server is "down".
The clock is frozen (PARTNERPLAN_NOW) and moved past each backoff.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from tests.chaos import flask_process
from tests.helpers import make_user
from tests.mailbox import Inbox, free_port, link_in
from webapp import outbox
from webapp.extensions import db as _db
from webapp.models import OutboxEmail, Team

pytestmark = pytest.mark.chaos

ROOT = Path(__file__).resolve().parent.parent
FULL = os.environ.get("CHAOS_SIZE") == "full"
PEOPLE = 12 if FULL else 3
ASKED_AT = datetime(2027, 3, 15, 9, 0)  # UTC
# `run-due` at a wall time when no periodic job is due yet: it only sends.
RUN_DUE = ("jobs", "run-due", "--at", "2027-03-15T01:00")


def at(app, moment: datetime) -> None:
    app.config["PARTNERPLAN_NOW"] = moment.isoformat() + "+00:00"


def rows() -> list[OutboxEmail]:
    _db.session.expire_all()
    return list(_db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)))


def people(count: int) -> list[str]:
    """`count` agents of one team, committed; their addresses."""
    harbor = Team(name="Harbor Realty Group")
    _db.session.add(harbor)
    _db.session.flush()
    addresses = [f"agent{n}@harbor.example" for n in range(count)]
    for address in addresses:
        make_user(harbor, address)
    _db.session.commit()
    return addresses


def ask_for_links(client, addresses: list[str]) -> None:
    for address in addresses:
        response = client.post("/auth/forgot", data={"email": address})
        assert response.status_code in (200, 302, 303), response.status_code


def smtp_server(port: int, handler) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def received_ids(inbox: Inbox) -> Counter:
    return Counter(message["Message-ID"] for _, message in inbox.messages)


def test_mail_waits_while_the_server_is_down_then_goes_once_each(app, db, client, runner):
    """Invariant: while the SMTP port is closed, nothing is lost and no sending pass
    crashes (every email stays queued, its attempt and next try recorded); once the
    server is back and the backoff has passed, each email is delivered exactly once,
    and its link still works."""
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    at(app, ASKED_AT)
    addresses = people(PEOPLE)
    ask_for_links(client, addresses)  # each enqueue tries at once: refused

    queued = rows()
    assert len(queued) == PEOPLE
    assert {row.status for row in queued} == {"queued"}
    assert all(row.attempts == 1 and "Connection refused" in row.last_error for row in queued)
    first_retry = ASKED_AT + outbox.RETRY_FIRST
    assert {row.next_attempt_at for row in queued} == {first_retry}

    # Still down, the backoff over: the sender fails quietly, one attempt counted.
    at(app, first_retry)
    result = runner.invoke(args=RUN_DUE)
    assert (result.exit_code, result.output, result.exception) == (0, "", None)
    waiting = rows()
    assert {row.status for row in waiting} == {"queued"}
    assert sorted(row.attempts for row in waiting) == [1] * (PEOPLE - 1) + [2]
    retry = first_retry + outbox.RETRY_FIRST * 2
    assert {row.next_attempt_at for row in waiting} == {retry}

    inbox = Inbox()
    controller = smtp_server(port, inbox)
    try:
        # Back, but the backoff still runs: nothing goes before it is over.
        assert runner.invoke(args=RUN_DUE).output == ""
        assert inbox.messages == []
        at(app, retry)
        result = runner.invoke(args=RUN_DUE)
        assert result.output == f"outbox: {PEOPLE} emails sent\n"
        at(app, retry + timedelta(hours=2))
        assert runner.invoke(args=RUN_DUE).output == ""
    finally:
        controller.stop()

    sent = rows()
    assert {row.status for row in sent} == {"sent"}
    ids = received_ids(inbox)
    assert set(ids.values()) == {1}, f"sent more than once: {ids}"
    assert sorted(recipients[0] for recipients, _ in inbox.messages) == sorted(addresses)
    assert set(ids) == {
        outbox_message_id(row) for row in sent
    }  # the very messages stored, none other
    [(_, message)] = [m for m in inbox.messages if m[0] == [addresses[0]]]
    at(app, retry)  # when it arrived
    opened = client.get(link_in(message, "reset"))
    assert opened.status_code == 303  # the link, sent a few minutes late, works


def outbox_message_id(row: OutboxEmail) -> str:
    import email
    from email import policy

    return email.message_from_bytes(row.message, policy=policy.default)["Message-ID"]


class Stalling(Inbox):
    """Keeps every message, but answers the `stall_on`-th one's DATA only once
    `release` is set: its sender has handed it over and waits for the "250"."""

    def __init__(self, stall_on: int):
        super().__init__()
        self.stall_on = stall_on
        self.received = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.stall_on:
            self.received.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        return answer


def sender(app, port: int, moment: datetime) -> subprocess.Popen:
    """`flask jobs run-due` in a process of its own, on the test's database."""
    return flask_process(
        list(RUN_DUE),
        app.config["SQLALCHEMY_DATABASE_URI"],
        Path(app.instance_path),
        moment.isoformat() + "+00:00",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(port),
    )


def test_a_sender_killed_between_sending_and_marking_sends_that_one_twice_at_most(
    shared_app, tmp_path
):
    """Invariant (the outbox's documented exception): a sender killed after the
    server took a message and before the row was marked leaves that one message
    to be sent again once its lease has passed: one duplicate, then marked sent;
    every other message goes exactly once, and none is lost."""
    app = shared_app
    app.instance_path = str(tmp_path / "instance")
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    at(app, ASKED_AT)
    addresses = people(PEOPLE)
    ask_for_links(app.test_client(), addresses)  # the server is down: all wait
    assert len(rows()) == PEOPLE
    later = ASKED_AT + timedelta(minutes=5)

    inbox = Stalling(stall_on=2)
    controller = smtp_server(port, inbox)
    try:
        process = sender(app, port, later)
        assert inbox.received.wait(60), process.communicate(timeout=60)[0]
        os.killpg(process.pid, signal.SIGKILL)  # the server has it; the row says "sending"
        process.communicate(timeout=60)
        inbox.release.set()
        stalled = inbox.messages[1][1]["Message-ID"]
        by_status = Counter(row.status for row in rows())
        assert by_status == {"sent": 1, "sending": 1, "queued": PEOPLE - 2}, by_status

        # Before the lease is over, no one takes the message "sending" again.
        finished = sender(app, port, later + timedelta(minutes=1))
        output = finished.communicate(timeout=120)[0]
        assert finished.returncode == 0, output
        assert received_ids(inbox)[stalled] == 1
        assert Counter(row.status for row in rows()) == {"sent": PEOPLE - 1, "sending": 1}

        # Past its lease, it is sent again: the one duplicate, then marked.
        after_lease = later + outbox.SENDING_LEASE + timedelta(minutes=1)
        for moment in (after_lease, after_lease + timedelta(hours=1)):
            again = sender(app, port, moment)
            output = again.communicate(timeout=120)[0]
            assert again.returncode == 0, output
    finally:
        inbox.release.set()
        controller.stop()

    assert {row.status for row in rows()} == {"sent"}
    ids = received_ids(inbox)
    assert ids[stalled] == 2
    assert all(count == 1 for message_id, count in ids.items() if message_id != stalled)
    assert sorted({recipients[0] for recipients, _ in inbox.messages}) == sorted(addresses)
