"""Every route of the app, with its URL filled in from real objects.

The access matrix, the CSRF test and the page scans walk `app.url_map`
through here. URL parameters are named after what they point at
(tests/access_table.py); `PARAMS` says how to fill each name from the objects
one user owns. A route with a parameter name missing here fails with a
message that says what to add.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from werkzeug.routing import AnyConverter, Rule

from tests.access_table import ACCESS
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Interaction,
    Lead,
    Partner,
    PlanningSession,
    Recommendation,
    Referral,
    RuleSettings,
    User,
)
from webapp.partner_report.views import EMAIL_POLICY

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Owned:
    """One object of every kind, belonging to one agent (and so to one team).

    The objects are snapshots (id and the few values URLs need), detached from
    the test's session: requests run in sessions of their own and may delete
    them, and SQLite reuses the ids of deleted rows.
    """

    owner: User
    partner: SimpleNamespace
    interaction: SimpleNamespace
    referral: SimpleNamespace
    planning_session: SimpleNamespace
    lead: SimpleNamespace
    recommendation: SimpleNamespace
    audit_event: SimpleNamespace
    rule_settings: SimpleNamespace


# How to fill a URL parameter, by its name, from the objects of one owner.
PARAMS: dict[str, Callable[[Owned], object]] = {
    "partner_id": lambda o: o.partner.id,
    "interaction_id": lambda o: o.interaction.id,
    "referral_id": lambda o: o.referral.id,
    "planning_session_id": lambda o: o.planning_session.id,
    "series": lambda o: o.planning_session.series,
    "lead_id": lambda o: o.lead.id,
    "recommendation_id": lambda o: o.recommendation.id,
    "user_id": lambda o: o.owner.id,
    "audit_event_id": lambda o: o.audit_event.id,
    "version": lambda o: o.rule_settings.version,
    "token": lambda o: o.owner.calendar_token,
    "invitation_id": lambda o: _invitation_id(o),
    "webhook_endpoint_id": lambda o: _webhook_endpoint(o).id,
    "webhook_delivery_id": lambda o: _webhook_delivery_id(o),
    "filename": lambda o: "app.css",
    "agreement_id": lambda o: _agreement_id(o),
    "rule_id": lambda o: _team_rule_id(o),
    "run_id": lambda o: _backtest_run_id(o),
}


def _agreement_id(owned: Owned) -> int:
    """A co-marketing agreement with the owner's partner."""
    from webapp.models import Agreement

    agreement = Agreement(
        team_id=owned.owner.team_id,
        partner_id=owned.partner.id,
        kind="co_marketing",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
        our_share=50,
        their_share=50,
        document="Drive: co-marketing.pdf",
    )
    db.session.add(agreement)
    db.session.commit()
    return agreement.id


def _report_unsubscribe_token(owned: Owned) -> str:
    """The signed token of the quarterly report's unsubscribe link, for the owner's partner."""
    from webapp.partner_report.links import unsubscribe_token

    return unsubscribe_token(db.session.get(Partner, owned.partner.id))


def _backtest_run_id(owned: Owned) -> int:
    """A finished backtest of the owner's team."""
    from datetime import date

    from webapp.models import BacktestRun

    run = BacktestRun(
        team_id=owned.owner.team_id,
        definition={"name": "Lenders: coffee"},
        as_of=date(2026, 12, 2),
        status="done",
        partners=1,
        partner_weeks=2,
        referred=0,
    )
    db.session.add(run)
    db.session.commit()
    return run.id


def _team_rule_id(owned: Owned) -> int:
    """One of the owner's team's own rules (rules/team.py), of an id of its own."""
    from webapp.models import TeamRule

    rule = TeamRule(
        team_id=owned.owner.team_id,
        slug=f"lender-coffee-{secrets.token_hex(4)}",
        name="Lenders: coffee",
        match="all",
        conditions=[{"fact": "profession", "op": "==", "value": "lender"}],
        action="coffee",
        priority=85,
        reason="{name} is a lender",
    )
    db.session.add(rule)
    db.session.commit()
    return rule.id


