"""The team's own rules on the Rules page: written, previewed, backtested, saved,
shown on Today with their reason, switched off, kept to managers."""

from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from tests.helpers import LENDER_RULE_REASON, count, lender_rule_form, make_partner
from webapp.models import AuditEvent, Interaction, Recommendation, Referral, RuleSettings, TeamRule
from webapp.recommendations.lifecycle import in_force

TODAY = date(2026, 11, 20)
RULE = "team:lender-coffee"
REASON = LENDER_RULE_REASON


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["PARTNERPLAN_NOW"] = TODAY.isoformat()


def coffee(partner, days_ago: int) -> Interaction:
    at = datetime.combine(TODAY - timedelta(days=days_ago), time(12))
    return Interaction(
        partner_id=partner.id, kind="coffee", direction="outbound", outcome="connected", at=at
    )


@pytest.fixture
def history(db, team):
    """Hand-built: over the backtest's 13 weekly days (today, 7, ..., 84 days ago),
    Bea (a lender in Maintain last seen 200 days ago) qualifies every week and
    sends a referral 50 days ago; Eli (a lender in Maintain seen once, 30 days
    ago) qualifies 11 weeks (not 21 and 28 days ago); Ann is seen every week;
    Carl is an agent and Dee a Cultivate lender: never."""
    agent = team["agent"]
    bea = make_partner(agent, "Bea Banks", profession="lender", tier="maintain")
    eli = make_partner(agent, "Eli Egan", profession="lender", tier="maintain")
    ann = make_partner(agent, "Ann Archer", profession="lender", tier="maintain")
    carl = make_partner(agent, "Carl Cole", profession="agent", tier="maintain")
    dee = make_partner(agent, "Dee Dunn", profession="lender", tier="cultivate")
    db.session.add_all([coffee(bea, 200), coffee(eli, 30)])
    db.session.add_all(coffee(ann, days) for days in range(1, 100, 7))
    db.session.add(
        Referral(
            partner_id=bea.id,
            direction="received",
            referred_on=TODAY - timedelta(days=50),
            client="The Parks",
        )
    )
    db.session.commit()
    return {"bea": bea, "eli": eli, "ann": ann, "carl": carl, "dee": dee}


rule_form = lender_rule_form


def test_agents_and_other_teams_cannot_reach_the_editor(db, client, auth, team, history):
    auth.login(team["manager"])
    assert client.post("/rules/team/new", data=rule_form()).status_code == 303
    rule_id = db.session.scalar(sa.select(TeamRule.id))
    auth.logout()
    auth.login(team["agent"])
    for url in ("/rules/team/new", f"/rules/team/{rule_id}"):
        assert client.get(url).status_code == 404
    for url in (
        "/rules/team/new",
        f"/rules/team/{rule_id}",
        f"/rules/team/{rule_id}/switch",
        f"/rules/team/{rule_id}/delete",
    ):
        assert client.post(url, data=rule_form()).status_code == 404
    auth.logout()
    auth.login(team["rival_manager"])  # a manager, of another team
    assert client.get(f"/rules/team/{rule_id}").status_code == 404
    assert client.post(f"/rules/team/{rule_id}/delete").status_code == 404
    assert count(db, TeamRule) == 1 and db.session.get(TeamRule, rule_id).enabled


def test_a_change_without_the_csrf_token_is_refused(db, app, client, auth, team):
    app.config["WTF_CSRF_ENABLED"] = True
    auth.login(team["manager"])
    response = client.post("/rules/team/new", data=rule_form())
    assert response.status_code in (400, 403)
    assert count(db, TeamRule) == 0


