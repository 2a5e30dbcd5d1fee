"""The audit trail: the team's events, newest first, filtered, paged, exported as CSV."""

import csv
import io
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.helpers import audited_changes, make_partner
from webapp.desk.audit import AppendOnlyError
from webapp.models import AuditEvent, record_audit


def event(db, user, kind, summary, at, partner=None, **changes):
    recorded = record_audit(user.team_id, user, kind, summary, partner=partner, **changes)
    recorded.at = at
    db.session.commit()
    return recorded


@pytest.fixture
def trail(db, team):
    """Harbor's events (times in UTC; Harbor is in New York), and one of the rival team."""
    ryan = make_partner(team["agent"], "Ryan McMillan")
    lena = make_partner(team["other_agent"], "Léna Park")
    manager, admin = team["manager"], team["admin"]
    event(
        db,
        manager,
        "tier_change",
        "Ryan McMillan: Cultivate → Maintain approved.",
        datetime(2026, 11, 2, 15),
        ryan,
        before={"tier": "cultivate"},
        after={"tier": "maintain"},
    )
    event(
        db,
        admin,
        "role_change",
        "Kim Lee: Agent → Manager.",
        datetime(2026, 11, 5, 15),
        before={"role": "agent"},
        after={"role": "manager"},
    )
    # 03:00 UTC on the 10th is 22:00 on the 9th in New York.
    event(
        db, manager, "archive", '=HYPERLINK("http://evil.example")', datetime(2026, 11, 10, 3), lena
    )
    event(db, manager, "tier_rejected", "+1 rejected; -2; @sum", datetime(2026, 11, 12, 15), ryan)
    event(db, team["rival_manager"], "archive", "Rival secret", datetime(2026, 11, 6, 15))
    return {"ryan": ryan, "lena": lena}


def summaries(response) -> list[str]:
    text = response.get_data(as_text=True)
    order = [
        "Ryan McMillan: Cultivate",
        "Kim Lee: Agent",
        "HYPERLINK",
        "+1 rejected",
        "Rival secret",
    ]
    found = [s for s in order if s in text]
    return sorted(found, key=text.index)


def test_every_event_of_the_team_newest_first(client, auth, team, trail):
    auth.login(team["manager"])
    response = client.get("/desk/audit")
    assert response.status_code == 200
    assert summaries(response) == [
        "+1 rejected",
        "HYPERLINK",
        "Kim Lee: Agent",
        "Ryan McMillan: Cultivate",
    ]
    text = response.get_data(as_text=True)
    assert "9 Nov 2026, 22:00" in text  # shown in the team's time
    assert "tier: cultivate → maintain" in text


def test_filters_by_partner_user_and_kind(client, auth, team, trail):
    auth.login(team["admin"])
    by_partner = client.get("/desk/audit", query_string={"partner": trail["ryan"].id})
    assert summaries(by_partner) == ["+1 rejected", "Ryan McMillan: Cultivate"]
    by_user = client.get("/desk/audit", query_string={"user": team["admin"].id})
    assert summaries(by_user) == ["Kim Lee: Agent"]
    by_kind = client.get("/desk/audit", query_string={"kind": "archive"})
    assert summaries(by_kind) == ["HYPERLINK"]


def test_filters_by_days_in_the_teams_time_zone(client, auth, team, trail):
    auth.login(team["manager"])
    ninth = client.get(
        "/desk/audit", query_string={"date_from": "2026-11-09", "date_to": "2026-11-09"}
    )
    assert summaries(ninth) == ["HYPERLINK"]
    from_tenth = client.get("/desk/audit", query_string={"date_from": "2026-11-10"})
    assert summaries(from_tenth) == ["+1 rejected"]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"date_from": "2026-13-40"}, "Not a valid date value."),
        (
            {"date_from": "2026-11-10", "date_to": "2026-11-01"},
            "The end date is before the start date.",
        ),
        ({"kind": "drop_table"}, "Not a valid choice."),
        ({"user": "abc"}, "Not a valid choice."),
    ],
)
def test_invalid_filters_are_explained_beside_the_field(client, auth, team, trail, args, message):
    auth.login(team["manager"])
    for url in ("/desk/audit", "/desk/audit.csv"):
        response = client.get(url, query_string=args)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
        assert summaries(response) == []


