import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.helpers import count, make_partner
from webapp.logbook.history import RECENT
from webapp.models import Interaction, Recommendation, Referral

HTMX = {"HX-Request": "true"}


@pytest.fixture
def partner(team, db):
    partner = make_partner(team["agent"], "Ryan McMillan")
    db.session.commit()
    return partner


@pytest.fixture(autouse=True)
def frozen_now(app):
    app.config["PARTNERPLAN_NOW"] = "2026-11-20T15:30"


def coffee(**changes):
    data = {
        "kind": "coffee",
        "direction": "outbound",
        "outcome": "connected",
        "sentiment": "positive",
        "at": "2026-11-20T10:00",
        "minutes": "45",
        "notes": "High-trust conversation.",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_htmx_log_returns_the_fresh_logbook_with_the_new_entry(client, auth, team, partner, db):
    auth.login(team["agent"])
    response = client.post(
        f"/logbook/partners/{partner.id}/interactions", data=coffee(), headers=HTMX
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<html" not in text
    assert "High-trust conversation." in text and "Coffee" in text
    interaction = db.session.scalar(sa.select(Interaction))
    assert interaction.at == datetime(2026, 11, 20, 10, 0)
    assert interaction.user_id == team["agent"].id and interaction.minutes == 45


def test_without_javascript_the_log_redirects_to_the_partner_page(client, auth, team, partner):
    auth.login(team["agent"])
    response = client.post(f"/logbook/partners/{partner.id}/interactions", data=coffee())
    assert response.status_code == 303
    assert response.headers["Location"] == f"/partners/{partner.id}"
    assert "High-trust conversation." in client.get(f"/partners/{partner.id}").get_data(
        as_text=True
    )


def test_history_is_newest_first_with_referrals(client, auth, team, partner):
    auth.login(team["agent"])
    client.post(
        f"/logbook/partners/{partner.id}/interactions",
        data=coffee(at="2026-11-01T09:00", notes="older coffee"),
    )
    client.post(
        f"/logbook/partners/{partner.id}/interactions",
        data=coffee(at="2026-11-19T09:00", notes="newer coffee"),
    )
    client.post(
        f"/logbook/partners/{partner.id}/referrals",
        data={
            "direction": "received",
            "client": "J. Alvarez",
            "referred_on": "2026-11-10",
            "status": "new",
        },
    )
    page = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert page.index("newer coffee") < page.index("J. Alvarez") < page.index("older coffee")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"kind": "coffe"}, "Not a valid choice"),
        ({"at": "2026-02-30T10:00"}, "Not a valid datetime value"),
        ({"at": ""}, "Enter the date and time."),
        ({"at": "2026-11-22T10:00"}, "can&#39;t be logged in the future"),
        ({"minutes": "-5"}, "Between 0 and 1440 minutes."),
        ({"disrespectful": "y", "sentiment": "positive"}, "Only a negative interaction"),
        ({"notes": "x" * 10001}, "Field cannot be longer than 10000 characters."),
    ],
)
def test_bad_interaction_is_refused_beside_the_field(
    client, auth, team, partner, db, changes, message
):
    auth.login(team["agent"])
    response = client.post(
        f"/logbook/partners/{partner.id}/interactions", data=coffee(**changes), headers=HTMX
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db, Interaction) == 0


def test_disrespectful_negative_interaction_is_kept(client, auth, team, partner, db):
    auth.login(team["agent"])
    response = client.post(
        f"/logbook/partners/{partner.id}/interactions",
        data=coffee(kind="call", sentiment="negative", disrespectful="y"),
    )
    assert response.status_code == 303
    assert db.session.scalar(sa.select(Interaction.disrespectful)) is True


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"client": ""}, "Enter the client&#39;s name."),
        ({"commission": "-100"}, "between 0 and 10,000,000"),
        ({"commission": "lots"}, "Not a valid decimal value"),
        ({"referred_on": "2026-11-21"}, "can&#39;t be dated in the future"),
        ({"status": "closed", "closed_on": "2026-11-01"}, "can&#39;t close before"),
        ({"direction": "sideways"}, "Not a valid choice"),
    ],
)
def test_bad_referral_is_refused(client, auth, team, partner, db, changes, message):
    auth.login(team["agent"])
    data = {
        "direction": "received",
        "client": "J. Alvarez",
        "referred_on": "2026-11-10",
        "status": "new",
        **changes,
    }
    response = client.post(f"/logbook/partners/{partner.id}/referrals", data=data, headers=HTMX)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db, Referral) == 0


