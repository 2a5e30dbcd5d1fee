"""The outbox: every email PartnerPlan sends is stored here first, then sent by a job.

- `automated_message(name, address, subject)` starts a message PartnerPlan
  sends by itself to one person (a link, the morning email).
- `enqueue(message, key=None)` stores the message and commits, then asks a
  worker to send it at once (the `deliver` task). A `key` (e.g.
  `morning:<user id>:<day>`) makes it once-only: enqueueing it again is a
  no-op that returns False.
- `send_queued()` is the sender, callable synchronously (`flask jobs
  run-due` does); the worker runs it after each enqueue and on every tick.
- Each message is claimed before it is sent (a conditional update, so two
  senders never both take it) and marked sent right after: it can go out
  twice only if the process dies between the two.
- A sending pass opens one connection and sends every due message over it.
  Only one worker runs a pass at a time (the `outbox` task lock); others
  give up at once instead of waiting on the same server.
- While the mail server is down or answers "try later", a message waits and
  is tried again, 1, 2, 4... minutes later (at most an hour apart), and is
  never dropped. A pass stops at the first connection-level error: the rest
  wait as long as the message tried, with no attempt counted against them.
  One the server refuses for good (a 5xx answer) is failed, and so is one
  that cannot be sent at all (an error that is not the server's).
- Without MAIL_SERVER nothing is sent: mail waits until it is set.
- A message whose key names it as worthless late (`EXPIRES`: the morning
  email, 12 hours) is marked `expired` instead of being sent after that.
"""

from __future__ import annotations

import email
import smtplib
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

import sqlalchemy as sa
from flask import current_app

from . import clock
from .extensions import db, insert_if_new
from .jobs import claims
from .jobs.queue import huey, in_app_context
from .models import OutboxEmail

RETRY_FIRST = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)
# How long a sender may take over one message before another takes it again.
SENDING_LEASE = timedelta(minutes=10)
# Messages that are worthless late, by key prefix: how long after being stored
# they may still go. Past that they are marked `expired` instead of sent (a
# morning email that arrives the next day, or a week's worth at once after an
# outage, tells the user nothing true).
EXPIRES = {"morning:": timedelta(hours=12)}


def mail_configured() -> bool:
    """Whether mail can go out at all (MAIL_SERVER is set): without it, what would
    wait here for weeks is better not stored (links are shown instead, morning
    emails skipped)."""
    return bool(current_app.config.get("MAIL_SERVER"))


def automated_message(name: str, address: str, subject: str) -> EmailMessage:
    """A message PartnerPlan sends by itself to one person (`name` <`address`>), from
    MAIL_SENDER; its content is the caller's."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_SENDER"]
    # A name is one line (a stray line break would be refused in a header).
    message["To"] = formataddr((" ".join(name.split()), address))
    # Sent by a machine: out-of-office replies should not answer it (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    return message


def enqueue(message: EmailMessage, key: str | None = None) -> bool:
    """Store `message` to be sent; False (nothing stored) when `key` is already in the outbox.

    Commits the session. The message gets a Message-ID and a Date now, so a
    retry sends exactly the same message.
    """
    if message["Message-ID"] is None:
        message["Message-ID"] = make_msgid(domain="partnerplan")
    if message["Date"] is None:
        message["Date"] = format_datetime(clock.utcnow().replace(tzinfo=UTC))
    now = clock.utcnow()
    stored = insert_if_new(
        OutboxEmail,
        key=key,
        recipient=str(message["To"] or "")[:1000],
        subject=str(message["Subject"] or "")[:500],
        message=message.as_bytes(policy=policy.SMTP),
        status="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.commit()
    if stored:
        try:
            deliver()
        except Exception:  # the queue is unreachable: the tick will send it
            current_app.logger.warning("outbox: could not ask a worker to send", exc_info=True)
    return stored


def find(key: str) -> OutboxEmail | None:
    """The outbox row of `key`, to tell the user what became of the message."""
    return db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.key == key))


def send_queued() -> int:
    """Send every message that is due, oldest first, over one connection; returns how
    many were sent.

    The connection is opened for the first due message and kept for the pass. When
    the server cannot be reached or drops the connection (an OSError, a timeout, an
    SMTP error while connecting or signing in), the pass stops there: that message
    is retried later (the attempt counts against it), and every other due message
    waits until the same time without an attempt counted, since none was made.
    A message that fails for any other reason (one we could not even parse) is
    failed with the error, and the pass goes on with the next.
    """
    if not mail_configured():
        return 0
    _expire(clock.utcnow())
    sent = 0
    smtp: smtplib.SMTP | None = None
    try:
        while (claimed := _claim_next()) is not None:
            message_id, raw, attempts = claimed
            try:
                if smtp is None:
                    smtp = _connect()
                _send(smtp, raw)
            except OSError as error:  # smtplib's errors are OSErrors too
                if _connection_lost(error):
                    current_app.logger.warning("outbox: mail server unreachable: %s", error)
                    _wait_until(_retry(message_id, attempts, error))
                    break
                # about this message alone: the connection stays
                current_app.logger.warning("outbox: message %s not sent: %s", message_id, error)
                _not_sent(message_id, attempts, error)
            except Exception as error:  # a message we cannot send at all: fail it, go on
                current_app.logger.exception("outbox: message %s failed", message_id)
                _set(message_id, status="failed", last_error=f"{type(error).__name__}: {error}")
                _reset(smtp)
            else:
                _set(message_id, status="sent", sent_at=clock.utcnow(), last_error=None)
                sent += 1
    finally:
        if smtp is not None:
            _close(smtp)
    return sent


@huey.task()
@huey.lock_task("outbox")  # one sender at a time: others return at once
@in_app_context
def deliver() -> None:
    """A worker's run of the sender (after an enqueue, and on every tick)."""
    send_queued()