def _webhook_endpoint(owned: Owned):
    """A webhook endpoint of the owner's team (paused: nothing is sent to it)."""
    from webapp import clock
    from webapp.models import WebhookEndpoint

    endpoint = WebhookEndpoint(
        team_id=owned.owner.team_id,
        url="https://hooks.example.com/partnerplan",
        events=["interaction.logged"],
        secret="whsec_" + "A" * 32,
        paused_at=clock.utcnow(),
        paused_by="admin",
        failures_in_a_row=0,
    )
    db.session.add(endpoint)
    db.session.commit()
    return endpoint


def _webhook_delivery_id(owned: Owned) -> int:
    """A delivery, sent, to a webhook endpoint of the owner's team."""
    from webapp.models import WebhookDelivery

    delivery = WebhookDelivery(
        endpoint_id=_webhook_endpoint(owned).id,
        event_type="interaction.logged",
        event_id=f"msg_{secrets.token_hex(8)}",
        payload="{}",
        status="sent",
        attempts=1,
    )
    db.session.add(delivery)
    db.session.commit()
    return delivery.id


def _upload_token(owned: Owned) -> str:
    """A partners spreadsheet uploaded by the owner: its token is theirs alone."""
    from webapp.referrals.partner_import import keep_upload

    return keep_upload(b"name,email\nRyan McMillan,ryan@example.com\n", "partners.csv", owned.owner)


def _imported_token(owned: Owned) -> str:
    """A spreadsheet the owner has imported, one row left out: its outcome is theirs alone."""
    from webapp.referrals.partner_import import Outcome, Row, keep_outcome

    token = _upload_token(owned)
    skipped = Row(2, ["Ryan McMillan", "ryan@example"], {}, [("email", "Bad email.")])
    keep_outcome(token, ["name", "email"], Outcome(skipped=[(skipped, "Bad email.")]))
    return token


def _unsubscribe_token(owned: Owned) -> str:
    """The owner's signed morning-email unsubscribe token."""
    from webapp.morning.links import unsubscribe_token

    return unsubscribe_token(owned.owner)


def _invitation_id(owned: Owned) -> int:
    """A pending invitation of the owner's team."""
    from webapp.auth.invitations import invite
    from webapp.models import Invitation, Team

    invite(
        db.session.get(Team, owned.owner.team_id),
        f"invitee-{secrets.token_hex(4)}@example.com",
        "Ivy",
        "agent",
        None,
    )
    return db.session.scalar(sa.select(sa.func.max(Invitation.id)))


def _invitation_token(owned: Owned) -> str:
    """The token of a fresh invitation to the owner's team (no mail server: the link is ours)."""
    from webapp.auth.invitations import invite
    from webapp.models import Team

    sent = invite(
        db.session.get(Team, owned.owner.team_id),
        f"invitee-{secrets.token_hex(4)}@example.com",
        "Ivy",
        "agent",
        None,
    )
    return sent.link.rsplit("/", 1)[1]


def _reset_token(owned: Owned) -> str:
    """The token of a fresh password link for the owner."""
    from webapp.auth.resets import send_reset

    owner = db.session.get(User, owned.owner.id)  # the owner may be detached (the year test)
    return send_reset(owner, owner).link.rsplit("/", 1)[1]


def _device_id(owned: Owned) -> int:
    """A device where the owner turned notifications on."""
    from webapp.models import PushSubscription

    device = PushSubscription(
        user_id=owned.owner.id,
        team_id=owned.owner.team_id,
        endpoint=f"https://fcm.googleapis.com/fcm/send/{secrets.token_hex(8)}",
        p256dh="B" * 87,
        auth="A" * 22,
    )
    db.session.add(device)
    db.session.commit()
    return device.id


def _api_token_id(owned: Owned) -> int:
    """A personal access token of the owner's."""
    from webapp.api.tokens import issue

    owner = db.session.get(User, owned.owner.id)
    row, _ = issue(owner, "Script", "read", None, by=owner)
    db.session.commit()
    return row.id