def test_referral_status_advances_inline_and_closing_sets_the_day(client, auth, team, partner, db):
    auth.login(team["agent"])
    client.post(
        f"/logbook/partners/{partner.id}/referrals",
        data={
            "direction": "received",
            "client": "J. Alvarez",
            "referred_on": "2026-10-20",
            "status": "new",
            "commission": "11500",
        },
    )
    referral = db.session.scalar(sa.select(Referral))
    response = client.post(
        f"/logbook/referrals/{referral.id}/status", data={"status": "closed"}, headers=HTMX
    )
    assert response.status_code == 200
    db.session.refresh(referral)
    assert referral.status == "closed" and referral.closed_on == date(2026, 11, 20)
    assert "$11,500" in response.get_data(as_text=True)


def test_edit_and_delete_an_entry(client, auth, team, partner, db):
    auth.login(team["agent"])
    client.post(f"/logbook/partners/{partner.id}/interactions", data=coffee())
    interaction = db.session.scalar(sa.select(Interaction))
    form_page = client.get(f"/logbook/interactions/{interaction.id}/edit")
    assert form_page.status_code == 200 and "High-trust conversation." in form_page.get_data(True)
    response = client.post(
        f"/logbook/interactions/{interaction.id}/edit",
        data=coffee(kind="lunch", notes="It was lunch."),
    )
    assert response.status_code == 303
    db.session.refresh(interaction)
    assert interaction.kind == "lunch"
    confirm = client.get(f"/logbook/interactions/{interaction.id}/delete")
    assert b"Delete this interaction?" in confirm.data
    assert count(db, Interaction) == 1
    client.post(f"/logbook/interactions/{interaction.id}/delete", headers=HTMX)
    assert count(db, Interaction) == 0


def test_nobody_logs_for_someone_elses_partner(client, auth, team, partner, db):
    client.post("/auth/login", data={})
    auth.login(team["other_agent"])
    response = client.post(f"/logbook/partners/{partner.id}/interactions", data=coffee())
    assert response.status_code == 404
    auth.logout()
    auth.login(team["rival_manager"])
    assert (
        client.post(f"/logbook/partners/{partner.id}/interactions", data=coffee()).status_code
        == 404
    )
    assert count(db, Interaction) == 0
    auth.logout()
    auth.login(team["manager"])
    assert (
        client.post(f"/logbook/partners/{partner.id}/interactions", data=coffee()).status_code
        == 303
    )
    interaction = db.session.scalar(sa.select(Interaction))
    auth.logout()
    auth.login(team["other_agent"])
    assert client.get(f"/logbook/interactions/{interaction.id}/edit").status_code == 404
    assert client.post(f"/logbook/interactions/{interaction.id}/delete").status_code == 404
    assert count(db, Interaction) == 1


def test_a_log_answering_a_recommendation_marks_it_done_and_reevaluates(
    client, auth, team, partner, db
):
    """The log form opened from a recommendation's "Done…" carries its id: the
    item is done, and the partner's other recommendations follow the new history."""
    from webapp.recommendations.lifecycle import refresh_partners

    add_calls(db, partner, team["agent"], 1, datetime(2026, 8, 1, 9))  # long quiet
    refresh_partners(partner.team_id, [partner.id])
    open_items = db.session.scalars(
        sa.select(Recommendation).where(Recommendation.status == "open")
    ).all()
    assert open_items
    answered = open_items[0]
    auth.login(team["agent"])
    response = client.post(
        f"/logbook/partners/{partner.id}/interactions?recommendation_id={answered.id}",
        data=coffee(),
        headers=HTMX,
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Recommendation, answered.id).status == "done"


def test_prefilled_form_and_quick_log_from_the_list(client, auth, team, partner, db):
    auth.login(team["agent"])
    page = client.get(f"/logbook/partners/{partner.id}/interactions/new?kind=thank_you")
    assert '<option selected value="thank_you">' in page.get_data(as_text=True)
    assert (
        client.get(f"/logbook/partners/{partner.id}/interactions/new?kind=bogus").status_code == 404
    )
    response = client.post(
        f"/logbook/partners/{partner.id}/interactions?quick=1", data=coffee(), headers=HTMX
    )
    assert response.status_code == 200
    assert "Coffee logged." in response.get_data(as_text=True)
    assert response.headers["HX-Trigger"] == "partner-changed"
    assert count(db, Interaction) == 1


