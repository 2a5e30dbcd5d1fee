"""Keep-in-touch cadences: raised at the ideal, overdue at the maximum, reset by
any live contact, the partner's own winning over the team's; at their edges."""

import json
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from rules import durable_engine, interpreter
from rules.cadence import parse_every
from rules.engine import recommend
from rules.facts import PartnerRecord, Touch, partner_facts
from rules.settings import DEFAULTS
from tests.helpers import audited_changes, make_partner
from webapp.models import Interaction, Recommendation, RuleSettings
from webapp.recommendations.lifecycle import refresh_partners

LENDERS_IN_MAINTAIN = {"maintain/lender": (14, 28)}


def live_on(day: date, hour: int = 10) -> Touch:
    return Touch(datetime.combine(day, time(hour)), "coffee", "outbound", "connected")


def cadence_recs(record, touches, as_of, cadences=None, engine="python") -> dict:
    facts = partner_facts(record, touches, [], [], as_of, cadences=cadences)
    found = {r.rule: r for r in recommend(facts, as_of, None, engine)}
    return {rule: found[rule] for rule in ("keep_warm", "coffee") if rule in found}


@pytest.fixture(params=["python", "durable"])
def engine(request):
    return request.param


LENDER = PartnerRecord(id=1, tier="maintain", profession="lender", met_on=date(2025, 1, 1))
CONTACT = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("days_after", "raised", "overdue"),
    [(13, False, False), (14, True, False), (15, True, False), (27, True, False)]
    + [(28, True, True), (29, True, True)],
)
def test_the_day_before_at_and_after_the_ideal_and_the_maximum(engine, days_after, raised, overdue):
    as_of = CONTACT + timedelta(days=days_after)
    recs = cadence_recs(LENDER, [live_on(CONTACT)], as_of, LENDERS_IN_MAINTAIN, engine)
    assert ("keep_warm" in recs) is raised
    if raised:
        assert recs["keep_warm"].overdue is overdue


def test_any_live_contact_resets_the_cadence(engine):
    as_of = CONTACT + timedelta(days=20)
    touches = [live_on(CONTACT)]
    assert "keep_warm" in cadence_recs(LENDER, touches, as_of, LENDERS_IN_MAINTAIN, engine)
    call = Touch(datetime.combine(as_of, time(9)), "call", "outbound", "connected")
    assert cadence_recs(LENDER, [*touches, call], as_of, LENDERS_IN_MAINTAIN, engine) == {}
    missed = Touch(datetime.combine(as_of, time(9)), "call", "outbound", "no_response")
    assert "keep_warm" in cadence_recs(LENDER, [*touches, missed], as_of, LENDERS_IN_MAINTAIN)


def test_the_partners_own_cadence_wins_over_the_teams(engine):
    own = PartnerRecord(
        id=1, tier="maintain", profession="lender", met_on=date(2025, 1, 1), cadence_days=21
    )
    touches = [live_on(CONTACT)]
    assert cadence_recs(own, touches, CONTACT + timedelta(days=20), LENDERS_IN_MAINTAIN) == {}
    recs = cadence_recs(own, touches, CONTACT + timedelta(days=21), LENDERS_IN_MAINTAIN, engine)
    assert not recs["keep_warm"].overdue
    # Its maximum, when not given, is twice its ideal.
    late = cadence_recs(own, touches, CONTACT + timedelta(days=42), LENDERS_IN_MAINTAIN, engine)
    assert late["keep_warm"].overdue


def test_the_team_cadence_for_any_profession_and_for_one(engine):
    cadences = {"cultivate/*": (10, 30), "cultivate/past_client": (60, 90)}
    met = date(2025, 1, 1)
    cpa = PartnerRecord(id=1, tier="cultivate", profession="cpa", met_on=met)
    past = PartnerRecord(id=2, tier="cultivate", profession="past_client", met_on=met)
    as_of = CONTACT + timedelta(days=30)
    assert "coffee" in cadence_recs(cpa, [live_on(CONTACT)], as_of, cadences, engine)
    assert cadence_recs(past, [live_on(CONTACT)], as_of, cadences, engine) == {}
    assert "coffee" in cadence_recs(
        past, [live_on(CONTACT)], CONTACT + timedelta(days=60), cadences
    )


