"""The outbox: every email stored first, sent once, kept while the mail server is down.

Sent against a real SMTP server on loopback (aiosmtpd), as the planning
invitation tests do. Huey runs in immediate mode: `enqueue` sends at once.
"""

import smtplib
import threading
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from tests.mailbox import Inbox, free_port
from webapp import clock, outbox
from webapp.extensions import db as _db
from webapp.jobs.queue import huey
from webapp.models import OutboxEmail

NOW = datetime(2027, 3, 15, 12, 0)


def message(to: str = "sam@harbor.example", subject: str = "Your morning") -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "partnerplan@harbor.example", to, subject
    mail.set_content("Three partners to call today.")
    return mail


def at(app, moment: datetime) -> None:
    app.config["PARTNERPLAN_NOW"] = moment.isoformat()


def rows(db) -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)))


class Refusing(Inbox):
    async def handle_DATA(self, server, session, envelope):
        return "550 No such mailbox"


@pytest.fixture
def mail_port(app):
    """A port for the mail server, configured, with nothing listening yet."""
    at(app, NOW)
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    return port


@pytest.fixture
def start_smtp(mail_port):
    """Start a local SMTP server on the configured port: `start_smtp(handler=Inbox())`."""
    controllers = []

    def start(handler=None):
        handler = handler or Inbox()
        controller = Controller(handler, hostname="127.0.0.1", port=mail_port)
        controller.start()
        controllers.append(controller)
        return handler

    yield start
    for controller in controllers:
        controller.stop()


def test_enqueue_stores_then_sends_and_marks_sent(app, db, start_smtp):
    inbox = start_smtp()
    assert outbox.enqueue(message()) is True
    [(recipients, received)] = inbox.messages
    assert recipients == ["sam@harbor.example"]
    assert received["Subject"] == "Your morning" and received["Message-ID"]
    [row] = rows(db)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, clock.utcnow())
    assert row.recipient == "sam@harbor.example"
    assert b"Three partners to call today." in row.message


def test_the_same_key_twice_is_enqueued_and_sent_once(app, db, start_smtp):
    inbox = start_smtp()
    assert outbox.enqueue(message(), key="morning:3:2027-03-15") is True
    assert outbox.enqueue(message(), key="morning:3:2027-03-15") is False
    assert len(rows(db)) == 1
    assert len(inbox.messages) == 1


def test_while_the_server_is_down_mail_waits_with_backoff_then_goes_once(
    app, db, mail_port, start_smtp
):
    assert outbox.enqueue(message()) is True  # nothing listens: the attempt fails
    [row] = rows(db)
    assert (row.status, row.attempts) == ("queued", 1)
    assert "Connection refused" in row.last_error or "Errno" in row.last_error
    assert row.next_attempt_at == NOW + timedelta(minutes=1)

    assert outbox.send_queued() == 0  # not before its time: no new attempt
    assert rows(db)[0].attempts == 1
    at(app, NOW + timedelta(minutes=1))
    assert outbox.send_queued() == 0  # still down: the wait doubles
    assert rows(db)[0].next_attempt_at == NOW + timedelta(minutes=1 + 2)

    inbox = start_smtp()
    at(app, NOW + timedelta(minutes=3))
    assert outbox.send_queued() == 1
    assert outbox.send_queued() == 0
    assert len(inbox.messages) == 1
    [row] = rows(db)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 3, clock.utcnow())


def test_a_message_refused_for_good_is_failed_and_not_retried(app, db, start_smtp):
    start_smtp(Refusing())
    outbox.enqueue(message(to="nobody@harbor.example"))
    [row] = rows(db)
    assert row.status == "failed" and "550" in row.last_error, row.last_error
    at(app, NOW + timedelta(days=1))
    assert outbox.send_queued() == 0
    assert rows(db)[0].attempts == 1


def test_a_message_left_sending_by_a_dead_sender_is_sent_after_its_lease(app, db, start_smtp):
    inbox = start_smtp()
    outbox_row = OutboxEmail(
        recipient="sam@harbor.example", subject="Your morning", message=message().as_bytes(),
        status="sending", attempts=1, next_attempt_at=NOW + outbox.SENDING_LEASE,
    )  # fmt: skip
    db.session.add(outbox_row)
    db.session.commit()
    assert outbox.send_queued() == 0  # its sender may still be at it
    at(app, NOW + outbox.SENDING_LEASE)
    assert outbox.send_queued() == 1
    assert len(inbox.messages) == 1 and rows(db)[0].status == "sent"


def test_without_a_mail_server_mail_waits(app, db):
    at(app, NOW)
    outbox.enqueue(message())
    assert outbox.send_queued() == 0
    assert [(row.status, row.attempts) for row in rows(db)] == [("queued", 0)]