def test_a_failing_rules_engine_never_loses_what_was_logged(
    client, auth, team, partner, db, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("engine crashed")

    monkeypatch.setattr("webapp.recommendations.lifecycle.refresh_partners", broken)
    auth.login(team["agent"])
    response = client.post(
        f"/logbook/partners/{partner.id}/interactions", data=coffee(), headers=HTMX
    )
    assert response.status_code == 200
    assert "High-trust conversation." in response.get_data(as_text=True)
    assert count(db, Interaction) == 1


def test_the_partner_page_shows_the_recent_history_and_the_rest_on_demand(
    client, auth, team, partner, db
):
    for day in range(1, 36):
        db.session.add(
            Interaction(
                partner_id=partner.id,
                user_id=team["agent"].id,
                kind="call",
                direction="outbound",
                outcome="connected",
                at=datetime(2026, 10, 1, 9) + timedelta(days=day),
                notes=f"call {day}",
            )
        )
    db.session.commit()
    auth.login(team["agent"])
    page = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert page.count('id="interaction-') == RECENT < 35
    newest, older = f"call {35 - RECENT + 1}<", f"call {35 - RECENT}<"
    assert "call 35" in page and newest in page and older not in page
    assert "Show the whole history" in page
    everything = client.get(f"/partners/{partner.id}?history=all").get_data(as_text=True)
    assert everything.count('id="interaction-') == 35
    assert "Show the whole history" not in everything


def test_a_log_from_the_partner_page_sends_back_its_form_the_history_and_the_panels(
    client, auth, team, partner
):
    """The form comes back fresh, saying what was logged; the history (whole, for
    the first entry) and the panels that follow interactions come out of band."""
    auth.login(team["agent"])
    response = client.post(
        f"/logbook/partners/{partner.id}/interactions", data=coffee(), headers=HTMX
    )
    assert response.status_code == 200 and "HX-Reswap" not in response.headers
    text = response.get_data(as_text=True)
    assert text.startswith('<details id="log-interaction" class="card" open>')
    assert 'role="status">Coffee logged.</p>' in text and "Log a referral" not in text
    # "Now" is 2026-11-20 15:30 (frozen): the next log defaults to it.
    assert 'id="at" name="at" required type="datetime-local" value="2026-11-20T15:30"' in text
    assert "High-trust conversation.</textarea>" not in text
    assert (
        '<div id="history" hx-swap-oob="true">' in text and "High-trust conversation.</p>" in text
    )
    assert re.search(r'<section id="panel-recommendations"[^>]* hx-swap-oob="true">', text)
    assert 'id="panel-ledger"' not in text and 'id="panel-tier"' not in text


def test_a_referral_log_sends_back_the_ledger_too(client, auth, team, partner):
    auth.login(team["agent"])
    data = {"direction": "received", "client": "The Parks", "referred_on": "2026-11-20"}
    response = client.post(f"/logbook/partners/{partner.id}/referrals", data=data, headers=HTMX)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and 'role="status">Referral logged.</p>' in text
    assert text.startswith('<details id="log-referral" class="card" open>')
    assert 'id="panel-ledger"' in text and 'id="panel-recommendations"' in text


def test_an_inline_edit_has_ids_of_its_own(client, auth, team, partner, db):
    """Opened in the history under the log form, an edit shares no id with it: each
    label names its own field, and what a log sends back cannot land in the edit."""
    add_calls(db, partner, team["agent"], 1, datetime(2026, 11, 2, 9))
    interaction = db.session.scalar(sa.select(Interaction))
    auth.login(team["agent"])
    page = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    edit = client.get(f"/logbook/interactions/{interaction.id}/edit", headers=HTMX)
    text = edit.get_data(as_text=True)
    ids = re.findall(r' id="([^"]+)"', text)
    prefix = f"edit-interaction-{interaction.id}-"
    assert ids and all(id_.startswith(prefix) for id_ in ids)
    assert f'<label for="{prefix}at">' in text and 'name="at"' in text
    assert not set(ids) & set(re.findall(r' id="([^"]+)"', page))


def test_a_log_after_messages_brings_the_form_back_fresh(client, auth, team, partner, db):
    """Refused, the form comes back as posted with its messages, and nothing else
    (nothing changed); then logged, fresh."""
    auth.login(team["agent"])
    url = f"/logbook/partners/{partner.id}/interactions"
    rejected = client.post(url, data=coffee(at="not a day"), headers=HTMX)
    assert rejected.status_code == 422
    form = rejected.get_data(as_text=True)
    assert form.startswith('<details id="log-interaction"')
    assert 'aria-invalid="true"' in form and "High-trust conversation.</textarea>" in form
    assert 'id="history"' not in form and "hx-swap-oob" not in form
    assert count(db, Interaction) == 0

    response = client.post(url, data=coffee(), headers=HTMX)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "aria-invalid" not in text and "High-trust conversation.</textarea>" not in text
    assert 'role="status">Coffee logged.</p>' in text
    assert count(db, Interaction) == 1


def test_a_rejected_log_from_the_partner_page_returns_its_form_with_the_messages(
    client, auth, team, partner, db
):
    auth.login(team["agent"])
    response = client.post(
        f"/logbook/partners/{partner.id}/referrals",
        data={"direction": "received", "client": "", "referred_on": "2026-13-45"},
        headers=HTMX,
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert text.startswith('<details id="log-referral" class="card" open>')
    assert 'aria-invalid="true"' in text and "Log an interaction" not in text
    assert count(db, Referral) == 0


def test_without_javascript_a_refused_log_is_a_page_with_the_messages(
    client, auth, team, partner, db
):
    auth.login(team["agent"])
    response = client.post(
        f"/logbook/partners/{partner.id}/referrals",
        data={"direction": "received", "client": "", "referred_on": "2026-11-20"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" in text
    assert "Log a referral" in text and 'aria-invalid="true"' in text
    assert f'action="/logbook/partners/{partner.id}/referrals"' in text
    assert count(db, Referral) == 0


def test_an_inline_edit_stays_open_while_the_history_is_sent_again(client, auth, team, partner, db):
    """Each entry has a slot for its edit form that a history sent whole leaves as
    it is (hx-preserve), except the one whose edit was just saved; an edit
    refused goes back into its own slot."""
    add_calls(db, partner, team["agent"], 2, datetime(2026, 11, 2, 9))
    first, second = db.session.scalars(sa.select(Interaction).order_by(Interaction.id)).all()
    auth.login(team["agent"])
    earlier = client.post(
        f"/logbook/partners/{partner.id}/interactions",
        data=coffee(at="2026-10-01T09:00"),
        headers=HTMX,
    ).get_data(as_text=True)
    assert f'<div id="edit-interaction-{first.id}" hx-preserve></div>' in earlier
    assert f'<div id="edit-interaction-{second.id}" hx-preserve></div>' in earlier

    edit_url = f"/logbook/interactions/{first.id}/edit"
    edit = client.get(edit_url, headers=HTMX).get_data(as_text=True)
    assert 'hx-target="#history"' in edit and "<html" not in edit
    refused = client.post(edit_url, data=coffee(at=""), headers=HTMX)
    assert refused.status_code == 422
    assert refused.headers["HX-Retarget"] == f"#edit-interaction-{first.id}"
    assert refused.headers["HX-Reswap"] == "innerHTML"
    saved = client.post(edit_url, data=coffee(notes="Corrected."), headers=HTMX)
    text = saved.get_data(as_text=True)
    assert saved.status_code == 200 and text.startswith('<div id="history">')
    assert "Corrected.</p>" in text
    assert f'<div id="edit-interaction-{first.id}"></div>' in text
    assert f'<div id="edit-interaction-{second.id}" hx-preserve></div>' in text


# --- the history after a log: only what changed, the same page in the end ----
ENTRY_ID = re.compile(r'<li id="((?:interaction|referral)-\d+)"')


def shown_history(page: str) -> tuple[list[str], bool]:
    """The ids of the entries a page (or fragment) shows, and whether it links to the rest."""
    start = page.index('<div id="history"')
    section = page[start : page.index('<p id="more-history"', start) + 400]
    section = section[: section.index("</p>", section.index('<p id="more-history"'))]
    return ENTRY_ID.findall(section), "Show the whole history" in section


def after_swap(page: str, response: str) -> tuple[list[str], bool]:
    """The page's history once htmx applied the response's out-of-band swaps."""
    if 'hx-swap-oob="afterbegin:#history-list"' not in response:
        return shown_history(response)
    entries, _ = shown_history(page)
    inserted = response.split('hx-swap-oob="afterbegin:#history-list">', 1)[1].split("</ol>")[0]
    entries = ENTRY_ID.findall(inserted) + entries
    gone = re.findall(r'<li id="([^"]+)" hx-swap-oob="delete">', response)
    link = response.split('<p id="more-history" hx-swap-oob="true">', 1)[1].split("</p>")[0]
    return [id_ for id_ in entries if id_ not in gone], "Show the whole history" in link


def add_calls(db, partner, user, how_many: int, first: datetime) -> None:
    for day in range(how_many):
        db.session.add(
            Interaction(
                partner_id=partner.id,
                user_id=user.id,
                kind="call",
                direction="outbound",
                outcome="connected",
                at=first + timedelta(days=day),
            )
        )
    db.session.commit()


@pytest.mark.parametrize("earlier", [0, 1, 2, RECENT - 1, RECENT, RECENT + 1, RECENT + 5])
@pytest.mark.parametrize("when", ["2026-11-20T10:00", "2026-11-01T10:00", "2026-10-01T09:00"])
def test_after_a_log_the_history_is_what_a_fresh_page_shows(
    client, auth, team, partner, db, earlier, when
):
    """Whether the entry is sent alone (it lands on top) or the history whole,
    the page ends up showing exactly what reloading it would."""
    add_calls(db, partner, team["agent"], earlier, datetime(2026, 10, 1, 9))
    auth.login(team["agent"])
    page = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    response = client.post(
        f"/logbook/partners/{partner.id}/interactions", data=coffee(at=when), headers=HTMX
    ).get_data(as_text=True)
    fresh = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert after_swap(page, response) == shown_history(fresh)
    assert len(shown_history(fresh)[0]) == min(earlier + 1, RECENT)


def test_an_entry_landing_on_top_is_sent_alone(client, auth, team, partner, db):
    add_calls(db, partner, team["agent"], RECENT + 3, datetime(2026, 10, 1, 9))
    pushed_off = db.session.scalars(sa.select(Interaction).order_by(Interaction.at.desc())).all()
    auth.login(team["agent"])
    response = client.post(
        f"/logbook/partners/{partner.id}/interactions", data=coffee(), headers=HTMX
    ).get_data(as_text=True)
    assert 'id="history"' not in response
    inserted = response.split('hx-swap-oob="afterbegin:#history-list">', 1)[1].split("</ol>")[0]
    assert len(ENTRY_ID.findall(inserted)) == 1 and "High-trust conversation." in inserted
    # The one now past those shown goes, named by its id.
    gone = pushed_off[RECENT - 1]
    assert f'<li id="interaction-{gone.id}" hx-swap-oob="delete"></li>' in response
    assert 'id="panel-recommendations"' in response  # the panels still follow


@pytest.mark.parametrize("day", ["2026-11-20", "2026-10-02"])
def test_after_a_referral_the_history_is_what_a_fresh_page_shows(
    client, auth, team, partner, db, day
):
    add_calls(db, partner, team["agent"], RECENT + 3, datetime(2026, 10, 1, 9))
    auth.login(team["agent"])
    page = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    data = {"direction": "received", "client": f"Client {day}", "referred_on": day}
    response = client.post(
        f"/logbook/partners/{partner.id}/referrals", data=data, headers=HTMX
    ).get_data(as_text=True)
    fresh = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert after_swap(page, response) == shown_history(fresh)


def test_a_page_showing_the_whole_history_gets_it_whole_again(client, auth, team, partner, db):
    """The forms and links of a page showing the whole history carry ?history=all,
    so what they send back is the whole history too."""
    add_calls(db, partner, team["agent"], RECENT + 3, datetime(2026, 10, 1, 9))
    auth.login(team["agent"])
    everything = client.get(f"/partners/{partner.id}?history=all").get_data(as_text=True)
    log_url = f"/logbook/partners/{partner.id}/interactions?history=all"
    assert f'hx-post="{log_url}"' in everything
    response = client.post(log_url, data=coffee(), headers=HTMX).get_data(as_text=True)
    assert shown_history(response) == (
        shown_history(client.get(f"/partners/{partner.id}?history=all").get_data(as_text=True))[0],
        False,
    )
    assert len(shown_history(response)[0]) == RECENT + 4
    plain = client.post(log_url, data=coffee(), follow_redirects=False)
    assert plain.headers["Location"] == f"/partners/{partner.id}?history=all"