def test_coffees_met_at_least_n_days_ago_stays(engine):
    """A Cultivate partner met 5 days ago, with a 3-day cadence: no coffee yet (coffee_days 21)."""
    met = CONTACT - timedelta(days=5)
    record = PartnerRecord(id=1, tier="cultivate", met_on=met, cadence_days=3)
    assert cadence_recs(record, [live_on(met)], CONTACT, None, engine) == {}
    later = met + timedelta(days=21)
    assert "coffee" in cadence_recs(record, [live_on(met)], later, None, engine)


def test_29_february(engine):
    contact = date(2028, 2, 15)
    assert cadence_recs(LENDER, [live_on(contact)], date(2028, 2, 28), LENDERS_IN_MAINTAIN) == {}
    on_29th = cadence_recs(
        LENDER, [live_on(contact)], date(2028, 2, 29), LENDERS_IN_MAINTAIN, engine
    )
    assert "keep_warm" in on_29th
    # Overdue 28 days on: 14 March, across the leap day.
    assert not cadence_recs(LENDER, [live_on(contact)], date(2028, 3, 13), LENDERS_IN_MAINTAIN)[
        "keep_warm"
    ].overdue
    assert cadence_recs(LENDER, [live_on(contact)], date(2028, 3, 14), LENDERS_IN_MAINTAIN)[
        "keep_warm"
    ].overdue


def test_across_a_year_end(engine):
    contact = date(2026, 12, 18)
    assert cadence_recs(LENDER, [live_on(contact)], date(2026, 12, 31), LENDERS_IN_MAINTAIN) == {}
    assert "keep_warm" in cadence_recs(
        LENDER, [live_on(contact)], date(2027, 1, 1), LENDERS_IN_MAINTAIN, engine
    )


def test_no_cadence_set_means_todays_thresholds_with_twice_as_much_for_overdue(engine):
    plain = PartnerRecord(id=1, tier="maintain", profession="lender", met_on=date(2025, 1, 1))
    assert cadence_recs(plain, [live_on(CONTACT)], CONTACT + timedelta(days=29)) == {}
    due = cadence_recs(plain, [live_on(CONTACT)], CONTACT + timedelta(days=30), None, engine)
    assert not due["keep_warm"].overdue
    assert cadence_recs(plain, [live_on(CONTACT)], CONTACT + timedelta(days=60))[
        "keep_warm"
    ].overdue


def test_both_engines_read_the_cadence_facts_alike():
    for days_after in range(0, 40):
        as_of = CONTACT + timedelta(days=days_after)
        for cadences in (None, LENDERS_IN_MAINTAIN):
            facts = partner_facts(LENDER, [live_on(CONTACT)], [], [], as_of, cadences=cadences)
            assert durable_engine.fired(facts, DEFAULTS) == interpreter.fired(facts, DEFAULTS)


@pytest.mark.parametrize(
    ("text", "days"),
    [("21", 21), ("21 days", 21), ("3 weeks", 21), ("every 3 weeks", 21), ("1 week", 7)]
    + [("2 months", 60), ("Every 2 Months", 60), ("fortnightly", None), ("", None)]
    + [("3 weeks ago", None), ("-3", None), ("3 years", None)],
)
def test_what_a_person_types_for_a_cadence(text, days):
    assert parse_every(text) == days


# Through the database, the refresh and the CLI.


def log_live(db, partner, at: datetime) -> None:
    db.session.add(
        Interaction(
            partner_id=partner.id, at=at, kind="call", direction="outbound", outcome="connected"
        )
    )
    db.session.commit()


def test_a_team_cadence_through_the_cli(app, db, team, runner):
    agent = team["agent"]
    lender = make_partner(agent, "Lena Lender", tier="maintain", profession="lender", key="l-1")
    cpa = make_partner(agent, "Carl CPA", tier="maintain", profession="cpa", key="c-1")
    log_live(db, lender, datetime(2026, 11, 1, 10))
    log_live(db, cpa, datetime(2026, 11, 1, 10))
    db.session.add(
        RuleSettings(
            team_id=agent.team_id,
            version=1,
            values={**DEFAULTS, "cadences": {"maintain/lender": [14, None]}},
        )
    )
    db.session.commit()

    def keep_warm(day: str) -> list[str]:
        result = runner.invoke(args=["recommendations", "--json", "--as-of", day])
        assert result.exit_code == 0, result.output
        found = json.loads(result.output)["recommendations"]
        return sorted(r["partner"] for r in found if r["rule"] == "keep_warm")

    assert keep_warm("2026-11-14") == []
    assert keep_warm("2026-11-15") == ["l-1"]
    assert keep_warm("2026-11-30") == ["l-1"]
    assert keep_warm("2026-12-01") == ["c-1", "l-1"]  # the CPA keeps keep_warm_days (30)


