"""The morning email: what it says (the same as Today), to whom and when, the
preferences page, and the one-click unsubscribe."""

import re
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from itsdangerous import URLSafeSerializer

from tests.helpers import make_partner, make_user
from tests.test_migrations import MIGRATIONS, empty_database  # noqa: F401  (a fixture)
from webapp import clock
from webapp.extensions import db as _db
from webapp.jobs.morning import chosen_hours
from webapp.models import OutboxEmail, Recommendation, Referral, Team, User
from webapp.morning import compose, due_recipients

WEDNESDAY = date(2026, 12, 2)
MORNING = "2026-12-02T07:00-05:00"  # 07:00 in New York, the team's zone


@pytest.fixture
def frozen(app):
    """Freeze the clock at an instant and return the team's day then."""

    def at(instant: str) -> date:
        app.config["PARTNERPLAN_NOW"] = instant
        return clock.today("America/New_York")

    at(MORNING)
    return at


def referred(db, partner, on: date, client: str = "J. Alvarez") -> None:
    """A referral received: `thank_you` is due two days later."""
    db.session.add(
        Referral(partner_id=partner.id, direction="received", client=client, referred_on=on)
    )
    db.session.commit()


@pytest.fixture
def book(db, team, frozen):
    """Sam's partners, one overdue, one due today, one due tomorrow. Met lately,
    so that no coffee is due."""
    agent, met = team["agent"], WEDNESDAY - timedelta(days=10)
    partners = {
        "overdue": make_partner(agent, "Olivia Overdue", phone="(555) 010-2000", met_on=met),
        "today": make_partner(agent, "Tom Today", phone="+1 555 010 3000", met_on=met),
        "future": make_partner(agent, "Fran Future", met_on=met),
    }
    referred(db, partners["overdue"], WEDNESDAY - timedelta(days=5))
    referred(db, partners["today"], WEDNESDAY - timedelta(days=2))
    referred(db, partners["future"], WEDNESDAY - timedelta(days=1))
    return partners


def parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) of a multipart/alternative message."""
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def today_page_items(client, section: str) -> list[tuple[str, str]]:
    """(partner, reason) of a section of the Today page, in order."""
    page = client.get("/today?all=1").get_data(as_text=True)
    match = re.search(rf'<h2 id="today-\d">{section} <span.*?</ul>', page, re.S)
    if match is None:
        return []
    return re.findall(
        r'<a[^>]* href="/partners/\d+">([^<]*)</a>.*?class="reason">([^<]*)</', match[0], re.S
    )


# --- what it says -------------------------------------------------------------


def test_an_agent_gets_what_is_overdue_and_due_today_in_both_parts(team, book):
    message = compose(team["agent"], WEDNESDAY)

    assert message["Subject"] == "Today: 2 to do (1 overdue) — PartnerPlan"
    assert message["To"] == "Sam Ortiz <sam@harbor.example>"
    text, html = parts(message)
    for part in (text, html):
        assert "Olivia Overdue" in part and "Tom Today" in part
        assert "Fran Future" not in part  # due tomorrow: not this morning's
        assert "Say thank you" in part
        assert "http://127.0.0.1:5000/today" in part
    assert "overdue, due 29 Nov 2026" in html and "(overdue, due 29 Nov 2026)" in text
    assert "Today, Wed 2 Dec 2026" in html
    assert 'href="tel:5550102000">(555) 010-2000</a>' in html
    assert 'href="tel:+15550103000">+1 555 010 3000</a>' in html
    assert "<tel:5550102000>" in text
    # Agents decide no tier change and are not told who is slipping.
    assert "Tier changes" not in html and "slipping" not in html


def test_the_items_are_exactly_the_today_pages(team, book, client, auth):
    message = compose(team["agent"], WEDNESDAY)
    _, html = parts(message)

    auth.login(team["agent"])
    overdue = today_page_items(client, "Overdue")
    due_today = today_page_items(client, "Due today")
    coming_up = today_page_items(client, "Coming up")
    assert [name for name, _ in overdue + due_today] == ["Olivia Overdue", "Tom Today"]
    assert [name for name, _ in coming_up] == ["Fran Future"]
    for name, reason in overdue + due_today:
        assert name in html and reason in html
    for name, reason in coming_up:
        assert name not in html and reason not in html
    assert f"{len(overdue) + len(due_today)} to do ({len(overdue)} overdue)" in message["Subject"]


def test_managers_also_get_tier_changes_to_review_and_who_is_slipping(db, team, book):
    agent = team["agent"]
    quiet = make_partner(agent, "Sid Silent", met_on=date(2026, 10, 1))  # coffee is due
    db.session.add(
        Recommendation(
            team_id=agent.team_id,
            partner_id=book["today"].id,
            rule="proposed",
            kind="tier_change",
            tier_from="cultivate",
            tier_to="maintain",
            reason="Sends us a buyer <every> month",
            proposed_by_id=agent.id,
        )
    )
    db.session.commit()

    message = compose(team["manager"], WEDNESDAY)

    assert message["Subject"] == "Today: 3 to do (1 overdue), 1 tier change to review — PartnerPlan"
    text, html = parts(message)
    assert "Tier changes awaiting your review (1)" in html
    assert "Tom Today</strong>: Cultivate → Maintain" in html
    assert "Sends us a buyer &lt;every&gt; month" in html
    assert "Sends us a buyer <every> month" in text
    assert 'href="http://127.0.0.1:5000/desk/reviews"' in html
    assert "Who is slipping (1)" in html
    assert f"{quiet.name} (Cultivate, Sam Ortiz): last live contact never" in html
    assert 'href="http://127.0.0.1:5000/desk/team"' in html
    # The manager's Today is the team's: Sam's items are there too.
    assert "Olivia Overdue" in html
    # Sam is told neither.
    _, agents_html = parts(compose(agent, WEDNESDAY))
    assert "Tier changes" not in agents_html and "Who is slipping" not in agents_html
    assert "Sid Silent" in agents_html  # his coffee is Sam's to do


def test_everything_is_escaped_in_the_html_and_plain_in_the_text(db, team, frozen):
    partner = make_partner(team["agent"], "Ann <script>x</script> & Co", met_on=WEDNESDAY)
    referred(db, partner, WEDNESDAY - timedelta(days=2), client="<b>Bo</b>")

    text, html = parts(compose(team["agent"], WEDNESDAY))

    assert "<script>" not in html and "<b>Bo</b>" not in html
    assert "Ann &lt;script&gt;x&lt;/script&gt; &amp; Co" in html
    assert "Ann <script>x</script> & Co" in text


def test_the_headers_offer_one_click_unsubscribe(team, book, app):
    app.config["BASE_URL"] = "https://partnerplan.example"
    message = compose(team["agent"], WEDNESDAY)

    link = re.fullmatch(
        r"<(https://partnerplan\.example/unsubscribe/[\w.-]+)>", message["List-Unsubscribe"]
    )
    assert link, message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    for part in parts(message):
        assert link[1] in part
        assert "https://partnerplan.example/account/email" in part


def test_no_email_when_there_is_nothing_to_do(team, book):
    assert compose(team["other_agent"], WEDNESDAY) is None


def test_no_email_for_a_deactivated_or_unsubscribed_user(db, team, book):
    agent = team["agent"]
    agent.active = False
    db.session.commit()
    assert compose(agent, WEDNESDAY) is None

    agent.active, agent.morning_email = True, False
    db.session.commit()
    assert compose(agent, WEDNESDAY) is None


def test_no_email_at_the_weekend_unless_chosen(db, team, book, frozen):
    saturday = frozen("2026-12-05T07:00-05:00")
    assert saturday.weekday() == 5
    assert compose(team["agent"], saturday) is None

    team["agent"].morning_days = [5]
    db.session.commit()
    assert compose(team["agent"], saturday)["Subject"].startswith("Today: 3 to do (3 overdue)")


# --- across days ----------------------------------------------------------------


def test_the_next_day_tomorrows_item_is_due_and_todays_is_overdue(team, book, frozen):
    compose(team["agent"], WEDNESDAY)
    thursday = frozen("2026-12-03T07:00-05:00")

    message = compose(team["agent"], thursday)

    assert message["Subject"] == "Today: 3 to do (2 overdue) — PartnerPlan"
    _, html = parts(message)
    assert "Today, Thu 3 Dec 2026" in html
    assert "Fran Future" in html


def test_on_29_february(db, team, frozen):
    leap_day = frozen("2028-02-29T07:00-05:00")
    partner = make_partner(team["agent"], "Lea Leap", met_on=date(2028, 2, 20))
    referred(db, partner, date(2028, 2, 26), client="First")
    other = make_partner(team["agent"], "Dora Due", met_on=date(2028, 2, 20))
    referred(db, other, date(2028, 2, 27), client="Second")

    message = compose(team["agent"], leap_day)

    assert message["Subject"] == "Today: 2 to do (1 overdue) — PartnerPlan"
    text, html = parts(message)
    assert "Today, Tue 29 Feb 2028" in html
    assert "Lea Leap (overdue, due 28 Feb 2028)" in text
    assert "Dora Due (due today)" in text


def test_across_the_year_end(db, team, frozen):
    new_years_eve = frozen("2026-12-31T07:00-05:00")
    partner = make_partner(team["agent"], "Yves Year", met_on=date(2026, 12, 24))
    referred(db, partner, date(2026, 12, 29))

    assert "Yves Year (due today)" in parts(compose(team["agent"], new_years_eve))[0]

    new_year = frozen("2027-01-01T07:00-05:00")
    assert new_year == date(2027, 1, 1)
    text, html = parts(compose(team["agent"], new_year))
    assert "Yves Year (overdue, due 31 Dec 2026)" in text
    assert "Today, Fri 1 Jan 2027" in html


# --- who is due one ------------------------------------------------------------


@pytest.fixture
def far_teams(db):
    """A team in Tokyo and one in Los Angeles, with users of every kind."""
    tokyo = Team(name="Tokyo Homes", timezone="Asia/Tokyo")
    la = Team(name="LA Homes", timezone="America/Los_Angeles")
    db.session.add_all([tokyo, la])
    db.session.flush()
    users = {
        "tokyo": make_user(tokyo, "aki@tokyo.example"),
        "tokyo_at_9": make_user(tokyo, "kenji@tokyo.example"),
        "tokyo_off": make_user(tokyo, "off@tokyo.example"),
        "tokyo_gone": make_user(tokyo, "gone@tokyo.example"),
        "tokyo_weekend": make_user(tokyo, "sat@tokyo.example"),
        "la": make_user(la, "lou@la.example"),
    }
    users["tokyo_at_9"].morning_hour = 9
    users["tokyo_off"].morning_email = False
    users["tokyo_gone"].active = False
    users["tokyo_weekend"].morning_days = [5, 6]
    db.session.commit()
    return tokyo, la, users


def recipients(team: Team) -> set[str]:
    return {user.email.split("@")[0] for user in due_recipients(team, clock.now(team.timezone))}


def test_due_recipients_by_hour_weekday_and_zone(far_teams, frozen):
    tokyo, la, _ = far_teams

    frozen("2026-12-03T22:00Z")  # Tokyo: Friday 07:00; Los Angeles: Thursday 14:00
    assert recipients(tokyo) == {"aki"}  # Kenji's hour has not come
    assert recipients(la) == {"lou"}

    frozen("2026-12-04T00:00Z")  # Tokyo: Friday 09:00; Los Angeles: Thursday 16:00
    assert recipients(tokyo) == {"aki", "kenji"}

    frozen("2026-12-04T15:00Z")  # Tokyo: Saturday 00:00; Los Angeles: Friday 07:00
    assert recipients(tokyo) == set()
    assert recipients(la) == {"lou"}

    frozen("2026-12-05T01:00Z")  # Tokyo: Saturday 10:00; Los Angeles: Friday 17:00
    assert recipients(tokyo) == {"sat"}

    frozen("2026-12-05T14:59Z")  # Tokyo: Saturday 23:59; Los Angeles: Saturday 06:59
    assert recipients(la) == set()


def test_due_recipients_sees_an_aware_instant_in_the_teams_zone(far_teams):
    tokyo, la, _ = far_teams
    instant = datetime(2026, 12, 3, 22, 0, tzinfo=UTC)  # Tokyo: Friday 07:00
    assert {u.email for u in due_recipients(tokyo, instant)} == {"aki@tokyo.example"}
    assert {u.email for u in due_recipients(la, instant)} == {"lou@la.example"}


# --- the preferences page ----------------------------------------------------------


def test_the_preferences_page_shows_the_defaults(team, client, auth):
    auth.login(team["agent"])
    page = client.get("/account/email").get_data(as_text=True)

    assert 'href="/account/email" aria-current="page">Morning email</a>' in page
    assert re.search(r'id="morning_email" name="morning_email" type="checkbox" value="y"', page)
    for day in range(5):
        assert re.search(rf'checked id="morning_days-{day}"', page)
    assert not re.search(r'checked id="morning_days-5"', page)
    assert '<option selected value="7">07:00</option>' in page
    assert "America/New_York" in page


def test_saving_the_preferences(db, team, client, auth):
    auth.login(team["agent"])
    form = {"morning_email": "y", "morning_days": ["5", "0"], "morning_hour": "6"}

    response = client.post("/account/email", data=form)

    assert response.status_code == 303
    assert response.headers["Location"] == "/account/email"
    agent = db.session.get(type(team["agent"]), team["agent"].id)
    db.session.refresh(agent)
    assert (agent.morning_email, agent.morning_days, agent.morning_hour) == (True, [0, 5], 6)
    page = client.get("/account/email").get_data(as_text=True)
    assert "you get it on Monday, Saturday from 06:00" in page


def test_turning_it_off(db, team, client, auth):
    auth.login(team["agent"])
    response = client.post("/account/email", data={"morning_hour": "7"})
    assert response.status_code == 303
    db.session.refresh(team["agent"])
    assert team["agent"].morning_email is False


@pytest.mark.parametrize(
    "form, field, message",
    [
        (
            {"morning_email": "y", "morning_days": ["0"], "morning_hour": "25"},
            "morning_hour",
            "Choose an hour from 00:00 to 23:00.",
        ),
        (
            {"morning_email": "y", "morning_days": ["0"], "morning_hour": "seven"},
            "morning_hour",
            "Invalid Choice: could not coerce.",
        ),
        (
            {"morning_email": "y", "morning_hour": "7"},
            "morning_days",
            "Choose at least one day, or turn the morning email off.",
        ),
        (
            {"morning_email": "y", "morning_days": ["9"], "morning_hour": "7"},
            "morning_days",
            "is not a valid choice",
        ),
    ],
)
def test_invalid_preferences_are_refused_beside_the_field(
    db, team, client, auth, form, field, message
):
    auth.login(team["agent"])

    response = client.post("/account/email", data=form)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(rf'<p class="error-text" id="{field}-error">([^<]*)</p>', page)
    assert error and message in error[1], page
    db.session.refresh(team["agent"])
    agent = team["agent"]
    assert (agent.morning_email, agent.morning_days, agent.morning_hour) == (
        True,
        [0, 1, 2, 3, 4],
        7,
    )


def test_the_preferences_need_a_login(client):
    response = client.get("/account/email")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


# --- unsubscribe -------------------------------------------------------------------


def unsubscribe_path(message: EmailMessage) -> str:
    return re.fullmatch(
        r"<http://127\.0\.0\.1:5000(/unsubscribe/\S+)>", message["List-Unsubscribe"]
    )[1]


def test_opening_the_link_changes_nothing(db, team, book, client):
    path = unsubscribe_path(compose(team["agent"], WEDNESDAY))

    page = client.get(path)

    assert page.status_code == 200
    assert b"Stop the morning email to <strong>sam@harbor.example</strong>" in page.data
    assert f'action="{path}"'.encode() in page.data
    db.session.refresh(team["agent"])
    assert team["agent"].morning_email is True


def test_one_click_unsubscribe_needs_no_session_and_no_csrf_token(db, team, book, app):
    path = unsubscribe_path(compose(team["agent"], WEDNESDAY))
    app.config["WTF_CSRF_ENABLED"] = True

    # What a mail client sends (RFC 8058): no cookie, no token, this body.
    response = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert b"is off" in response.data
    db.session.refresh(team["agent"])
    assert team["agent"].morning_email is False
    assert compose(team["agent"], WEDNESDAY) is None
    # The page says so when opened again.
    assert b"already off" in app.test_client().get(path).data


def test_the_rest_of_the_site_still_needs_its_csrf_token(team, app, client, auth):
    auth.login(team["agent"])
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/account/email", data={"morning_hour": "7"})
    assert response.status_code == 400


def tampered(token: str) -> str:
    last = "A" if token[-1] != "A" else "B"
    return token[:-1] + last


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_bad_token_is_refused_cleanly(db, team, book, app, client, method):
    path = unsubscribe_path(compose(team["agent"], WEDNESDAY))
    token = path.rsplit("/", 1)[1]
    other_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="something else")
    other_key = URLSafeSerializer("another key", salt="partnerplan.morning-email.unsubscribe")
    for bad in (
        tampered(token),
        "not-a-token",
        other_salt.dumps(team["agent"].id),
        other_key.dumps(team["agent"].id),
        URLSafeSerializer(
            app.config["SECRET_KEY"], salt="partnerplan.morning-email.unsubscribe"
        ).dumps("1"),
    ):
        response = client.open(f"/unsubscribe/{bad}", method=method)
        assert response.status_code == 404, bad
        assert b"There is nothing here" in response.data
    db.session.refresh(team["agent"])
    assert team["agent"].morning_email is True


# --- the migration -------------------------------------------------------------------


def test_the_migration_gives_existing_users_the_defaults_and_comes_off_again(empty_database):  # noqa: F811
    upgrade(directory=MIGRATIONS, revision="5b7e2c1d9a40")
    with _db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO team (id, name, commission_per_side, timezone, planning_hours,"
                " created_at) VALUES (1, 'Old Team', 12000, 'America/New_York',"
                " 'fri 13:00-16:00', '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            sa.text(
                'INSERT INTO "user" (id, team_id, email, name, role, active, calendar_token,'
                " session_minutes, created_at) VALUES (1, 1, 'old@example.com', 'Old', 'agent',"
                " true, 'token', 20, '2026-01-01 00:00:00')"
            )
        )
        # A partner owned by the user: a migration that copies the user table
        # (SQLite batch mode) would have to drop a table rows still refer to.
        connection.execute(
            sa.text(
                "INSERT INTO partner (id, team_id, owner_id, name, profession, tier,"
                " do_not_contact, client_types, search_text, created_at, updated_at) VALUES"
                " (1, 1, 1, 'Pat Partner', 'lender', 'maintain', false, '[]', 'pat partner',"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )

    upgrade(directory=MIGRATIONS)
    with _db.engine.connect() as connection:
        row = connection.execute(
            sa.text('SELECT morning_email, morning_days, morning_hour FROM "user"')
        ).one()
    assert (bool(row[0]), row[2]) == (True, 7)
    assert str(row[1]).replace(" ", "") == "[0,1,2,3,4]"

    downgrade(directory=MIGRATIONS, revision="5b7e2c1d9a40")
    columns = {column["name"] for column in sa.inspect(_db.engine).get_columns("user")}
    assert not {"morning_email", "morning_days", "morning_hour"} & columns
    assert "session_minutes" in columns


# --- sent by the job runner, through the outbox, to a real SMTP server ------------
@pytest.fixture
def inbox(db, team, mailbox):
    """The local SMTP server (tests/mailbox.py), for the agents' emails only."""
    for user in db.session.scalars(sa.select(User).where(User.role != "agent")):
        user.morning_email = False  # the agents' emails, here; a manager's is tested above
    db.session.commit()
    return mailbox