# Parameters whose meaning depends on the route: {endpoint: {name: factory}}.
ENDPOINT_PARAMS: dict[str, dict[str, Callable[[Owned], object]]] = {
    "account.revoke_api_token": {"api_token_id": _api_token_id},
    "referrals.import_mapping": {"token": _upload_token},
    "referrals.import_preview": {"token": _upload_token},
    "referrals.import_commit": {"token": _upload_token},
    "referrals.import_done": {"token": _imported_token},
    "referrals.import_skipped": {"token": _imported_token},
    "morning.unsubscribe": {"token": _unsubscribe_token},
    "morning.unsubscribe_now": {"token": _unsubscribe_token},
    "partner_report.unsubscribe": {"token": _report_unsubscribe_token},
    "partner_report.unsubscribe_now": {"token": _report_unsubscribe_token},
    "auth.invitation": {"token": _invitation_token},
    "auth.reset": {"token": _reset_token},
    "push.remove_device": {"device_id": _device_id},
}


def make_owned(owner: User) -> Owned:
    """A partner with one of everything, owned by `owner`; committed."""
    partner = Partner(
        team_id=owner.team_id,
        owner_id=owner.id,
        name=f"Partner of {owner.name}",
        profession="lender",
        met_on=date(2026, 9, 2),
        commitment_made_on=date(2026, 9, 2),
        first_referral_by=date(2026, 10, 1),
    )
    db.session.add(partner)
    db.session.flush()
    series = f"series-{partner.id}"
    objects = dict(
        interaction=Interaction(
            partner_id=partner.id,
            user_id=owner.id,
            at=datetime(2026, 10, 1, 10, 0),
            kind="call",
            direction="inbound",
            outcome="no_response",
            sentiment="neutral",
        ),
        referral=Referral(
            partner_id=partner.id,
            user_id=owner.id,
            direction="received",
            referred_on=date(2026, 10, 2),
            client="Pat Buyer",
            status="active",
        ),
        planning_session=PlanningSession(
            partner_id=partner.id,
            user_id=owner.id,
            series=series,
            # Distinct per partner: an agent can't be in two sessions at once.
            starts_at=datetime(2026, 12, 4, 13, 0) + timedelta(minutes=30 * partner.id),
            minutes=20,
        ),
        lead=Lead(partner_id=partner.id, owner_id=owner.id, name="Lee Lead"),
        recommendation=Recommendation(
            team_id=owner.team_id,
            partner_id=partner.id,
            rule="promote",
            kind="tier_change",
            tier_from="cultivate",
            tier_to="maintain",
            reason="2 referrals received in the last 180 days",
            proposed_by_id=owner.id,
        ),
        audit_event=AuditEvent(
            team_id=owner.team_id,
            user_id=owner.id,
            partner_id=partner.id,
            kind="partner.created",
            summary="Partner created",
        ),
    )
    db.session.add_all(objects.values())
    rule_settings = db.session.scalar(
        sa.select(RuleSettings).where(RuleSettings.team_id == owner.team_id).limit(1)
    )
    if rule_settings is None:
        rule_settings = RuleSettings(team_id=owner.team_id, version=1, values={})
        db.session.add(rule_settings)
    db.session.commit()
    objects.update(partner=partner, rule_settings=rule_settings)
    snapshots = {
        name: SimpleNamespace(
            id=obj.id, series=getattr(obj, "series", None), version=getattr(obj, "version", None)
        )
        for name, obj in objects.items()
    }
    for obj in objects.values():
        db.session.expunge(obj)
    return Owned(owner=owner, **snapshots)


def rules_of(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.endpoint, rule.rule))


def rule_id(rule: Rule) -> str:
    return f"{rule.endpoint} {rule.rule}"


def url_params(rule: Rule) -> set[str]:
    """The parameters the URL itself carries (not the rule's defaults)."""
    return set(rule.arguments) - set(rule.defaults or {})


def build_url(app: Flask, rule: Rule, owned: Owned | None, **overrides) -> str:
    for name, factory in ENDPOINT_PARAMS.get(rule.endpoint, {}).items():
        overrides.setdefault(name, factory(owned))
    for name in url_params(rule) - PARAMS.keys() - overrides.keys():
        converter = rule._converters.get(name)
        if isinstance(converter, AnyConverter):  # <any(a, b):what>: the first choice
            overrides[name] = sorted(converter.items)[0]
    unknown = sorted(url_params(rule) - PARAMS.keys() - overrides.keys())
    if unknown:
        pytest.fail(
            f"route {rule.rule} ({rule.endpoint}) has URL parameter(s) {unknown} that the "
            "security tests cannot fill: name it after what it points at (tests/access_table.py) "
            "or add a factory for it to PARAMS in tests/routes.py"
        )
    values = {name: PARAMS[name](owned) for name in url_params(rule) if name not in overrides}
    values.update(overrides)
    with app.test_request_context():
        return url_for(rule.endpoint, **values, **(rule.defaults or {}))


