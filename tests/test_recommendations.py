"""Recommendations through the database: refresh, the life cycle, Today, the actions, the CLI."""

import json
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.helpers import count, make_partner, make_user
from webapp.home.views import SECTION_SIZE
from webapp.models import (
    Interaction,
    Partner,
    PartnerEvaluation,
    PlanningSession,
    Recommendation,
    Referral,
)
from webapp.recommendations.lifecycle import DONE_QUIET_DAYS, mark_done, refresh_partners
from webapp.recommendations.reevaluation import reevaluate

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def frozen_today(app, monkeypatch):
    app.config["PARTNERPLAN_NOW"] = TODAY.isoformat()


def at(days_ago: int, hour: int = 10) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time()).replace(
        hour=hour
    )


def log(db, partner, days_ago, kind="coffee", direction="outbound", outcome="connected", **kw):
    db.session.add(
        Interaction(
            partner_id=partner.id,
            at=at(days_ago),
            kind=kind,
            direction=direction,
            outcome=outcome,
            **kw,
        )
    )
    db.session.commit()


def refer(db, partner, days_ago, client="J. Alvarez", direction="received"):
    db.session.add(
        Referral(
            partner_id=partner.id,
            direction=direction,
            client=client,
            referred_on=TODAY - timedelta(days=days_ago),
        )
    )
    db.session.commit()


def stored(db, partner, rule=None, status=None) -> list[Recommendation]:
    query = sa.select(Recommendation).where(Recommendation.partner_id == partner.id)
    if rule:
        query = query.where(Recommendation.rule == rule)
    if status:
        query = query.where(Recommendation.status == status)
    return list(db.session.scalars(query.order_by(Recommendation.id)))