def test_the_cadence_falls_due_on_the_teams_day_across_a_dst_change(app, db, team, frozen):
    """New York springs forward at 2:00 on 14 March 2027: the day turns at local midnight."""
    agent = team["agent"]
    agent.team.timezone = "America/New_York"
    partner = make_partner(agent, tier="maintain", profession="lender", cadence_days=14)
    log_live(db, partner, datetime(2027, 2, 28, 23, 30))  # the team's wall time

    def open_keep_warm() -> int:
        refresh_partners(agent.team_id)
        return db.session.scalar(
            sa.select(sa.func.count()).where(
                Recommendation.partner_id == partner.id,
                Recommendation.rule == "keep_warm",
                Recommendation.status == "open",
            )
        )

    frozen("2027-03-14T04:59:00+00:00")  # 23:59 on 13 March in New York
    assert open_keep_warm() == 0
    frozen("2027-03-14T05:00:00+00:00")  # midnight, 14 March, still EST
    assert open_keep_warm() == 1
    frozen("2027-03-14T07:30:00+00:00")  # 03:30 EDT, after the jump
    assert open_keep_warm() == 1


# The partner's own cadence, on its page.


def test_the_owner_sets_the_partners_cadence_in_words(db, team, client, auth, frozen):
    agent = team["agent"]
    partner = make_partner(agent, tier="maintain", profession="lender")
    db.session.commit()
    auth.login(agent)
    before = audited_changes(db)
    response = client.post(f"/partners/{partner.id}/cadence", data={"every": "every 3 weeks"})
    assert response.status_code == 303
    db.session.refresh(partner)
    assert (partner.cadence_days, partner.cadence_max_days) == (21, 42)
    assert audited_changes(db) == before + 1
    page = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert "every 21 days, overdue after 42" in page and "this partner&#39;s own" in page
    # Blank again: the team's cadence (here the threshold) applies.
    client.post(f"/partners/{partner.id}/cadence", data={"every": "", "at_most": ""})
    db.session.refresh(partner)
    assert partner.cadence_days is None
    assert "every 30 days, overdue after 60" in client.get(f"/partners/{partner.id}").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"every": "fortnightly"}, "every", "Say how often"),
        ({"every": "0"}, "every", "Say how often"),
        ({"every": "3 weeks", "at_most": "2 weeks"}, "at_most", "cannot be sooner than every 21"),
        ({"at_most": "6 weeks"}, "at_most", "Say how often first."),
    ],
)
def test_a_bad_cadence_is_refused_beside_its_field(
    db, team, client, auth, frozen, data, field, message
):
    agent = team["agent"]
    partner = make_partner(agent, tier="maintain")
    db.session.commit()
    auth.login(agent)
    response = client.post(f"/partners/{partner.id}/cadence", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    db.session.refresh(partner)
    assert partner.cadence_days is None


def test_only_the_owner_or_a_manager_sets_a_cadence(db, team, client, auth, frozen):
    partner = make_partner(team["agent"], tier="maintain")
    db.session.commit()
    auth.login(team["other_agent"])
    assert client.post(f"/partners/{partner.id}/cadence", data={"every": "7"}).status_code == 404
    auth.logout()
    auth.login(team["manager"])
    assert client.post(f"/partners/{partner.id}/cadence", data={"every": "7"}).status_code == 303
    db.session.refresh(partner)
    assert partner.cadence_days == 7


def test_setting_a_cadence_needs_the_csrf_token(app, db, team, client, auth, frozen):
    partner = make_partner(team["agent"], tier="maintain")
    db.session.commit()
    auth.login(team["agent"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/partners/{partner.id}/cadence", data={"every": "7"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code in (400, 422)
    db.session.refresh(partner)
    assert partner.cadence_days is None