def run_due(runner, at: str) -> list[str]:
    """`flask jobs run-due --at` (each team's wall time): the lines it printed."""
    result = runner.invoke(args=["jobs", "run-due", "--at", at])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_the_job_sends_each_user_one_email_at_their_hour(db, team, book, frozen, inbox, runner):
    team["other_agent"].morning_hour = 9
    referred(db, make_partner(team["other_agent"], "Kim's Partner"), WEDNESDAY - timedelta(days=3))
    frozen("2026-12-02T06:59-05:00")
    assert not [line for line in run_due(runner, "2026-12-02T06:59") if "morning" in line]
    assert inbox.messages == []
    frozen(MORNING)
    lines = run_due(runner, "2026-12-02T07:00")
    assert any(
        line.startswith("morning_email Harbor Realty Group: 1 morning emails") for line in lines
    )
    assert [to for to, _ in inbox.messages] == [["sam@harbor.example"]]
    assert run_due(runner, "2026-12-02T07:00") == []  # again at the same instant: nothing
    frozen("2026-12-02T09:05-05:00")
    run_due(runner, "2026-12-02T09:05")
    assert [to for to, _ in inbox.messages][1:] == [["kim@harbor.example"]]
    assert len(inbox.messages) == 2  # Sam's went at 07:00 and is not sent again


