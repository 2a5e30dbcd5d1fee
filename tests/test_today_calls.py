"""Today as a call list: one-tap outcomes, Undo, the counts, the manager's Today."""

import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.helpers import make_partner
from webapp.models import Interaction, Recommendation
from webapp.recommendations.lifecycle import refresh_partners
from webapp.recommendations.outcomes import OUTCOMES, SATISFIES, UNDO_SECONDS, satisfies

TODAY = date(2026, 11, 20)
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["PARTNERPLAN_NOW"] = f"{TODAY.isoformat()}T10:42"


def voicemail_for_us(db, partner, days_ago: int = 1) -> None:
    """They left us a voicemail: `return_call` holds."""
    at = datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time()).replace(hour=9)
    db.session.add(
        Interaction(
            partner_id=partner.id, at=at, kind="voicemail", direction="inbound", outcome=None
        )
    )
    db.session.commit()


@pytest.fixture
def calls(db, team):
    """Two partners of Sam's: one whose voicemail awaits a call back, one whose
    promised first referral is late."""
    caller = make_partner(
        team["agent"],
        name="Ryan Caller",
        met_on=date(2026, 11, 1),
        spouse="A",
        phone="555 010 2000",
        email="ryan@example.com",
    )
    late = make_partner(
        team["agent"],
        name="Lena Late",
        met_on=date(2026, 11, 1),
        spouse="B",
        commitment_made_on=date(2026, 10, 1),
        first_referral_by=date(2026, 11, 1),
    )
    db.session.commit()
    voicemail_for_us(db, caller)
    refresh_partners(team["agent"].team_id)
    return {
        "return_call": row_of(db, caller, "return_call"),
        "commitment_due": row_of(db, late, "commitment_due"),
    }


def row_of(db, partner, rule) -> Recommendation:
    return db.session.scalar(
        sa.select(Recommendation).where(
            Recommendation.partner_id == partner.id, Recommendation.rule == rule
        )
    )


def tap(client, row, outcome, headers=HTMX):
    return client.post(
        f"/recommendations/{row.id}/outcome",
        data={"outcome": outcome, "next": "/today"},
        headers=headers,
    )


def undo_token(html: str) -> str:
    marker = 'name="token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def logged(db, partner_id):
    return db.session.scalars(
        sa.select(Interaction)
        .where(Interaction.partner_id == partner_id, Interaction.direction == "outbound")
        .order_by(Interaction.id)
    ).all()


# --- which outcome does what each rule asks ----------------------------------
def test_the_outcomes_speak_the_interaction_vocabulary():
    from rules.vocabulary import DIRECTIONS, INTERACTION_KINDS
    from rules.vocabulary import OUTCOMES as OUTCOME_WORDS

    for outcome in OUTCOMES.values():
        assert outcome.kind in INTERACTION_KINDS
        assert outcome.direction in DIRECTIONS
        assert outcome.outcome in OUTCOME_WORDS


def test_which_outcomes_satisfy_which_rules():
    from rules.catalogue import RULES_BY_ID

    assert set(SATISFIES) <= {rule_id for rule_id, r in RULES_BY_ID.items() if r.kind == "action"}
    assert all(outcomes <= set(OUTCOMES) for outcomes in SATISFIES.values())
    # A live conversation answers every call the catalogue asks for (seed 004).
    for rule in ("return_call", "personal_date", "commitment_due", "thank_you"):
        assert satisfies(rule, "talked")
    assert satisfies("return_call", "voicemail")
    assert not satisfies("return_call", "no_answer")
    assert not satisfies("commitment_due", "no_answer")
    assert not satisfies("commitment_due", "texted")
    assert not satisfies("personal_date", "voicemail")
    # What a call cannot do: a planning series, co-marketing, writing details down.
    for rule in ("plan_partnership", "co_market", "capture_details"):
        assert not any(satisfies(rule, outcome) for outcome in OUTCOMES)


# --- one tap on the card -------------------------------------------------------
def test_a_conversation_closes_the_call_back_in_place(db, team, calls, client, auth):
    row = calls["return_call"]
    auth.login(team["agent"])
    response = tap(client, row, "talked")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="today-recommendations">')  # the list, in place
    db.session.refresh(row)
    assert (row.status, row.decided_by_id) == ("done", team["agent"].id)
    [call] = logged(db, row.partner_id)
    assert (call.kind, call.direction, call.outcome, call.user_id) == (
        "call",
        "outbound",
        "connected",
        team["agent"].id,
    )
    assert call.at == datetime(2026, 11, 20, 10, 42)
    assert "Talked — done: Return the call · Ryan Caller." in html
    assert ">Undo</button>" in html
    # Lena's two remain: her late referral, and the planning series to book.
    assert '<span id="today-count" class="badge" hx-swap-oob="true">2</span>' in html