def test_preview_and_backtest_on_the_history_save_nothing(db, client, auth, team, history):
    auth.login(team["manager"])
    response = client.post("/rules/team/new", data=rule_form(do="preview"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Fires for 2 partners today." in page  # Bea and Eli
    assert (
        "Over the last 90 days it would have been raised for 2 partners (24 partner-weeks); "
        "1 of those partners sent a referral within 30 days." in page
    )
    assert count(db, TeamRule) == 0 and count(db, RuleSettings) == 0
    assert count(db, Recommendation) == 0


def test_preview_one_day_before_and_on_the_threshold(db, client, auth, team, history):
    auth.login(team["manager"])
    page = client.post(
        "/rules/team/new",
        data=rule_form(do="preview", **{"conditions-2-value": "31"}),
    ).get_data(as_text=True)
    assert "Fires for 1 partner today." in page  # Eli's 30 days: a day short
    page = client.post(
        "/rules/team/new",
        data=rule_form(do="preview", **{"conditions-2-value": "30"}),
    ).get_data(as_text=True)
    assert "Fires for 2 partners today." in page


def test_saved_it_shows_on_the_agents_today_and_switched_off_it_closes(
    db, client, auth, team, history
):
    auth.login(team["manager"])
    response = client.post("/rules/team/new", data=rule_form())
    assert response.status_code == 303
    version, _, definitions = in_force(team["manager"].team_id)
    assert version == 1 and [d["slug"] for d in definitions] == ["lender-coffee"]
    assert db.session.scalar(sa.select(AuditEvent.summary).order_by(AuditEvent.id.desc())) == (
        "Rule settings version 1: team rule lender-coffee added"
    )
    page = client.get("/rules/").get_data(as_text=True)
    assert "Lenders in Maintain: coffee" in page and "team:lender-coffee" in page
    assert "When all of: Profession is lender / loan officer; Tier is maintain;" in page

    live = db.session.scalars(sa.select(Recommendation).where(Recommendation.rule == RULE)).all()
    assert sorted(row.partner_id for row in live) == sorted([history["bea"].id, history["eli"].id])
    auth.logout()
    auth.login(team["agent"])
    today = client.get("/today").get_data(as_text=True)
    assert "Eli Egan is a lender in Maintain; last live contact 21 Oct (30 days ago)." in today
    assert "Lenders in Maintain: coffee" in today  # the rule's name as its title

    auth.logout()
    auth.login(team["manager"])
    rule_id = db.session.scalar(sa.select(TeamRule.id))
    assert client.post(f"/rules/team/{rule_id}/switch").status_code == 303
    db.session.expire_all()
    statuses = db.session.scalars(
        sa.select(Recommendation.status).where(Recommendation.rule == RULE)
    ).all()
    assert statuses == ["closed", "closed"]
    assert in_force(team["manager"].team_id)[0] == 2
    auth.logout()
    auth.login(team["agent"])
    assert "Eli Egan is a lender" not in client.get("/today").get_data(as_text=True)


def test_editing_and_deleting_a_rule(db, client, auth, team, history):
    auth.login(team["manager"])
    client.post("/rules/team/new", data=rule_form())
    rule_id = db.session.scalar(sa.select(TeamRule.id))
    page = client.get(f"/rules/team/{rule_id}").get_data(as_text=True)
    assert 'value="lender-coffee"' in page and 'value="14"' in page
    changed = rule_form(**{"conditions-2-value": "31"})
    assert client.post(f"/rules/team/{rule_id}", data=changed).status_code == 303
    db.session.expire_all()
    live = db.session.scalars(
        sa.select(Recommendation.partner_id).where(
            Recommendation.rule == RULE, Recommendation.status == "open"
        )
    ).all()
    assert live == [history["bea"].id]  # Eli's 30 days no longer qualify
    assert client.post(f"/rules/team/{rule_id}/delete").status_code == 303
    db.session.expire_all()
    assert count(db, TeamRule) == 0
    assert in_force(team["manager"].team_id)[2] == []
    assert not db.session.scalars(
        sa.select(Recommendation).where(
            Recommendation.rule == RULE, Recommendation.status == "open"
        )
    ).all()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Give the rule a name."),
        ({"slug": "Not A Slug!"}, "slug", "Use 1 to 35 lower-case letters"),
        ({"conditions-0-value": "plumber"}, "conditions-0-value", "Choose one of: agent, lender"),
        ({"conditions-2-value": "soon"}, "conditions-2-value", "Enter a whole number."),
        ({"conditions-2-value": "-3"}, "conditions-2-value", "Enter a whole number from 0."),
        ({"conditions-1-op": "<"}, "conditions-1-op", "Use one of: ==, != for this fact."),
        ({"conditions-1-fact": "shoe_size"}, "conditions-1-fact", "Choose a fact from the list."),
        (
            {"conditions-1-fact": "received_last_N_days", "conditions-1-days": "0"},
            "conditions-1-days",
            "Enter N, a whole number from 1 to 730.",
        ),
        ({"reason": "{name} {nonsense}"}, "reason", "There is no placeholder {nonsense}"),
        ({"reason": "{name"}, "reason", "A brace is not closed"),
        ({"reason": ""}, "reason", "Write the reason the recommendation gives."),
        ({"priority": "0"}, "priority", "Enter a whole number from 1 to 999."),
        ({"priority": "x"}, "priority", "Enter a whole number from 1 to 999."),
        ({"due_days": "400"}, "due_days", "Enter a whole number from 0 to 365."),
        (
            {f"conditions-{i}-fact": "" for i in range(3)},
            "conditions-0-fact",
            "Add at least one condition.",
        ),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_stored(
    db, client, auth, team, changes, field, message
):
    auth.login(team["manager"])
    for do in ("save", "preview"):
        response = client.post("/rules/team/new", data=rule_form(do=do, **changes))
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        error = page.split(f'id="{field}-error">', 1)
        assert len(error) == 2, page
        assert error[1].startswith(message), error[1][:200]
    assert count(db, TeamRule) == 0 and count(db, RuleSettings) == 0


def test_a_second_rule_may_not_take_an_id_in_use(db, client, auth, team):
    auth.login(team["manager"])
    client.post("/rules/team/new", data=rule_form())
    response = client.post("/rules/team/new", data=rule_form(name="Another"))
    assert response.status_code == 422
    assert "Another of the team&#39;s rules has this id" in response.get_data(as_text=True)
    assert count(db, TeamRule) == 1


def test_a_tier_move_is_a_proposal_for_review(db, client, auth, team, history):
    auth.login(team["manager"])
    data = rule_form(
        name="Lenders we never see",
        slug="lender-cool",
        recommends="tier",
        tier_to="cultivate",
        reason="{name}: no live contact since {live_contact_on}",
    )
    assert client.post("/rules/team/new", data=data).status_code == 303
    row = db.session.scalar(
        sa.select(Recommendation).where(
            Recommendation.rule == "team:lender-cool",
            Recommendation.partner_id == history["eli"].id,
        )
    )
    assert (row.kind, row.tier_from, row.tier_to, row.due) == (
        "tier_change",
        "maintain",
        "cultivate",
        None,
    )


def test_reverting_to_a_version_brings_its_team_rules_back(db, client, auth, team, history):
    auth.login(team["manager"])
    client.post("/rules/team/new", data=rule_form())
    rule_id = db.session.scalar(sa.select(TeamRule.id))
    client.post(f"/rules/team/{rule_id}/delete")
    assert count(db, TeamRule) == 0
    assert client.post("/rules/revert", data={"version": "1"}).status_code == 303
    db.session.expire_all()
    assert db.session.scalar(sa.select(TeamRule.slug)) == "lender-coffee"
    assert [d["slug"] for d in in_force(team["manager"].team_id)[2]] == ["lender-coffee"]
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Recommendation)
            .where(Recommendation.rule == RULE, Recommendation.status == "open")
        )
        == 2
    )