def cli_json(runner, *args) -> list[dict]:
    result = runner.invoke(args=["recommendations", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["recommendations"]


@pytest.fixture
def partner(db, team):
    """A Cultivate partner met long ago, last seen for coffee 10 days ago."""
    partner = make_partner(team["agent"], key="p-001", met_on=date(2026, 1, 5), spouse="Alex")
    db.session.commit()
    log(db, partner, 10)
    return partner


# --- the life cycle ----------------------------------------------------------
def test_refresh_creates_once_and_keeps_while_the_rule_holds(db, team, partner):
    refer(db, partner, 1)
    summary = refresh_partners(partner.team_id)
    assert (summary.partners, summary.created) == (1, 1)
    [row] = stored(db, partner)
    assert (row.rule, row.kind, row.status, row.due) == (
        "thank_you",
        "action",
        "open",
        date(2026, 11, 21),
    )
    assert "J. Alvarez" in row.reason
    again = refresh_partners(partner.team_id)
    assert (again.created, again.kept) == (0, 1)
    assert len(stored(db, partner)) == 1


def test_logging_the_thank_you_closes_the_recommendation_by_itself(db, team, partner):
    refer(db, partner, 1)
    refresh_partners(partner.team_id)
    log(db, partner, 0, kind="thank_you", outcome=None)
    reevaluate(partner, team["agent"])  # what the log form does once the entry is in
    [row] = stored(db, partner)
    assert row.status == "closed" and row.closed_at is not None


def test_auto_close_when_a_live_contact_answers_the_coffee_rule(db, team, partner):
    log(db, partner, 40)  # an older coffee only
    db.session.execute(sa.delete(Interaction).where(Interaction.at == at(10)))
    db.session.commit()
    refresh_partners(partner.team_id)
    assert stored(db, partner, "coffee", "open")
    log(db, partner, 0, kind="call")
    reevaluate(partner, team["agent"])
    assert not stored(db, partner, "coffee", "open")
    assert stored(db, partner, "coffee", "closed")


def test_a_dismissed_recommendation_stays_quiet_until_its_facts_change(
    db, team, partner, client, auth
):
    refer(db, partner, 1, client="First")
    refresh_partners(partner.team_id)
    [row] = stored(db, partner)
    auth.login(team["agent"])
    response = client.post(
        f"/recommendations/{row.id}/dismiss", data={"reason": "Thanked in person"}
    )
    assert response.status_code == 303
    assert row.status == "dismissed" and row.decision_reason == "Thanked in person"
    for day in range(3):  # days pass, nothing new happens: quiet
        refresh_partners(partner.team_id, as_of=TODAY + timedelta(days=day))
        assert [r.status for r in stored(db, partner)] == ["dismissed"]
    refer(db, partner, 0, client="Second")  # a new referral: the facts changed
    refresh_partners(partner.team_id)
    assert [r.status for r in stored(db, partner, "thank_you")] == ["dismissed", "open"]


def test_a_snoozed_recommendation_comes_back_on_its_day(db, team, partner, client, auth):
    refer(db, partner, 1)
    refresh_partners(partner.team_id)
    [row] = stored(db, partner)
    auth.login(team["agent"])
    response = client.post(
        f"/recommendations/{row.id}/snooze",
        data={"until": "tomorrow"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert b'id="today-count"' in response.data and b'hx-swap-oob="true"' in response.data
    assert (row.status, row.snoozed_until) == ("snoozed", TODAY + timedelta(days=1))
    assert "J. Alvarez" not in client.get("/today").get_data(as_text=True)
    refresh_partners(partner.team_id, as_of=TODAY + timedelta(days=1))
    assert row.status == "open" and row.snoozed_until is None


def test_a_snooze_needs_a_choice(db, team, partner, client, auth):
    refer(db, partner, 1)
    refresh_partners(partner.team_id)
    [row] = stored(db, partner)
    auth.login(team["agent"])
    response = client.post(f"/recommendations/{row.id}/snooze", data={"until": "someday"})
    assert response.status_code == 422
    assert row.status == "open"


def test_done_keeps_the_same_facts_quiet(db, team, partner):
    refer(db, partner, 1)
    refresh_partners(partner.team_id)
    [row] = stored(db, partner)
    assert mark_done(row.id, team["agent"]).status == "done"
    refresh_partners(partner.team_id)
    assert [r.status for r in stored(db, partner)] == ["done"]
    assert mark_done(row.id, team["other_agent"]) is None  # not theirs to see


def test_done_with_unchanged_facts_comes_back_a_week_later(app, db, team, partner):
    refer(db, partner, 1)
    refresh_partners(partner.team_id)
    [row] = stored(db, partner)
    mark_done(row.id, team["agent"])  # marked done at 09:00 on TODAY, nothing logged
    for days in range(DONE_QUIET_DAYS):
        refresh_partners(partner.team_id, as_of=TODAY + timedelta(days=days))
        assert [r.status for r in stored(db, partner)] == ["done"], days
    refresh_partners(partner.team_id, as_of=TODAY + timedelta(days=DONE_QUIET_DAYS))
    assert [r.status for r in stored(db, partner)] == ["done", "open"]


def test_the_next_days_refresh_keeps_reasons_that_change_every_day(db, team, partner, client, auth):
    """Reasons say "N days ago": each day rewrites every live recommendation at once."""
    refer(db, partner, 1, client="First")
    other = make_partner(team["agent"], name="Second Partner", met_on=date(2025, 3, 1))
    refer(db, other, 2, client="Other")
    refresh_partners(partner.team_id)
    before = {r.id: r.reason for p in (partner, other) for r in stored(db, p, status="open")}
    assert len(before) >= 2
    for days in (1, 2):
        summary = refresh_partners(partner.team_id, as_of=TODAY + timedelta(days=days))
        assert (summary.created, summary.kept) == (0, len(before))
    after = {r.id: r.reason for p in (partner, other) for r in stored(db, p, status="open")}
    assert after.keys() == before.keys()
    assert all(after[key] != before[key] for key in before)
    refresh_partners(partner.team_id, as_of=TODAY + timedelta(days=31))  # a month on
    app = client.application
    app.config["PARTNERPLAN_NOW"] = (TODAY + timedelta(days=32)).isoformat()
    auth.login(team["agent"])
    assert client.get("/today").status_code == 200


def test_precedence_through_the_database(db, team, partner, runner):
    refer(db, partner, 1)
    log(db, partner, 30, kind="call", direction="inbound", disrespectful=True, sentiment="negative")
    refresh_partners(partner.team_id)
    assert [r.rule for r in stored(db, partner)] == ["disengage"]
    assert stored(db, partner)[0].tier_from == "cultivate"
    partner.tier = "cease"
    db.session.commit()
    refresh_partners(partner.team_id)
    assert stored(db, partner, status="open") == []
    partner.tier, partner.do_not_contact = "cultivate", True
    db.session.commit()
    refresh_partners(partner.team_id)
    assert cli_json(runner) == [] and stored(db, partner, status="open") == []


def test_the_fourth_unanswered_attempt_through_the_database(db, team, runner):
    partner = make_partner(team["agent"], met_on=date(2026, 1, 5), spouse="A", tier="maintain")
    refer(db, partner, 100)
    log(db, partner, 0, kind="co_marketing", outcome=None)
    log(db, partner, 65, kind="email", direction="inbound", outcome="connected")
    for days in (60, 40, 20):
        log(db, partner, days, kind="call", outcome="no_response")
    assert "disengage" not in [r["rule"] for r in cli_json(runner)]
    log(db, partner, 1, kind="email", outcome="no_response")
    assert [r["rule"] for r in cli_json(runner)] == ["disengage"]


# --- planning facts ------------------------------------------------------------
def test_planning_sessions_and_commitments(db, team, partner, runner):
    partner.commitment_made_on = date(2026, 10, 1)
    partner.first_referral_by = date(2026, 11, 19)
    db.session.commit()
    assert {r["rule"] for r in cli_json(runner)} == {"commitment_due", "plan_partnership"}
    db.session.add(
        PlanningSession(partner_id=partner.id, starts_at=at(0, 15), status="booked", minutes=20)
    )
    db.session.commit()
    assert [r["rule"] for r in cli_json(runner)] == ["commitment_due"]
    refer(db, partner, 5)  # received after the commitment was made
    assert [r["rule"] for r in cli_json(runner)] == ["thank_you"]


def test_a_held_planning_session_is_live_contact(db, team, runner):
    partner = make_partner(team["agent"], met_on=date(2026, 1, 5), spouse="A")
    db.session.add(PlanningSession(partner_id=partner.id, starts_at=at(5, 14), status="held"))
    db.session.commit()
    assert cli_json(runner) == []
    assert [r["rule"] for r in cli_json(runner, "--as-of", "2026-12-10")] == ["coffee"]


def test_the_day_first_recorded_stands_in_for_an_unknown_meeting_day(db, team, runner):
    partner = make_partner(team["agent"], met_on=None)
    partner.created_at = datetime(2026, 11, 19, 23, 0)
    db.session.commit()
    [rec] = cli_json(runner)
    assert (rec["rule"], rec["due"]) == ("capture_details", "2026-11-19")


# --- edges through the database and the CLI ----------------------------------------
@pytest.mark.parametrize("days, expected", [(20, []), (21, ["coffee"]), (22, ["coffee"])])
def test_coffee_day_20_21_22(db, team, runner, days, expected):
    partner = make_partner(team["agent"], key="p-9", met_on=date(2026, 1, 5), pets="a beagle")
    log(db, partner, days)
    assert [r["rule"] for r in cli_json(runner)] == expected


def test_birthday_across_the_year_boundary(db, team, runner):
    partner = make_partner(team["agent"], key="p-7", tier="maintain", birthday="01-02", hobbies="x")
    refer(db, partner, 10)
    log(db, partner, 9, kind="co_marketing")
    log(db, partner, 3)
    recs = cli_json(runner, "--as-of", "2026-12-28")
    personal = [r for r in recs if r["rule"] == "personal_date"]
    assert personal[0]["due"] == "2027-01-02"
    assert personal[0]["partner"] == "p-7"
    earlier = cli_json(runner, "--as-of", "2026-12-25")  # 8 days before: too far
    assert earlier and "personal_date" not in [r["rule"] for r in earlier]


def test_cli_json_shape_and_nothing_stored(db, team, partner, runner):
    refer(db, partner, 0, client="J. Alvarez")
    no_key = make_partner(team["other_agent"], name="Kim's Lender", met_on=TODAY)
    db.session.commit()
    result = runner.invoke(args=["recommendations", "--as-of", "2026-11-20", "--json"])
    document = json.loads(result.output)
    assert document["as_of"] == "2026-11-20"
    assert {
        "partner": "p-001",
        "partner_name": "Ryan McMillan",
        "rule": "thank_you",
        "kind": "action",
        "tier_to": None,
        "due": "2026-11-22",
        "reason": "Referral of J. Alvarez received today (20 Nov) has no thank-you yet.",
    } in document["recommendations"]
    assert {"partner": no_key.id, "rule": "capture_details"}.items() <= next(
        r for r in document["recommendations"] if r["partner_name"] == "Kim's Lender"
    ).items()
    assert count(db, Recommendation) == 0


def test_cli_rejects_a_bad_day(runner, team):
    result = runner.invoke(args=["recommendations", "--as-of", "2026-02-30"])
    assert result.exit_code != 0 and "not a date" in result.output


def test_cli_refresh_in_shards_with_a_summary(db, team, runner):
    for n in range(6):
        make_partner(team["agent"], name=f"Partner {n}", met_on=date(2026, 1, 5))
    db.session.commit()
    first = runner.invoke(args=["recommendations", "refresh", "--shard", "1/2"])
    second = runner.invoke(args=["recommendations", "refresh", "--shard", "2/2", "--team", "1"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "3 partners evaluated: 3 new recommendations" in first.output
    assert "3 partners evaluated: 3 new recommendations" in second.output
    assert count(db, Recommendation) == 6 and count(db, PartnerEvaluation) == 6
    bad = runner.invoke(args=["recommendations", "refresh", "--shard", "3/2"])
    assert bad.exit_code != 0 and "K/N" in bad.output


# --- Today and the panel ------------------------------------------------------------------
def test_today_lists_the_users_recommendations_with_their_reasons(db, team, partner, client, auth):
    refer(db, partner, 5, client="Overdue Client")
    other = make_partner(team["other_agent"], name="Not Mine", met_on=date(2026, 1, 5))
    db.session.commit()
    auth.login(team["agent"])
    page = client.get("/today").get_data(as_text=True)  # evaluates lazily
    assert "Overdue" in page and "Overdue Client" in page
    assert 'id="today-count" class="badge">1<' in page
    assert "Not Mine" not in page
    assert db.session.get(PartnerEvaluation, partner.id).evaluated_on == TODAY
    assert db.session.get(PartnerEvaluation, other.id) is None


def test_a_long_today_shows_the_most_urgent_first_and_the_rest_on_demand(db, team, client, auth):
    for number in range(30):  # Cultivate, met long ago, never seen: coffee for each
        make_partner(team["agent"], name=f"Quiet {number:02d}", met_on=date(2026, 1, 5), spouse="A")
    db.session.commit()
    auth.login(team["agent"])
    page = client.get("/today").get_data(as_text=True)
    assert page.count('class="recommendation"') == SECTION_SIZE < 30
    assert "Show all 30 due today" in page
    everything = client.get("/today?all=1").get_data(as_text=True)
    assert everything.count('class="recommendation"') == 30
    assert "Show all" not in everything


def test_managers_see_tier_changes_awaiting_review_and_recent_decisions(db, team, client, auth):
    partner = make_partner(team["agent"], name="Rising Star", met_on=date(2026, 1, 5), spouse="B")
    for days in (100, 20):
        refer(db, partner, days)
    log(db, partner, 2, kind="gift", outcome=None)
    log(db, partner, 3)
    refresh_partners(partner.team_id)
    [promote] = stored(db, partner, "promote")
    auth.login(team["manager"])
    page = client.get("/today").get_data(as_text=True)
    assert "Tier changes awaiting review" in page and "Rising Star" in page
    assert "2 referrals received in the last 180 days" in page
    promote.status, promote.decided_by_id = "approved", team["manager"].id
    promote.decided_at = datetime(2026, 11, 19, 12)
    db.session.commit()
    page = client.get("/today").get_data(as_text=True)
    assert "Approved" in page and "Dana Reyes" in page


def test_tier_changes_are_not_for_agents_to_dismiss(db, team, client, auth):
    partner = make_partner(team["agent"], name="Rude", met_on=date(2026, 1, 5), spouse="B")
    log(db, partner, 5, kind="call", direction="inbound", disrespectful=True)
    refresh_partners(partner.team_id)
    [row] = stored(db, partner)
    auth.login(team["agent"])
    assert client.post(f"/recommendations/{row.id}/dismiss").status_code == 403
    assert row.status == "open"


@pytest.mark.parametrize(
    "who, status", [("agent", 303), ("manager", 303), ("other_agent", 404), ("rival_manager", 404)]
)
def test_who_may_act_on_a_recommendation(db, team, partner, client, auth, who, status):
    refer(db, partner, 1)
    refresh_partners(partner.team_id)
    [row] = stored(db, partner)
    auth.login(team[who])
    response = client.post(f"/recommendations/{row.id}/snooze", data={"until": "next_week"})
    assert response.status_code == status


def test_the_panel_sends_the_today_count_out_of_band(app, db, team, partner):
    from flask import render_template

    from webapp.panels import panels_for

    refer(db, partner, 1)
    refresh_partners(partner.team_id)
    with app.test_request_context():
        [panel] = [
            p
            for p in panels_for(partner, team["agent"], changed="interaction")
            if p.name == "recommendations"
        ]
        html = render_template(panel.template, panel=panel)
    assert 'id="panel-recommendations"' in html and 'hx-swap-oob="true"' in html
    assert '<span id="today-count" class="badge" hx-swap-oob="true">1</span>' in html
    assert "Say thank you" in html and "Snooze" in html and "Dismiss" in html


def test_the_partner_page_counts_what_awaits_once_for_its_menu(db, team, partner, client, auth):
    """The panel's out-of-band count is for answers that update the badge: the
    page's own menu counts once (a manager's count reads the whole team)."""
    refer(db, partner, 1)
    refresh_partners(partner.team_id)
    counts = []

    def keep(conn, cursor, statement, *args):
        if "count(recommendation.id)" in statement.replace('"', ""):
            counts.append(statement)

    # The manager's menu counts the tier changes to review too.
    for who, expected in (("agent", 1), ("manager", 2)):
        counts.clear()
        auth.login(team[who])
        sa.event.listen(db.engine, "before_cursor_execute", keep)
        try:
            page = client.get(f"/partners/{partner.id}").get_data(as_text=True)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", keep)
        auth.logout()
        assert '<span id="today-count" class="badge">1</span>' in page
        assert "Say thank you" in page and 'hx-swap-oob="true">' not in page
        assert len(counts) == expected, who


def test_archived_partners_lose_their_open_recommendations(db, team, partner):
    refer(db, partner, 1)
    refresh_partners(partner.team_id)
    partner.archived_at = datetime(2026, 11, 20, 9)
    db.session.commit()
    refresh_partners(partner.team_id)
    assert [r.status for r in stored(db, partner)] == ["closed"]
    assert count(db, Partner) == 1


def test_today_answers_htmx_with_its_list_only(db, team, partner, client, auth):
    refer(db, partner, 1)
    auth.login(team["agent"])
    response = client.get("/today", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert 'id="today-recommendations"' in page and "Say thank you" in page


def test_a_too_long_dismiss_reason_is_refused_beside_the_field(db, team, partner, client, auth):
    refer(db, partner, 1)
    refresh_partners(partner.team_id)
    [row] = stored(db, partner)
    auth.login(team["agent"])
    response = client.post(
        f"/recommendations/{row.id}/dismiss",
        data={"reason": "x" * 501},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Keep it under 500 characters." in page and f'id="recommendation-{row.id}"' in page
    assert row.status == "open"


def test_agents_see_tier_changes_without_actions(db, team, client, auth):
    partner = make_partner(team["agent"], name="Rude", met_on=date(2026, 1, 5), spouse="B")
    log(db, partner, 5, kind="call", direction="inbound", disrespectful=True)
    auth.login(team["agent"])
    page = client.get("/today").get_data(as_text=True)
    assert "Disengage" in page and "Awaits a manager's review." in page
    assert f"/recommendations/{stored(db, partner)[0].id}/dismiss" not in page
    assert 'id="today-count" class="badge">0<' in page  # agents count their actions only


def test_the_partner_page_evaluates_a_partner_not_yet_evaluated_today(
    client, auth, db, team, partner
):
    """The page brings the partner up to date itself (the panel only reads), and
    only once a day: the second visit evaluates nothing."""
    refer(db, partner, 1)
    auth.login(team["agent"])
    assert client.get(f"/partners/{partner.id}").status_code == 200
    assert [row.rule for row in stored(db, partner)] == ["thank_you"]
    evaluation = db.session.get(PartnerEvaluation, partner.id)
    assert evaluation.evaluated_on == TODAY
    first_at = stored(db, partner)[0].created_at
    client.get(f"/partners/{partner.id}")
    assert [row.created_at for row in stored(db, partner)] == [first_at]


def test_a_failing_rules_engine_still_opens_the_partner_page(
    client, auth, db, team, partner, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("engine crashed")

    refer(db, partner, 1)
    monkeypatch.setattr("webapp.recommendations.lifecycle.refresh_partners", broken)
    auth.login(team["agent"])
    response = client.get(f"/partners/{partner.id}")
    assert response.status_code == 200 and partner.name in response.get_data(as_text=True)


def test_cli_prints_plain_lines_without_json(db, team, partner, runner):
    refer(db, partner, 0)
    result = runner.invoke(args=["recommendations", "--as-of", "2026-11-20"])
    assert result.exit_code == 0
    assert "p-001 Ryan McMillan: thank_you due 2026-11-22 — Referral of J. Alvarez" in result.output
    assert result.output.strip().endswith("1 recommendation as of 2026-11-20.")


def test_a_second_click_changes_nothing(db, team, partner, client, auth):
    refer(db, partner, 1)
    refresh_partners(partner.team_id)
    [row] = stored(db, partner)
    auth.login(team["agent"])
    client.post(f"/recommendations/{row.id}/dismiss", data={"reason": "done already"})
    response = client.post(f"/recommendations/{row.id}/snooze", data={"until": "tomorrow"})
    assert response.status_code == 303
    assert (row.status, row.snoozed_until, row.decision_reason) == (
        "dismissed",
        None,
        "done already",
    )


def test_cli_refresh_with_several_workers_stores_what_one_would(tmp_path):
    """Worker processes share out the batches; the stored result is the same."""
    from config import TestConfig
    from webapp import create_app
    from webapp.extensions import db as database
    from webapp.models import Team

    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'book.db'}"
        PARTNERPLAN_NOW = TODAY.isoformat()

    app = create_app(FileConfig)
    with app.app_context():
        database.create_all()
        team = Team(name="Harbor")
        database.session.add(team)
        database.session.flush()
        agent = make_user(team, "sam@harbor.example")
        for n in range(1200):  # three batches of 500
            make_partner(agent, name=f"Partner {n}", met_on=date(2026, 1, 5))
        database.session.commit()

        def stored():
            return sorted(
                database.session.execute(
                    sa.select(Recommendation.partner_id, Recommendation.rule, Recommendation.reason)
                ).all()
            )

        result = app.test_cli_runner().invoke(args=["recommendations", "refresh", "--workers", "3"])
        assert result.exit_code == 0, result.output
        assert "1200 partners evaluated: 1200 new recommendations" in result.output
        in_parallel = stored()
        assert count(database, PartnerEvaluation) == 1200
        database.session.execute(sa.delete(Recommendation))
        database.session.execute(sa.delete(PartnerEvaluation))
        database.session.commit()
        result = app.test_cli_runner().invoke(args=["recommendations", "refresh", "--workers", "1"])
        assert result.exit_code == 0, result.output
        assert stored() == in_parallel
        database.session.remove()
        database.drop_all()
        database.engine.dispose()


def test_today_ranks_each_section_most_urgent_first(db, team, client, auth):
    """Due day first (none last), then the catalogue's priority, then age; per section."""
    import random
    import re

    from rules.catalogue import RULES
    from webapp.recommendations.queries import sort_key

    rng = random.Random(5)
    rows = []
    for number in range(40):
        partner = make_partner(team["agent"], name=f"Ranked {number:02d}")
        db.session.add(
            PartnerEvaluation(
                partner_id=partner.id,
                team_id=partner.team_id,
                evaluated_on=TODAY,
                settings_version=0,
            )
        )
        rule = rng.choice(RULES)
        due = rng.choice(
            [
                None,
                TODAY,
                TODAY - timedelta(days=rng.randint(1, 3)),
                TODAY + timedelta(days=rng.randint(1, 3)),
            ]
        )
        row = Recommendation(
            team_id=partner.team_id,
            partner_id=partner.id,
            rule=rule.id,
            kind=rule.kind,
            reason="Because.",
            due=due,
            status="open",
            tier_to=rule.tier_to,
            tier_from="cultivate" if rule.tier_to else None,
        )
        db.session.add(row)
        rows.append(row)
    db.session.commit()

    def section(row):
        if row.kind != "action":
            return "tier"
        if row.due and row.due < TODAY:
            return "overdue"
        return "today" if row.due == TODAY else "upcoming"

    expected = [
        row.id
        for row in sorted(
            rows,
            key=lambda r: (
                ["overdue", "today", "upcoming", "tier"].index(section(r)),
                *sort_key(r),
            ),
        )
    ]
    auth.login(team["manager"])  # managers see the tier changes too
    page = client.get("/today?all=1").get_data(as_text=True)
    assert [int(n) for n in re.findall(r'id="recommendation-(\d+)"', page)] == expected
    first = client.get("/today").get_data(as_text=True)
    shown = [int(n) for n in re.findall(r'id="recommendation-(\d+)"', first)]
    by_section = {}
    for row in rows:
        by_section.setdefault(section(row), []).append(row.id)
    assert len(shown) == sum(min(len(ids), SECTION_SIZE) for ids in by_section.values())
    assert shown == [row_id for row_id in expected if row_id in shown]
