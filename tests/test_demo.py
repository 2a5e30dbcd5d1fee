"""The demo team: loaded from its book file, dated so that its story happens today."""

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from rules.vocabulary import LIVE_CONTACT_KINDS
from webapp.demo import ANCHOR, DEMO_BOOK, DEMO_PASSWORD, shift_personal_date
from webapp.demo.generate import CRAFTED, QUIET, demo_book
from webapp.models import Interaction, Partner, PlanningSession, Referral, Team, User

TODAY = date(2026, 11, 22)
LOGINS = ("agent@demo.partnerplan.test", "manager@demo.partnerplan.test",
          "admin@demo.partnerplan.test")  # fmt: skip
CATALOGUE = {
    "thank_you", "personal_date", "keep_warm", "coffee", "return_call", "commitment_due",
    "plan_partnership", "capture_details", "promote", "cool_down", "disengage", "co_market",
}  # fmt: skip


@pytest.fixture
def demo(app, runner):
    demo_book()  # fills CRAFTED and QUIET, which the tests read, whatever runs first
    assert CRAFTED and QUIET
    app.config["PARTNERPLAN_NOW"] = TODAY.isoformat()
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_load_prints_the_logins_and_they_work(demo, client, auth):
    for email in LOGINS:
        assert email in demo
        assert auth.login(email, DEMO_PASSWORD).headers["Location"] == "/today"
        auth.logout()
    assert "partnerplan-demo" in demo


def test_demo_team_is_a_realistic_book(demo, db):
    team = db.session.scalar(sa.select(Team).where(Team.name == "Demo Realty"))
    roles = db.session.scalars(sa.select(User.role).where(User.team_id == team.id)).all()
    assert sorted(roles) == ["admin", "agent", "agent", "agent", "manager"]
    partners = db.session.scalars(sa.select(Partner)).all()
    assert 55 <= len(partners) <= 65
    assert {partner.tier for partner in partners} == {"maintain", "cultivate", "cease"}
    assert len({partner.profession for partner in partners}) >= 10
    assert any(partner.do_not_contact for partner in partners)
    first = db.session.scalar(sa.select(sa.func.min(Interaction.at)))
    assert (TODAY - first.date()).days >= 180  # half a year of history


def test_load_if_empty_leaves_an_existing_team_alone(demo, runner, db):
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0 and "not loaded" in result.output
    assert "agent@demo.partnerplan.test" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Team)) == 1
    assert runner.invoke(args=["demo", "load"]).exit_code == 1  # no second copy


def test_the_book_file_is_what_the_generator_writes():
    assert json.loads(DEMO_BOOK.read_text()) == demo_book()


@pytest.mark.parametrize(
    ("value", "days", "expected"),
    [("1975-06-18", 160, "1975-11-25"), ("06-18", 160, "11-25"), ("06-14", -106, "02-28"),
     ("1992-06-14", -106, "1992-02-28"), ("2001-12-31", 1, "2001-01-01")],
)  # fmt: skip
def test_birthdays_move_by_month_and_day_and_keep_their_year(value, days, expected):
    assert shift_personal_date(value, days) == expected


# --- every rule of the catalogue fires for the demo agent ---------------------------------
# An independent reading of DOMAIN.md's catalogue, used to check the crafted partners.


def in_last(day: date, days: int, today: date = TODAY) -> bool:
    return 0 <= (today - day).days <= days - 1


def anniversary_soon(value: str | None, today: date = TODAY) -> bool:
    if not value:
        return False
    month, day = int(value[-5:-3]), int(value[-2:])
    for ahead in range(8):
        when = today + timedelta(days=ahead)
        leap = when.year % 4 == 0 and (when.year % 100 != 0 or when.year % 400 == 0)
        if (month, day) == (when.month, when.day) or (
            (month, day) == (2, 29) and not leap and (when.month, when.day) == (2, 28)
        ):
            return True
    return False