def access_of(rule: Rule) -> str:
    access = ACCESS.get(rule.endpoint)
    if access is None:
        pytest.fail(
            f"endpoint {rule.endpoint!r} ({rule.rule}) has no entry in tests/access_table.py ACCESS"
        )
    return access


def may_reach(access: str, user: User | None, owner: User, has_object: bool) -> bool:
    """Whether `user` (None: anonymous) may reach a route of this class about `owner`'s object."""
    if access in ("public", "token"):
        return True
    if user is None:
        return False
    same_team = user.team_id == owner.team_id or not has_object
    if access == "login":
        return same_team
    if access == "partner":
        return same_team and (user.is_manager or user.id == owner.id or not has_object)
    if access == "manager":
        return same_team and user.is_manager
    if access == "admin":
        return same_team and user.is_admin
    if access == "owner":
        return user.id == owner.id
    if access == "bearer":
        return same_team and (user.is_manager or user.id == owner.id or not has_object)
    if access == "bearer-manager":
        return same_team and user.is_manager
    pytest.fail(f"unknown access class {access!r} in tests/access_table.py")


def log_in(client, user: User | None) -> None:
    """Log a test client in without the login form (and its password hashing):
    a server-side session of its own, its token in the cookie."""
    import secrets

    from webapp.models import UserSession, token_hash

    if user is None:
        return
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=token_hash(token)))
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True


def sign_in(client, user: User | None, access: str) -> dict[str, str]:
    """Sign `user` in as a route of `access` is reached: the headers to send.
    The API ("bearer") with a write token of the user's; the pages with a session."""
    if not access.startswith("bearer"):
        log_in(client, user)
        return {}
    if user is None:
        return {}
    from webapp.api.tokens import issue

    _, secret = issue(db.session.get(User, user.id), "Script", "write", None, by=None)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


# Parameters that point at an object someone owns. The others are files, tokens,
# and rule-settings versions, which are numbered within each team (version 1
# exists in every team, so it names the user's own team's version).
OBJECT_PARAMS = set(PARAMS) - {"filename", "token", "version"}


class _PageScanner(HTMLParser):
    """Finds what the CSP forbids (inline <script>, on* handlers, hx-on attributes),
    and an id used twice: a label's `for` (or aria reference) finds only the first."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        names = {name.lower() for name, _ in attrs}
        for name, value in attrs:
            if name.lower() == "id" and value in self.ids:
                self.problems.append(f'id="{value}" used twice (on <{tag}>)')
            elif name.lower() == "id":
                self.ids.add(value)
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script> (no src)")
        for name in names:
            if name.startswith("on"):
                self.problems.append(f"inline event handler {name}= on <{tag}>")
            if name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"{name} attribute on <{tag}> (needs eval)")


def page_problems(response) -> list[str]:
    """What is wrong with an HTML response's headers and markup, security-wise."""
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    # The one page with a policy of its own: an email as its recipient reads it, in
    # the report preview's sandboxed frame. No script at all, inline styles only
    # (an email's), framed by this site alone.
    email_frame = csp == EMAIL_POLICY
    if not email_frame and (
        "script-src 'self'" not in csp or "unsafe-inline" in csp or "unsafe-eval" in csp
    ):
        problems.append(f"CSP missing or lax: {csp!r}")
    frame = "SAMEORIGIN" if email_frame else "DENY"
    for header, value in (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", frame)):
        if response.headers.get(header) != value:
            problems.append(f"{header} is {response.headers.get(header)!r}")
    if response.mimetype == "text/html":
        scanner = _PageScanner()
        scanner.feed(response.get_data(as_text=True))
        problems += scanner.problems
    return problems


def fetch(app: Flask, client, url: str, method: str = "GET", **kwargs):
    """One request in its own app context, as in production.

    The `app` fixture keeps an app context pushed, and a request inside it
    shares its `g` (where Flask-Login caches the current user) and its
    database session with every other request of the test.
    """
    with app.app_context():
        return client.open(url, method=method, **kwargs)