def test_saving_thresholds_keeps_the_team_rules(db, client, auth, team, history):
    from rules.settings import DEFAULTS

    auth.login(team["manager"])
    client.post("/rules/team/new", data=rule_form())
    assert client.post("/rules/", data={**DEFAULTS, "coffee_days": 14}).status_code == 303
    version, settings, definitions = in_force(team["manager"].team_id)
    assert version == 2 and settings["coffee_days"] == 14
    assert [d["slug"] for d in definitions] == ["lender-coffee"]


def test_a_big_backtest_runs_as_a_job_and_its_result_appears(
    db, client, auth, team, history, monkeypatch
):
    from webapp.models import BacktestRun
    from webapp.rule_settings import team_rules

    monkeypatch.setattr(team_rules, "INLINE_PARTNERS", 1)  # more partners than that: a job
    auth.login(team["manager"])
    page = client.post("/rules/team/new", data=rule_form(do="preview")).get_data(as_text=True)
    run = db.session.scalar(sa.select(BacktestRun))
    assert run.status == "done"  # the tests run jobs at once
    expected = (
        "Over the last 90 days it would have been raised for 2 partners (24 partner-weeks); "
        "1 of those partners sent a referral within 30 days."
    )
    assert expected in page
    result = client.get(f"/rules/team/backtests/{run.id}", headers={"HX-Request": "true"})
    assert expected in result.get_data(as_text=True)
    assert "<html" not in result.get_data(as_text=True)
    assert count(db, TeamRule) == 0  # a backtest saves no rule
    auth.logout()
    auth.login(team["agent"])
    assert client.get(f"/rules/team/backtests/{run.id}").status_code == 404
    auth.logout()
    auth.login(team["rival_manager"])
    assert client.get(f"/rules/team/backtests/{run.id}").status_code == 404


def test_a_backtest_still_running_links_to_its_result(db, client, auth, team, history):
    from webapp.models import BacktestRun

    run = BacktestRun(
        team_id=team["manager"].team_id,
        definition={"name": "Lenders in Maintain: coffee"},
        as_of=TODAY,
        status="running",
    )
    db.session.add(run)
    db.session.commit()
    auth.login(team["manager"])
    page = client.get(f"/rules/team/backtests/{run.id}").get_data(as_text=True)
    assert "runs in the background" in page
    assert f'href="/rules/team/backtests/{run.id}"' in page


def test_through_htmx_the_editor_answers_in_place_and_a_save_moves_to_the_rules_page(
    db, client, auth, team, history
):
    auth.login(team["manager"])
    htmx = {"HX-Request": "true"}
    preview = client.post("/rules/team/new", data=rule_form(do="preview"), headers=htmx)
    assert preview.status_code == 200
    assert "<html" not in preview.get_data(as_text=True)
    assert 'id="team-rule-editor"' in preview.get_data(as_text=True)
    saved = client.post("/rules/team/new", data=rule_form(), headers=htmx)
    assert saved.status_code == 204
    assert saved.headers["HX-Redirect"] == "/rules/#team-rules"
    assert count(db, TeamRule) == 1


def test_the_versions_say_when_the_team_rules_changed(db, client, auth, team):
    auth.login(team["manager"])
    client.post("/rules/team/new", data=rule_form())
    page = client.get("/rules/").get_data(as_text=True)
    assert "The team's own rules changed: lender-coffee." in page