def test_run_due_sends_the_outbox_to_completion(app, db, team, mail_port, start_smtp, runner):
    outbox.enqueue(message())  # server down: waits a minute
    inbox = start_smtp()
    at(app, NOW + timedelta(minutes=5))
    result = runner.invoke(args=["jobs", "run-due", "--at", "2027-03-15T01:00"])
    assert result.exit_code == 0, result.output
    assert result.output == "outbox: 1 email sent\n"
    assert len(inbox.messages) == 1
    assert runner.invoke(args=["jobs", "run-due", "--at", "2027-03-15T01:00"]).output == ""


def test_two_senders_at_once_send_each_message_once(shared_app):
    shared_app.config["PARTNERPLAN_NOW"] = NOW.isoformat()
    for number in range(6):  # no MAIL_SERVER yet: they wait in the outbox
        outbox.enqueue(message(subject=f"Morning {number}"))
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    shared_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    start, sent = threading.Barrier(2), []

    def sender():
        with shared_app.app_context():
            start.wait()
            sent.append(outbox.send_queued())

    try:
        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        controller.stop()
    assert sum(sent) == 6
    subjects = sorted(received["Subject"] for _, received in inbox.messages)
    assert subjects == [f"Morning {number}" for number in range(6)]
    assert {row.status for row in rows(_db)} == {"sent"}


@pytest.fixture
def connections(monkeypatch):
    """Count the SMTP connections the sender opens."""
    opened = []

    class Counting(smtplib.SMTP):
        def __init__(self, *args, **kwargs):
            opened.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(smtplib, "SMTP", Counting)
    return opened


def waiting(app, count: int) -> None:
    """`count` messages enqueued while no mail server was set: all due."""
    server = app.config.pop("MAIL_SERVER")
    for number in range(count):
        outbox.enqueue(message(subject=f"Morning {number}"))
    app.config["MAIL_SERVER"] = server


def test_a_pass_sends_every_due_message_over_one_connection(app, db, start_smtp, connections):
    inbox = start_smtp()
    waiting(app, 3)
    assert outbox.send_queued() == 3
    assert len(connections) == 1
    assert len(inbox.messages) == 3 and {row.status for row in rows(db)} == {"sent"}


def test_a_pass_stops_at_the_first_connection_error_and_the_rest_wait(
    app, db, mail_port, connections
):
    waiting(app, 3)  # nothing listens on the port
    assert outbox.send_queued() == 0
    assert len(connections) == 1  # one try at the server, not one per message
    first, *rest = rows(db)
    assert (first.status, first.attempts) == ("queued", 1) and first.last_error
    # The others were not tried: no attempt counted, and they wait as long as the first.
    assert [(row.status, row.attempts) for row in rest] == [("queued", 0)] * 2
    assert {row.next_attempt_at for row in rows(db)} == {NOW + timedelta(minutes=1)}
    assert outbox.send_queued() == 0 and len(connections) == 1  # not before their time


def test_a_message_that_cannot_be_sent_at_all_fails_and_the_pass_goes_on(app, db, start_smtp):
    inbox = start_smtp()
    waiting(app, 0)
    broken = message(subject="Broken")
    broken["Resent-Date"], broken["Resent-Date"] = "Mon, 15 Mar 2027", "Tue, 16 Mar 2027"
    app.config.pop("MAIL_SERVER")
    outbox.enqueue(broken)  # smtplib refuses two Resent- blocks with a ValueError
    outbox.enqueue(message(subject="Fine"))
    app.config["MAIL_SERVER"] = "127.0.0.1"
    assert outbox.send_queued() == 1
    bad, good = rows(db)
    assert bad.status == "failed" and bad.last_error.startswith("ValueError")
    assert good.status == "sent"
    assert [received["Subject"] for _, received in inbox.messages] == ["Fine"]
    at(app, NOW + timedelta(hours=1))
    assert outbox.send_queued() == 0  # not tried again


def test_one_sender_task_at_a_time(app, db, start_smtp):
    inbox = start_smtp()
    waiting(app, 1)
    with huey.lock_task("outbox"):  # another worker is sending
        outbox.deliver()
    assert inbox.messages == [] and rows(db)[0].status == "queued"
    outbox.deliver()
    assert len(inbox.messages) == 1


def test_a_morning_email_not_sent_within_12_hours_expires(app, db, start_smtp):
    inbox = start_smtp()
    server = app.config.pop("MAIL_SERVER")  # a long outage: nothing goes
    outbox.enqueue(message(subject="Monday's morning"), key="morning:3:2027-03-15")
    at(app, NOW + timedelta(hours=6))
    outbox.enqueue(message(subject="Later morning"), key="morning:4:2027-03-15")
    outbox.enqueue(message(subject="Invitation"), key="invitation:9")
    app.config["MAIL_SERVER"] = server
    at(app, NOW + timedelta(hours=12))
    assert outbox.send_queued() == 2
    assert sorted(received["Subject"] for _, received in inbox.messages) == [
        "Invitation",
        "Later morning",
    ]
    assert [row.status for row in rows(db)] == ["expired", "sent", "sent"]