def _expire(now: datetime) -> None:
    """Mark `expired` the due messages that are too old to be worth sending."""
    for prefix, lifetime in EXPIRES.items():
        db.session.execute(
            sa.update(OutboxEmail)
            .where(
                _due(now),
                OutboxEmail.key.startswith(prefix, autoescape=True),
                OutboxEmail.created_at <= now - lifetime,
            )
            .values(status="expired", last_error="expired: not sent in time")
        )
    db.session.commit()


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return claims.due(OutboxEmail, now)


def _claim_next() -> tuple[int, bytes, int] | None:
    """Take the oldest due message for this sender: (id, bytes, attempts so far)."""
    message_id = claims.claim_next(OutboxEmail, SENDING_LEASE)
    if message_id is None:
        return None
    row = db.session.execute(
        sa.select(OutboxEmail.message, OutboxEmail.attempts).where(OutboxEmail.id == message_id)
    ).one()
    return message_id, row.message, row.attempts


def _connection_lost(error: OSError) -> bool:
    """The server is down or the connection broke: nothing more can go in this pass.
    A socket error (refused, unreachable, timed out) or an SMTP error about the
    connection rather than one message."""
    if not isinstance(error, smtplib.SMTPException):
        return True
    if isinstance(error, smtplib.SMTPResponseException) and error.smtp_code == 421:
        return True  # "closing the connection"
    return isinstance(
        error,
        smtplib.SMTPServerDisconnected
        | smtplib.SMTPConnectError
        | smtplib.SMTPHeloError
        | smtplib.SMTPAuthenticationError
        | smtplib.SMTPNotSupportedError,
    )


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except BaseException:
        _close(smtp)
        raise
    return smtp


def _send(smtp: smtplib.SMTP, raw: bytes) -> None:
    smtp.send_message(email.message_from_bytes(raw, policy=policy.default))


def _reset(smtp: smtplib.SMTP | None) -> None:
    """After a message failed half-way, start the next one from a clean state."""
    if smtp is not None:
        try:
            smtp.rset()
        except (OSError, smtplib.SMTPException):
            pass  # the next send will find out


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _wait_until(retry_at: datetime) -> None:
    """Every other due message waits for the next pass, with no attempt counted."""
    now = clock.utcnow()
    db.session.execute(
        sa.update(OutboxEmail)
        .where(OutboxEmail.status == "queued", OutboxEmail.next_attempt_at <= now)
        .values(next_attempt_at=retry_at)
    )
    db.session.commit()


def _refused_for_good(error: Exception) -> bool:
    """A 5xx answer about the message itself; a bad login is ours to fix, so it waits."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return (
        isinstance(error, smtplib.SMTPResponseException)
        and not isinstance(error, smtplib.SMTPAuthenticationError)
        and error.smtp_code >= 500
    )


def _not_sent(message_id: int, attempts: int, error: Exception) -> None:
    if _refused_for_good(error):
        _set(message_id, status="failed", last_error=f"{type(error).__name__}: {error}")
    else:
        _retry(message_id, attempts, error)


def _retry(message_id: int, attempts: int, error: Exception) -> datetime:
    """Put the message back, to be tried again later: the time of its next try."""
    retry_at = clock.utcnow() + min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_MAX)
    text = f"{type(error).__name__}: {error}"
    _set(message_id, status="queued", next_attempt_at=retry_at, last_error=text)
    return retry_at


def _set(message_id: int, **values) -> None:
    db.session.execute(sa.update(OutboxEmail).where(OutboxEmail.id == message_id).values(**values))
    db.session.commit()