def test_another_teams_partner_or_user_is_not_a_filter(client, auth, team, trail):
    auth.login(team["rival_manager"])
    response = client.get("/desk/audit", query_string={"partner": trail["ryan"].id})
    assert response.status_code == 422 and "Ryan McMillan" not in response.get_data(as_text=True)
    response = client.get("/desk/audit", query_string={"user": team["manager"].id})
    assert response.status_code == 422
    assert summaries(client.get("/desk/audit")) == ["Rival secret"]


def test_pages_of_fifty_keep_the_filters(client, auth, team, db):
    for n in range(55):
        event(
            db,
            team["manager"],
            "import",
            f"Import number {n:02}.",
            datetime(2026, 11, 1) + timedelta(minutes=n),
        )
    event(db, team["manager"], "archive", "Not an import.", datetime(2026, 11, 3))
    auth.login(team["manager"])
    first = client.get("/desk/audit", query_string={"kind": "import"}).get_data(as_text=True)
    assert "Import number 54." in first and "Import number 05." in first
    assert "Import number 04." not in first and "Page 1 of 2" in first
    assert 'href="/desk/audit?page=2&amp;kind=import"' in first
    second = client.get("/desk/audit", query_string={"kind": "import", "page": 2}).get_data(
        as_text=True
    )
    assert "Import number 04." in second and "Import number 00." in second
    assert "Import number 05." not in second and "Not an import." not in second


def test_csv_export_of_the_filtered_rows(client, auth, team, trail):
    auth.login(team["manager"])
    response = client.get("/desk/audit.csv", query_string={"partner": trail["ryan"].id})
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header = ["when (America/New_York)", "user", "kind", "partner", "summary", "before", "after"]
    assert rows[0] == header
    assert [row[4] for row in rows[1:]] == [
        "'+1 rejected; -2; @sum",
        "Ryan McMillan: Cultivate → Maintain approved.",
    ]
    assert rows[2][:4] == ["2026-11-02 10:00:00", "Dana Reyes", "Tier change", "Ryan McMillan"]
    assert rows[2][5:] == ['{"tier": "cultivate"}', '{"tier": "maintain"}']


def test_csv_neutralises_formulas_and_keeps_accents(client, auth, team, db, trail):
    for start in ("-", "@", "\t", "\r"):
        event(db, team["manager"], "import", f"{start}cmd|' /C calc'!A0", datetime(2026, 11, 20))
    auth.login(team["manager"])
    response = client.get("/desk/audit.csv", query_string={"partner": trail["lena"].id})
    [header, row] = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert row[3] == "Léna Park"
    assert row[4] == '\'=HYPERLINK("http://evil.example")'
    response = client.get("/desk/audit.csv", query_string={"kind": "import"})
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    assert sorted(row[4][:2] for row in rows[1:]) == sorted(["'-", "'@", "'\t", "'\r"])


def test_the_trail_is_append_only(app, client, auth, team, trail, db):
    writes = {"POST", "PUT", "PATCH", "DELETE"}
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert not (rule.methods & writes), rule
    auth.login(team["admin"])
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/desk/audit").status_code == 405
    assert client.post("/desk/audit/1").status_code == 404
    assert audited_changes(db) == 5


def test_recorded_events_cannot_be_changed_or_deleted(team, trail, db):
    recorded = db.session.scalars(sa.select(AuditEvent)).first()
    recorded.summary = "Nothing happened."
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(recorded)
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    assert audited_changes(db) == 5