def test_the_job_catches_up_a_morning_missed_and_skips_the_weekend(
    db, team, book, frozen, inbox, runner
):
    frozen("2026-12-02T11:30-05:00")  # the worker was down at 07:00
    run_due(runner, "2026-12-02T11:30")
    assert [to for to, _ in inbox.messages] == [["sam@harbor.example"]]
    message = inbox.messages[0][1]
    assert "Olivia Overdue" in message.get_body(("plain",)).get_content()
    frozen("2026-12-05T07:30-05:00")  # a Saturday
    run_due(runner, "2026-12-05T07:30")
    assert len(inbox.messages) == 1


def test_a_deactivated_user_gets_nothing_from_the_job(db, team, book, frozen, inbox, runner):
    team["agent"].active = False
    db.session.commit()
    run_due(runner, "2026-12-02T07:00")
    assert inbox.messages == []


def test_a_user_who_never_signed_in_gets_nothing(db, team, book, frozen, inbox, runner):
    """Imported with a book, not invited yet: no partner names and phones by email."""
    agent = team["agent"]
    agent.password_hash = None
    agent.morning_hour = 6  # the only one who wants 06:00
    db.session.commit()
    harbor = db.session.get(Team, agent.team_id)
    assert 6 not in chosen_hours(harbor)
    assert agent not in due_recipients(harbor, datetime(2026, 12, 2, 7, 0))
    assert compose(agent, WEDNESDAY) is None
    run_due(runner, "2026-12-02T07:00")
    assert inbox.messages == []


def test_without_a_mail_server_the_job_stores_nothing(app, db, team, book, frozen, runner):
    """Else the emails would pile up and go out days late, all at once, once mail is set."""
    app.config.pop("MAIL_SERVER", None)
    lines = run_due(runner, "2026-12-02T07:00")
    assert "morning_email Harbor Realty Group: mail is not set up: nothing sent" in lines
    assert db.session.scalars(sa.select(OutboxEmail)).all() == []