def test_no_answer_records_the_attempt_and_leaves_the_item_open(db, team, calls, client, auth):
    row = calls["commitment_due"]
    auth.login(team["agent"])
    html = tap(client, row, "no_answer").get_data(as_text=True)
    db.session.refresh(row)
    assert row.status == "open"
    [call] = logged(db, row.partner_id)
    assert (call.kind, call.outcome) == ("call", "no_response")
    assert "No answer at 10:42" in html
    assert '<span id="today-count" class="badge" hx-swap-oob="true">3</span>' in html
    # And the page, later, still shows the attempt on the card.
    assert "No answer at 10:42" in client.get("/today").get_data(as_text=True)


def test_a_voicemail_left_returns_their_call(db, team, calls, client, auth):
    row = calls["return_call"]
    auth.login(team["agent"])
    tap(client, row, "voicemail")
    db.session.refresh(row)
    assert row.status == "done"
    [message] = logged(db, row.partner_id)
    assert (message.kind, message.direction, message.outcome) == (
        "voicemail",
        "outbound",
        "no_response",
    )


def test_without_javascript_the_outcome_returns_to_today_saying_what_happened(
    db, team, calls, client, auth
):
    row = calls["commitment_due"]
    auth.login(team["agent"])
    response = tap(client, row, "talked", headers={})
    assert response.status_code == 303 and response.location.endswith("/today")
    page = client.get("/today").get_data(as_text=True)
    assert "Talked — done" in page and ">Undo</button>" in page
    assert "Talked — done" not in client.get("/today").get_data(as_text=True)  # said once


def test_an_unknown_outcome_is_refused(db, team, calls, client, auth):
    auth.login(team["agent"])
    assert tap(client, calls["return_call"], "shouted").status_code == 400
    assert not logged(db, calls["return_call"].partner_id)


def test_another_agents_card_is_not_theirs_to_tap(db, team, calls, client, auth):
    auth.login(team["other_agent"])
    assert tap(client, calls["return_call"], "talked").status_code == 404


def test_the_card_links_the_phone_text_and_email(db, team, calls, client, auth):
    auth.login(team["agent"])
    page = client.get("/today").get_data(as_text=True)
    assert 'href="tel:5550102000"' in page
    assert 'href="sms:5550102000"' in page
    assert 'href="mailto:ryan@example.com"' in page
    more = f"recommendation_id={calls['return_call'].id}"
    assert more in page  # "More…": the log form, prefilled


# --- Undo ----------------------------------------------------------------------
def test_undo_puts_back_the_item_and_takes_back_the_call(db, team, calls, client, auth):
    row = calls["return_call"]
    auth.login(team["agent"])
    token = undo_token(tap(client, row, "talked").get_data(as_text=True))
    response = client.post(
        "/recommendations/undo", data={"token": token, "next": "/today"}, headers=HTMX
    )
    html = response.get_data(as_text=True)
    db.session.refresh(row)
    assert row.status == "open" and row.decided_by_id is None
    assert not logged(db, row.partner_id)
    assert "Undone" in html
    assert '<span id="today-count" class="badge" hx-swap-oob="true">3</span>' in html
    # A second Undo changes nothing.
    again = client.post("/recommendations/undo", data={"token": token}, headers=HTMX)
    assert "nothing was undone" in again.get_data(as_text=True)
    db.session.refresh(row)
    assert row.status == "open"


@pytest.mark.parametrize("action", ["snooze", "dismiss"])
def test_undo_a_snooze_or_a_dismissal(db, team, calls, client, auth, action):
    row = calls["commitment_due"]
    auth.login(team["agent"])
    data = {"until": "tomorrow", "next": "/today"} if action == "snooze" else {"next": "/today"}
    html = client.post(f"/recommendations/{row.id}/{action}", data=data, headers=HTMX).get_data(
        as_text=True
    )
    assert '<span id="today-count" class="badge" hx-swap-oob="true">2</span>' in html
    client.post("/recommendations/undo", data={"token": undo_token(html)}, headers=HTMX)
    db.session.refresh(row)
    assert (row.status, row.snoozed_until, row.closed_at) == ("open", None, None)


def test_only_the_user_who_acted_may_undo(db, team, calls, client, auth, app):
    row = calls["return_call"]
    auth.login(team["agent"])
    token = undo_token(tap(client, row, "talked").get_data(as_text=True))
    auth.logout()
    auth.login(team["manager"])  # sees the partner, but did not act
    html = client.post("/recommendations/undo", data={"token": token}, headers=HTMX).get_data(
        as_text=True
    )
    assert "Only the person who did it can undo it." in html
    db.session.refresh(row)
    assert row.status == "done"