def rules_that_fire(partner: Partner, db, today: date = TODAY) -> set[str]:
    if partner.do_not_contact or partner.tier == "cease":
        return set()
    ints = [i for i in db.session.scalars(sa.select(Interaction).where(
        Interaction.partner_id == partner.id)) if i.at.date() <= today]  # fmt: skip
    refs = [r for r in db.session.scalars(sa.select(Referral).where(
        Referral.partner_id == partner.id)) if r.referred_on <= today]  # fmt: skip
    sessions = db.session.scalars(
        sa.select(PlanningSession).where(PlanningSession.partner_id == partner.id)
    ).all()
    live = [i.at.date() for i in ints if i.kind in LIVE_CONTACT_KINDS and i.outcome == "connected"]
    live += [s.starts_at.date() for s in sessions if s.status == "held"]
    received = [r for r in refs if r.direction == "received"]
    sent = [r for r in refs if r.direction == "sent"]

    anchors = [i.at for i in ints if i.direction == "inbound" or i.outcome == "connected"]
    attempts = [
        i for i in ints
        if i.direction == "outbound" and i.outcome == "no_response"
        and (not anchors or i.at > max(anchors))
    ]  # fmt: skip
    if (
        any(i.disrespectful and in_last(i.at.date(), 365) for i in ints)
        or (len(attempts) >= 4 and (today - min(a.at for a in attempts).date()).days >= 60)
        or (
            sum(in_last(r.referred_on, 365) for r in sent) >= 3
            and not any(in_last(r.referred_on, 365) for r in received)
        )
    ):
        return {"disengage"}

    fired = set()
    maintain, cultivate = partner.tier == "maintain", partner.tier == "cultivate"
    met = partner.met_on or partner.created_at.date()
    if any(
        not any(i.kind in ("thank_you", "gift") and i.at.date() >= r.referred_on for i in ints)
        for r in received
    ):
        fired.add("thank_you")
    if maintain and (anniversary_soon(partner.birthday) or anniversary_soon(partner.anniversary)):
        fired.add("personal_date")
    if maintain and not any(in_last(day, 30) for day in live):
        fired.add("keep_warm")
    if cultivate and (today - met).days >= 21 and not any(in_last(day, 21) for day in live):
        fired.add("coffee")
    for call in ints:
        missed = call.kind == "voicemail" or (call.kind == "call" and call.outcome == "no_response")
        if (
            call.direction == "inbound"
            and missed
            and not any(i.direction == "outbound" and i.at > call.at for i in ints)
        ):
            fired.add("return_call")
    made, due = partner.commitment_made_on, partner.first_referral_by
    if due and made and due < today and not any(r.referred_on >= made for r in received):
        fired.add("commitment_due")
    if made and not any(s.status == "booked" and s.starts_at.date() >= today for s in sessions):
        fired.add("plan_partnership")
    if (today - met).days in (0, 1) and not partner.has_personal_details:
        fired.add("capture_details")
    recent = [r for r in received if in_last(r.referred_on, 180)]
    if cultivate and len(recent) >= 2 and any(in_last(day, 30) for day in live):
        fired.add("promote")
    if maintain and not recent:
        fired.add("cool_down")
    if maintain and not any(i.kind == "co_marketing" and in_last(i.at.date(), 90) for i in ints):
        fired.add("co_market")
    return fired


def demo_agent_partners(db) -> dict[str, Partner]:
    agent = db.session.scalar(sa.select(User).where(User.email == LOGINS[0]))
    partners = db.session.scalars(sa.select(Partner).where(Partner.owner_id == agent.id))
    return {partner.name: partner for partner in partners}


def test_each_crafted_partner_triggers_its_rule_today(demo, db):
    partners = demo_agent_partners(db)
    for rule, name in CRAFTED.items():
        assert rules_that_fire(partners[name], db) == {rule.split(":")[0]}, (rule, name)
    for name in QUIET:
        assert rules_that_fire(partners[name], db) == set(), name
    fired = set().union(*(rules_that_fire(partner, db) for partner in partners.values()))
    assert fired == CATALOGUE


def test_dates_are_moved_so_that_the_anchor_is_today(demo, db):
    partners = demo_agent_partners(db)
    assert partners[CRAFTED["capture_details"]].met_on == TODAY - timedelta(days=1)
    tom = partners[CRAFTED["personal_date"]]
    assert tom.birthday == f"1975-{TODAY + timedelta(days=3):%m-%d}"
    assert ANCHOR != TODAY


def test_the_rules_engine_recommends_every_rule_for_the_demo_agent(demo, runner, db):
    """The real engine, not the reading above: the CLI's JSON as of the demo's today."""
    result = runner.invoke(args=["recommendations", "--as-of", TODAY.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    recommendations = json.loads(result.output)["recommendations"]
    mine = set(demo_agent_partners(db))
    by_partner: dict[str, set[str]] = {}
    for item in recommendations:
        by_partner.setdefault(item["partner_name"], set()).add(item["rule"])
    assert set().union(*(rules for name, rules in by_partner.items() if name in mine)) == CATALOGUE
    for rule, name in CRAFTED.items():
        assert rule.split(":")[0] in by_partner.get(name, set()), (rule, name)
    for name in QUIET:
        assert name not in by_partner, name


def test_today_shows_the_demo_agent_every_rule(demo, client, auth):
    from rules.catalogue import RULES_BY_ID

    auth.login(LOGINS[0], DEMO_PASSWORD)
    page = client.get("/today?all=1").get_data(as_text=True)
    for rule in sorted(CATALOGUE):
        assert RULES_BY_ID[rule].title in page, rule