def test_an_undo_after_its_window_is_refused(db, team, calls, client, auth, app):
    row = calls["return_call"]
    auth.login(team["agent"])
    token = undo_token(tap(client, row, "talked").get_data(as_text=True))
    later = datetime(2026, 11, 20, 10, 42) + timedelta(seconds=UNDO_SECONDS + 60)
    app.config["PARTNERPLAN_NOW"] = later.isoformat()
    html = client.post("/recommendations/undo", data={"token": token}, headers=HTMX).get_data(
        as_text=True
    )
    assert "Too late to undo" in html
    db.session.refresh(row)
    assert row.status == "done"
    assert len(logged(db, row.partner_id)) == 1


def test_a_forged_undo_is_refused(db, team, calls, client, auth):
    auth.login(team["agent"])
    html = client.post(
        "/recommendations/undo", data={"token": "not-a-token"}, headers=HTMX
    ).get_data(as_text=True)
    assert "can no longer be undone" in html


# --- counts and days -----------------------------------------------------------
def test_section_counts_follow_each_action(db, team, calls, client, auth):
    auth.login(team["agent"])
    page = client.get("/today").get_data(as_text=True)
    assert page.count("Ryan Caller") and page.count("Lena Late")
    html = tap(client, calls["return_call"], "talked").get_data(as_text=True)
    assert "Ryan Caller" not in html.split("today-decisions")[0].split("</div>", 1)[1]
    # The call list's sections are today-1 to today-3 (planning, tier changes and decisions follow).
    sections = [s for s in html.split('<h2 id="today-')[1:] if s[0].isdigit()]
    totals = sum(int(s.split('class="badge">')[1].split("<")[0]) for s in sections)
    assert totals == 2  # Lena's two


def test_a_cards_due_day_is_the_teams_day(db, team, client, auth, app):
    """At 02:00 UTC on 21 Nov it is still 20 Nov in New York: due today, not overdue."""
    team["agent"].team.timezone = "America/New_York"
    partner = make_partner(team["agent"], name="Nina Night", met_on=date(2026, 11, 1), spouse="C")
    db.session.commit()
    app.config["PARTNERPLAN_NOW"] = "2026-11-21T02:00+00:00"
    voicemail_for_us(db, partner, days_ago=0)
    refresh_partners(partner.team_id)
    row = row_of(db, partner, "return_call")
    assert row.due == TODAY
    auth.login(team["agent"])
    page = client.get("/today").get_data(as_text=True)
    card = page.split(f'id="recommendation-{row.id}"')[1].split("</li>")[0]
    assert "Due today" in card and "Overdue" not in card


# --- the manager's Today -------------------------------------------------------
def test_a_managers_today_separates_their_partners_from_the_teams(db, team, calls, client, auth):
    own = make_partner(team["manager"], name="Mia Mine", met_on=date(2026, 11, 1), spouse="D")
    db.session.commit()
    voicemail_for_us(db, own)
    refresh_partners(own.team_id)
    auth.login(team["manager"])
    page = client.get("/today").get_data(as_text=True)
    groups = re.findall(r'<h3 class="today-whose">([^<]+)</h3>(.*?)</ul>', page, re.S)
    mine = "".join(items for heading, items in groups if heading == "Your partners")
    theirs = "".join(items for heading, items in groups if heading == "Your team&#39;s")
    assert "Mia Mine" in mine and "Ryan Caller" not in mine and "Sam Ortiz" not in mine
    assert "Ryan Caller" in theirs and "Sam Ortiz" in theirs  # the agent is named
    assert 'id="review-count"' in page


def test_the_menu_keeps_four_items_in_the_bar(db, team, client, auth):
    auth.login(team["manager"])
    page = client.get("/today").get_data(as_text=True)
    bar = page.split('<nav class="main-nav"')[1].split('<details class="nav-more">')[0]
    assert bar.count("<li>") <= 4
    assert "<summary>More</summary>" in page


def test_a_manager_narrows_today_to_one_agent(db, team, calls, client, auth):
    kims = make_partner(team["other_agent"], name="Kit Kim", met_on=date(2026, 11, 1), spouse="E")
    db.session.commit()
    voicemail_for_us(db, kims)
    refresh_partners(kims.team_id)
    auth.login(team["manager"])
    everyone = client.get("/today").get_data(as_text=True)
    assert "Kit Kim" in everyone and "Ryan Caller" in everyone
    page = client.get(f"/today?agent={team['other_agent'].id}").get_data(as_text=True)
    assert "Kit Kim" in page and "Ryan Caller" not in page
    assert f'<option value="{team["other_agent"].id}" selected>Kim Lee</option>' in page
    # The menu still counts everything the manager sees.
    assert 'id="today-count" class="badge">4<' in page
    # An action from the narrowed list answers with the narrowed list.
    row = row_of(db, kims, "return_call")
    html = client.post(
        f"/recommendations/{row.id}/outcome",
        data={"outcome": "talked", "next": f"/today?agent={team['other_agent'].id}"},
        headers=HTMX,
    ).get_data(as_text=True)
    assert "Ryan Caller" not in html and "Talked — done" in html
    assert '<span id="today-count" class="badge" hx-swap-oob="true">3</span>' in html
    # Someone outside the team is no filter at all.
    page = client.get(f"/today?agent={team['rival_agent'].id}").get_data(as_text=True)
    assert "Ryan Caller" in page


def test_an_agent_has_no_filter(db, team, calls, client, auth):
    auth.login(team["agent"])
    page = client.get(f"/today?agent={team['other_agent'].id}").get_data(as_text=True)
    assert 'id="today-agent"' not in page and "Ryan Caller" in page


def test_no_answer_to_a_call_back_is_not_done_though_the_catalogue_closes_it(
    db, team, calls, client, auth
):
    """DOMAIN.md: `return_call` holds while no outbound interaction follows their
    voicemail, so any attempt ends it. The tap does not mark it done; the rule
    closes it by itself, and the notice says so."""
    row = calls["return_call"]
    auth.login(team["agent"])
    html = tap(client, row, "no_answer").get_data(as_text=True)
    db.session.refresh(row)
    assert (row.status, row.decided_by_id) == ("closed", None)
    assert "No answer logged: Return the call · Ryan Caller (no longer needed)." in html


# --- Undo on the partner page --------------------------------------------------
@pytest.mark.parametrize("action", ["snooze", "dismiss"])
def test_on_the_partner_page_a_snooze_or_dismissal_says_so_with_its_undo(
    db, team, calls, client, auth, action
):
    row = calls["commitment_due"]
    page = f"/partners/{row.partner_id}"
    auth.login(team["agent"])
    data = {"until": "next_week", "next": page} if action == "snooze" else {"next": page}
    html = client.post(f"/recommendations/{row.id}/{action}", data=data, headers=HTMX).get_data(
        as_text=True
    )
    # In the item's place: what happened, and its Undo aimed at the panel.
    assert f'<li id="recommendation-{row.id}" class="today-notice" role="status"' in html
    said = "Snoozed until Fri 27 Nov" if action == "snooze" else "Dismissed"
    assert said in html and "Lena Late" in html
    assert 'hx-target="#panel-recommendations"' in html
    assert '<span id="today-count" class="badge" hx-swap-oob="true">2</span>' in html

    undone = client.post(
        "/recommendations/undo", data={"token": undo_token(html), "next": page}, headers=HTMX
    ).get_data(as_text=True)
    db.session.refresh(row)
    assert (row.status, row.snoozed_until, row.closed_at) == ("open", None, None)
    assert undone.startswith('<section id="panel-recommendations"')
    assert "Undone: " in undone and f'id="recommendation-{row.id}"' in undone
    assert '<span id="today-count" class="badge" hx-swap-oob="true">3</span>' in undone


def dismissed_on_the_partner_page(calls, client, auth, team):
    """The late commitment dismissed from its partner's page: (row, page, answer)."""
    row = calls["commitment_due"]
    page = f"/partners/{row.partner_id}"
    auth.login(team["agent"])
    html = client.post(
        f"/recommendations/{row.id}/dismiss", data={"next": page}, headers=HTMX
    ).get_data(as_text=True)
    return row, page, html


def test_on_the_partner_page_a_refused_undo_is_said_in_the_alert(
    db, team, calls, client, auth, app
):
    row, page, html = dismissed_on_the_partner_page(calls, client, auth, team)
    app.config["PARTNERPLAN_NOW"] = "2026-11-20T11:00"  # 18 minutes on
    response = client.post(
        "/recommendations/undo", data={"token": undo_token(html), "next": page}, headers=HTMX
    )
    assert response.status_code == 409
    assert "Too late to undo" in response.get_data(as_text=True)
    db.session.refresh(row)
    assert row.status == "dismissed"


def test_without_javascript_the_partner_page_undo_returns_there(db, team, calls, client, auth):
    row, page, html = dismissed_on_the_partner_page(calls, client, auth, team)
    response = client.post("/recommendations/undo", data={"token": undo_token(html), "next": page})
    assert response.status_code == 303 and response.location == page
    assert "Undone: " in client.get(page).get_data(as_text=True)
    db.session.refresh(row)
    assert row.status == "open"


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_an_undo_never_sends_anyone_off_the_site(db, team, calls, client, auth, target):
    row, _, html = dismissed_on_the_partner_page(calls, client, auth, team)
    response = client.post(
        "/recommendations/undo", data={"token": undo_token(html), "next": target}
    )
    assert response.status_code == 303 and response.location == "/today"
    db.session.refresh(row)
    assert row.status == "open"
