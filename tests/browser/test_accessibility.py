"""axe-core finds nothing wrong on any main page, as each role sees it, at phone and desktop width.

axe-core is the script bundled with axe-playwright-python (nothing is fetched).
Playwright's `page.evaluate` runs it through the DevTools protocol, which the
page's Content-Security-Policy (script-src 'self') does not govern: the audit
runs on the page exactly as served, CSP on, with no inline script added.

One browser context per role and width signs in once and opens every page of
that role. Before the audit each <details> is opened and what loads on sight
(`hx-trigger="intersect"`) is loaded, so that what a person can open is checked
too. Some pages are audited in a state that matters: a form refused with its
messages, the page alert saying what went wrong, a flash message.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from axe_playwright_python.base import AXE_SCRIPT
from itsdangerous import URLSafeSerializer
from playwright.sync_api import Page, expect

from tests.browser import seed
from tests.browser.helpers import ARTIFACTS, PROVOKED_4XX, UNREACHABLE, VIEWPORTS
from webapp.extensions import db
from webapp.models import Interaction, Partner, PlanningSession, Referral, Team, User

# Who opens a page: a role of tests/browser/seed.py (agent, roi_agent, manager, admin),
# nobody ("visitor"), or a user of the viewport's team made here with two-factor
# sign-in on ("two_factor").
VISITOR, TWO_FACTOR = "visitor", "two_factor"
# The agent again, in a browser context of its own: its device keeps a log the
# server never got (and never gets), which no other page of the agent's shows.
OFFLINE_AGENT = "offline_agent"


class Site:
    """The served app of one viewport's team: ids of the seeded objects, and links
    made once (an invitation, a password link, an upload) for the pages behind them."""

    def __init__(self, viewport: str, served_app, server_env, contexts, folder: Path):
        self.viewport = viewport
        self.folder = folder
        self.app = served_app
        self.env = server_env
        self.contexts = contexts
        self.made: dict[str, str] = {}
        self.totp_secret: str | None = None

    def _scalar(self, query):
        with self.app.app_context():
            value = db.session.scalar(query)
            db.session.remove()
        assert value is not None, f"nothing in the {self.viewport} team for {query}"
        return value

    def _team(self):
        return Team.name.contains(f"({self.viewport})")

    def partner(self, name: str) -> int:
        return self._scalar(
            sa.select(Partner.id).join(Team).where(Partner.name == name, self._team())
        )

    def interaction(self, partner: str) -> int:
        return self._scalar(
            sa.select(sa.func.min(Interaction.id)).where(
                Interaction.partner_id == self.partner(partner)
            )
        )

    def referral(self, partner: str) -> int:
        return self._scalar(
            sa.select(sa.func.min(Referral.id)).where(Referral.partner_id == self.partner(partner))
        )

    def planning_session(self, partner: str) -> int:
        return self._scalar(
            sa.select(sa.func.max(PlanningSession.id)).where(
                PlanningSession.partner_id == self.partner(partner)
            )
        )

    def user(self, email: str) -> int:
        return self._scalar(sa.select(User.id).where(User.email == email))

    def unsubscribe_link(self) -> str:
        from webapp.morning.links import UNSUBSCRIBE_SALT

        signer = URLSafeSerializer(self.env["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)
        return f"/unsubscribe/{signer.dumps(self.user(seed.email('agent', self.viewport)))}"

    def two_factor_user(self) -> str:
        """A user of the team with two-factor sign-in on, made on first use; their email."""
        email = f"ines@{self.viewport}.browserbay.example"
        if self.totp_secret is None:
            with self.app.app_context():
                agent = db.session.scalar(
                    sa.select(User).where(User.email == seed.email("agent", self.viewport))
                )
                user = User(team_id=agent.team_id, email=email, name="Ines Audit", role="agent")
                user.password_hash = agent.password_hash
                user.totp_secret = pyotp.random_base32()
                db.session.add(user)
                db.session.commit()
                self.totp_secret = user.totp_secret
                db.session.remove()
        return email

    def link_from_admin(self, kind: str) -> str:
        """A link the admin's page hands over (no mail server): "invitation" or "reset"."""
        if kind not in self.made:
            admin = self.contexts.page("admin", self.viewport)
            if kind == "invitation":
                admin.goto("/admin/invitations/new")
                admin.get_by_label("Name").fill("Axel Audit")
                admin.get_by_label("Email").fill(f"axel@{self.viewport}.browserbay.example")
                admin.get_by_role("button", name="Send the invitation").click()
            else:
                self.two_factor_user()
                admin.goto("/admin/")
                admin.get_by_role("button", name="Send password reset link to Ines Audit").click()
            flash = admin.locator(".flash", has_text="this link").inner_text()
            self.made[kind] = re.search(r"/auth/(invitation|reset)/[\w-]+", flash).group(0)
        return self.made[kind]

    def lead(self, page: Page) -> None:
        """A lead added in Grace's planning session, once, for the pages that list leads."""
        if "lead" not in self.made:
            page.goto(f"/planning/sessions/{self.planning_session(seed.EARNER)}")
            page.wait_for_load_state("load")
            leads = page.locator("#leads")
            leads.get_by_label("Name").fill("Lara Lead")
            leads.get_by_label("Phone or email").fill("lara@lead.example")
            leads.get_by_role("button", name="Add as lead").click()
            expect(leads.get_by_text("Lara Lead", exact=True)).to_be_visible()
            self.made["lead"] = "Lara Lead"

    def upload(self, page: Page) -> str:
        """The column-matching page of a spreadsheet the agent uploaded; its path."""
        if "upload" not in self.made:
            csv = self.folder / f"audit-{self.viewport}.csv"
            # A row in error, a row repeated, and a partner already in the agent's book.
            csv.write_text(
                "Name,Company,Email,Profession,Remarks\r\n"
                "Paula Quist,,paula@quist.example,cpa,Met at the mixer\r\n"
                "Quentin Rowe,,quentin-at-rowe.example,astronaut,\r\n"
                "Paula Quist,,paula@quist.example,cpa,Again\r\n"
                f'{seed.LENDER},"First Home Lending, LLC",,lender,\r\n'
            )
            page.goto("/referrals/partners-csv")
            page.get_by_label("CSV file or vCard").set_input_files(csv)
            page.get_by_role("button", name="Upload and continue").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("match the columns")
            self.made["upload"] = page.url.removeprefix(self.contexts.base_url)
        return self.made["upload"]


class Contexts:
    """One browser context per role and width, signed in on first use."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.pages: dict[tuple[str, str], Page] = {}
        self.sites: dict[str, Site] = {}

    def page(self, role: str, viewport: str) -> Page:
        if (role, viewport) not in self.pages:
            context = self.browser.new_context(viewport=VIEWPORTS[viewport], base_url=self.base_url)
            context.set_default_timeout(10_000)
            page = context.new_page()
            page.console_errors = []
            page.on(
                "console",
                lambda msg, errors=page.console_errors: (
                    errors.append(msg.text)
                    if msg.type == "error" and not PROVOKED_4XX.search(msg.text)
                    else None
                ),
            )
            page.on(
                "pageerror", lambda error, errors=page.console_errors: errors.append(str(error))
            )
            self.pages[role, viewport] = page
            if role == TWO_FACTOR:
                site = self.sites[viewport]
                log_in(page, site.two_factor_user())
                page.get_by_label("Code").fill(pyotp.TOTP(site.totp_secret).now())
                page.get_by_role("button", name="Sign in").click()
                expect(page).to_have_url(re.compile(r"/today$"))
            elif role == OFFLINE_AGENT:
                log_in(page, seed.email("agent", viewport))
                expect(page).to_have_url(re.compile(r"/today$"))
            elif role != VISITOR:
                log_in(page, seed.email(role, viewport))
                expect(page).to_have_url(re.compile(r"/today$"))
        return self.pages[role, viewport]

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


def log_in(page: Page, email: str, password: str = seed.PASSWORD) -> None:
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture(scope="module")
def contexts(browser, base_url, served_app, server_env, tmp_path_factory):
    opened = Contexts(browser, base_url)
    folder = tmp_path_factory.mktemp("audit")
    for viewport in VIEWPORTS:
        opened.sites[viewport] = Site(viewport, served_app, server_env, opened, folder)
    yield opened
    opened.close()


# --- the pages ------------------------------------------------------------------------


@dataclass
class Visit:
    """A page, who sees it, and how to bring it to the state audited."""

    name: str
    roles: tuple[str, ...]
    open: Callable[[Page, Site], None]


AGENTS = ("agent", "manager", "admin")  # everyone signed in
MANAGERS = ("manager", "admin")


def goto(path: str | Callable[[Site], str]) -> Callable[[Page, Site], None]:
    def open_page(page: Page, site: Site) -> None:
        page.goto(path(site) if callable(path) else path)

    return open_page


def submit_refused(page: Page, button: str, **fields: str) -> None:
    """Fill `fields` (label: value) and press `button`; the form comes back with its messages."""
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name=button).click()
    expect(page.locator(".error-text, [role=alert]:not(:empty)").first).to_be_visible()


def refused_login(page: Page, site: Site) -> None:
    page.goto("/auth/login")
    submit_refused(
        page, "Log in", Email=f"nobody@{site.viewport}.example", Password="not the password"
    )


def refused_forgot(page: Page, site: Site) -> None:
    page.goto("/auth/forgot")
    submit_refused(page, "Send me a link", Email="")


def second_step_refused(page: Page, site: Site) -> None:
    log_in(page, site.two_factor_user())
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    submit_refused(page, "Sign in", Code="000000")


def invitation_refused(page: Page, site: Site) -> None:
    page.goto(site.link_from_admin("invitation"))
    submit_refused(page, "Join and log in", **{"Choose a password": "short"})


def reset_refused(page: Page, site: Site) -> None:
    page.goto(site.link_from_admin("reset"))
    expect(page.get_by_role("button", name="Save the new password")).to_be_visible()
    page.locator("input[type=password]").fill("short")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.locator(".error-text").first).to_be_visible()


def partner_page(name: str) -> Callable[[Page, Site], None]:
    return goto(lambda site: f"/partners/{site.partner(name)}")


def partner_page_alert(page: Page, site: Site) -> None:
    """A refused status change, said in the page alert (as tests/browser/test_error_flows.py)."""
    page.goto(f"/partners/{site.partner(seed.PROMOTABLE)}")
    page.wait_for_load_state("load")
    select = page.get_by_label("Status of Al Seller")
    select.evaluate("select => select.add(new Option('Lost and found', 'lost-and-found'))")
    select.select_option("lost-and-found")
    expect(page.locator("#page-alert")).to_contain_text("Not a referral status")


def partner_log_refused(page: Page, site: Site) -> None:
    """The log form of the partner page, refused in place (htmx swaps its messages in)."""
    page.goto(f"/partners/{site.partner(seed.LENDER)}")
    page.wait_for_load_state("load")
    log = page.locator("#log-interaction")
    log.evaluate("details => details.open = true")
    log.get_by_label("Minutes").fill("5000")
    log.get_by_role("button", name="Log it").click()
    expect(page.locator("#log-interaction .error-text").first).to_be_visible()


def partner_log_kept_offline(page: Page, site: Site) -> None:
    """A log the server could not be reached for, kept on the device: the status line
    says it waits, the log form that it was saved, "Log out" what would be lost."""
    page.goto(f"/partners/{site.partner(seed.LENDER)}")
    page.wait_for_load_state("load")
    page.route(re.compile(r"/logbook/partners/\d+/interactions"), lambda route: route.abort())
    log = page.locator("#log-interaction")
    log.evaluate("details => details.open = true")
    log.get_by_label("What").select_option(label="Coffee")
    log.get_by_role("button", name="Log it").click()
    expect(page.locator("#offline-status .offline-waiting")).to_contain_text("1 log waiting")
    page.console_errors[:] = [text for text in page.console_errors if not UNREACHABLE.search(text)]


def log_form_refused(page: Page, site: Site) -> None:
    page.goto(f"/logbook/partners/{site.partner(seed.LENDER)}/interactions/new")
    submit_refused(page, "Log it", Minutes="5000")


def new_partner_refused(page: Page, site: Site) -> None:
    page.goto("/partners/new")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert").filter(has_text="Nothing was saved")).to_be_visible()


def password_change_refused(page: Page, site: Site) -> None:
    page.goto("/account/security")
    submit_refused(
        page, "Change password", **{"Current password": "wrong", "New password": "short"}
    )


def two_factor_setup_refused(page: Page, site: Site) -> None:
    page.goto("/account/two-factor")
    submit_refused(page, "Turn on", **{"Code from the app": "000000"})


def invite_refused(page: Page, site: Site) -> None:
    page.goto("/admin/invitations/new")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".error-text").first).to_be_visible()


def webhook_refused(page: Page, site: Site) -> None:
    page.goto("/admin/webhooks/new")
    page.get_by_label("Endpoint URL").fill("http://10.0.0.5/hooks")
    page.get_by_role("button", name="Add the endpoint").click()
    expect(page.locator(".error-text").first).to_be_visible()


def webhook_added(page: Page, site: Site) -> None:
    """An endpoint's page right after it was added: its secret shown, once."""
    page.goto("/admin/webhooks/new")
    page.get_by_label("Endpoint URL").fill(f"https://hooks.example.com/{site.viewport}")
    page.get_by_label("An interaction is logged").check()
    page.get_by_role("button", name="Add the endpoint").click()
    expect(page.locator("#webhook-secret")).to_be_visible()


def users_with_a_link(page: Page, site: Site) -> None:
    """The users page, with the flash that hands over an invitation's link."""
    page.goto("/admin/invitations/new")
    page.get_by_label("Name").fill("Bea Audit")
    page.get_by_label("Email").fill(f"bea@{site.viewport}.browserbay.example")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".flash", has_text="this link")).to_be_visible()


def import_mapping(page: Page, site: Site) -> None:
    page.goto(site.upload(page))


def import_preview(page: Page, site: Site) -> None:
    """The preview of a file with a row in error (its cells to correct, a box to skip
    it), a repeated row, and a partner already in the book shown beside it."""
    page.goto(site.upload(page))
    page.get_by_role("button", name="Preview the import").click()
    # Filtered: until the stylesheet applies, the empty #page-alert is an alert too.
    expect(page.get_by_role("alert").filter(has_text="1 row has problems")).to_be_visible()
    expect(page.get_by_label("Email (line 3)")).to_have_attribute("aria-invalid", "true")
    expect(
        page.get_by_role("group", name=f"Same name and company as {seed.LENDER}")
    ).to_be_visible()


def import_preview_checked_again(page: Page, site: Site) -> None:
    """The preview once a bad cell was corrected and another skipped, checked again."""
    import_preview(page, site)
    page.get_by_label("Email (line 3)").fill("quentin@rowe.example")
    page.get_by_label("Skip this row").check()
    page.get_by_role("button", name="Check again").click()
    expect(page.get_by_label("Profession (line 3)")).to_have_value("astronaut")
    expect(page.get_by_label("Skip this row")).to_be_checked()


def import_done(page: Page, site: Site) -> None:
    """The page after an import, with a row left out to download: a file whose only row
    is skipped, so that nothing is added to a book another page shows."""
    csv = site.folder / f"audit-skipped-{site.viewport}.csv"
    csv.write_text("Name,Email\r\nZed Audit,zed-at-audit.example\r\n")
    page.goto("/referrals/partners-csv")
    page.get_by_label("CSV file or vCard").set_input_files(csv)
    page.get_by_role("button", name="Upload and continue").click()
    page.get_by_role("button", name="Preview the import").click()
    page.get_by_label("Skip this row").check()
    page.get_by_role("button", name="Import 0 rows").click()
    expect(page.get_by_role("status")).to_contain_text("0 merged, 1 skipped")


def recovery_codes(page: Page, site: Site) -> None:
    page.goto("/account/security")
    page.get_by_role("button", name="Make new recovery codes").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()


def api_token_made(page: Page, site: Site) -> None:
    """A token just made, shown once, in the list beside the older ones."""
    page.goto("/account/tokens")
    page.get_by_label("Name").fill("Spreadsheet sync")
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_role("heading", name="Your new token “Spreadsheet sync”")).to_be_visible()


def api_token_refused(page: Page, site: Site) -> None:
    page.goto("/account/tokens")
    page.get_by_role("button", name="Make the token").click()
    expect(page.locator(".error-text").first).to_be_visible()


def planning_leads(page: Page, site: Site) -> None:
    site.lead(page)
    page.goto("/planning/leads")


def planning_session_lead_refused(page: Page, site: Site) -> None:
    """A lead without a name, refused in place."""
    page.goto(f"/planning/sessions/{site.planning_session(seed.EARNER)}")
    page.wait_for_load_state("load")
    page.locator("#leads").get_by_role("button", name="Add as lead").click()
    expect(page.locator("#leads .error-text")).to_be_visible()


def planning_slots(page: Page, site: Site) -> None:
    page.goto(f"/planning/partners/{site.partner(seed.COMMITTED)}/slots")


def planning_holidays(page: Page, site: Site) -> None:
    """The team's days off, with one on the list (added once)."""
    page.goto("/planning/holidays")
    if "holiday" not in site.made:
        page.get_by_label("Date").fill("2031-12-24")
        page.get_by_label("Name").fill("Christmas Eve")
        page.get_by_role("button", name="Add day off").click()
        expect(page.get_by_role("button", name=re.compile("Remove Christmas Eve"))).to_be_visible()
        site.made["holiday"] = "Christmas Eve"


def planning_holidays_refused(page: Page, site: Site) -> None:
    page.goto("/planning/holidays")
    submit_refused(page, "Add day off")


PAGES = [
    # Signed out.
    Visit("login", (VISITOR,), goto("/auth/login")),
    Visit("login-refused", (VISITOR,), refused_login),
    Visit("forgot-password", (VISITOR,), goto("/auth/forgot")),
    Visit("forgot-password-refused", (VISITOR,), refused_forgot),
    Visit("two-factor-code-refused", (VISITOR,), second_step_refused),
    Visit("invitation-refused", (VISITOR,), invitation_refused),
    Visit("password-link-refused", (VISITOR,), reset_refused),
    Visit("link-not-valid", (VISITOR,), goto("/auth/reset/not-a-real-token")),
    Visit("unsubscribe", (VISITOR,), goto(lambda s: s.unsubscribe_link())),
    Visit("not-found", (VISITOR, "agent"), goto("/no-such-page")),
    Visit("offline", (VISITOR,), goto("/offline")),
    # Everyone signed in.
    Visit("today", AGENTS, goto("/today")),
    Visit("partners", AGENTS, goto("/partners/")),
    Visit("partner", ("agent", "manager"), partner_page(seed.PROMOTABLE)),
    Visit("partner-long-history", ("manager",), partner_page(seed.LONG_HISTORY)),
    Visit("partner-archive-admin", ("admin",), partner_page(seed.COMMITTED)),
    Visit("partner-page-alert", ("agent",), partner_page_alert),
    Visit("partner-log-refused", ("agent",), partner_log_refused),
    Visit("partner-log-kept-offline", (OFFLINE_AGENT,), partner_log_kept_offline),
    Visit("partner-new", ("agent", "manager"), goto("/partners/new")),
    Visit("partner-new-refused", ("agent",), new_partner_refused),
    Visit("partner-edit", ("agent",), goto(lambda s: f"/partners/{s.partner(seed.LENDER)}/edit")),
    Visit(
        "log-form",
        ("agent",),
        goto(lambda s: f"/logbook/partners/{s.partner(seed.LENDER)}/interactions/new"),
    ),
    Visit("log-form-refused", ("agent",), log_form_refused),
    Visit(
        "interaction-edit",
        ("agent",),
        goto(lambda s: f"/logbook/interactions/{s.interaction(seed.LENDER)}/edit"),
    ),
    Visit(
        "interaction-delete",
        ("agent",),
        goto(lambda s: f"/logbook/interactions/{s.interaction(seed.LENDER)}/delete"),
    ),
    Visit(
        "referral-edit",
        ("agent",),
        goto(lambda s: f"/logbook/referrals/{s.referral(seed.PROMOTABLE)}/edit"),
    ),
    Visit("referrals", ("roi_agent", "manager"), goto("/referrals/")),
    Visit("roi", ("roi_agent", "manager"), goto("/referrals/roi")),
    Visit("charts", ("roi_agent", "manager"), goto("/referrals/charts")),
    Visit("projection", ("roi_agent", "manager"), goto("/referrals/projection")),
    Visit("partners-csv", ("agent", "manager"), goto("/referrals/partners-csv")),
    Visit("partners-csv-columns", ("agent",), import_mapping),
    Visit("partners-csv-preview", ("agent",), import_preview),
    Visit("partners-csv-preview-checked-again", ("agent",), import_preview_checked_again),
    Visit("partners-csv-done", ("other_agent",), import_done),
    Visit(
        "planning-partner",
        ("agent",),
        goto(lambda s: f"/planning/partners/{s.partner(seed.COMMITTED)}"),
    ),
    Visit("planning-slots", ("agent",), planning_slots),
    Visit(
        "planning-sessions",
        ("roi_agent",),
        goto(lambda s: f"/planning/partners/{s.partner(seed.EARNER)}/sessions"),
    ),
    Visit(
        "planning-session",
        ("roi_agent",),
        goto(lambda s: f"/planning/sessions/{s.planning_session(seed.EARNER)}"),
    ),
    Visit("planning-session-lead-refused", ("roi_agent",), planning_session_lead_refused),
    Visit("planning-leads", ("roi_agent", "manager"), planning_leads),
    Visit("planning-settings", ("agent",), goto("/planning/settings")),
    Visit("planning-agenda", ("roi_agent", "manager"), goto("/planning/")),
    Visit("planning-holidays", ("manager",), planning_holidays),
    Visit("planning-holidays-refused", ("manager",), planning_holidays_refused),
    Visit("morning-email", ("agent",), goto("/account/email")),
    Visit("security", ("agent",), goto("/account/security")),
    Visit("contact-card", ("agent",), goto("/account/card")),
    Visit("security-password-refused", ("agent",), password_change_refused),
    Visit("two-factor-setup", ("agent",), goto("/account/two-factor")),
    Visit("two-factor-setup-refused", ("agent",), two_factor_setup_refused),
    Visit("security-two-factor-on", (TWO_FACTOR,), goto("/account/security")),
    Visit("recovery-codes", (TWO_FACTOR,), recovery_codes),
    Visit("api-tokens", ("agent",), goto("/account/tokens")),
    Visit("api-token-made", ("agent",), api_token_made),
    Visit("api-token-refused", ("agent",), api_token_refused),
    Visit("api-reference", (VISITOR,), goto("/api/v1/docs")),
    # Managers (and admins).
    Visit("desk-reviews", MANAGERS, goto("/desk/reviews")),
    Visit("desk-team", ("manager",), goto("/desk/team")),
    Visit("desk-audit", ("manager",), goto("/desk/audit")),
    Visit(
        "desk-tier", ("manager",), goto(lambda s: f"/desk/partners/{s.partner(seed.LENDER)}/tier")
    ),
    Visit("rules", ("manager",), goto("/rules/")),
    Visit("book", ("manager",), goto("/book/")),
    # Admins.
    Visit("admin-users", ("admin",), goto("/admin/")),
    Visit("admin-users-link", ("admin",), users_with_a_link),
    Visit("admin-invite", ("admin",), goto("/admin/invitations/new")),
    Visit("admin-invite-refused", ("admin",), invite_refused),
    Visit("admin-settings", ("admin",), goto("/admin/settings")),
    Visit("admin-jobs", ("admin",), goto("/admin/jobs")),
    Visit("admin-webhooks", ("admin",), goto("/admin/webhooks")),
    Visit("admin-webhook-refused", ("admin",), webhook_refused),
    Visit("admin-webhook-added", ("admin",), webhook_added),
    Visit(
        "admin-reassign",
        ("admin",),
        goto(lambda s: f"/admin/users/{s.user(seed.email('other_agent', s.viewport))}/reassign"),
    ),
    Visit(
        "partner-erase",
        ("admin",),
        goto(lambda s: f"/partners/{s.partner(seed.OTHERS_PARTNER)}/erase"),
    ),
]
CASES = [
    pytest.param(visit, role, id=f"{visit.name}-{role}") for visit in PAGES for role in visit.roles
]


# --- the audit ------------------------------------------------------------------------


def open_everything(page: Page) -> None:
    """Open each <details>, and load what htmx loads once it is seen."""
    page.evaluate("document.querySelectorAll('details').forEach(details => details.open = true)")
    lazy = "[hx-trigger*=intersect], [hx-trigger*=revealed]"
    # Each is swapped out once loaded: scroll to the first left until none is.
    while left := page.locator(lazy).count():
        page.evaluate("selector => document.querySelector(selector)?.scrollIntoView()", lazy)
        expect(page.locator(lazy)).not_to_have_count(left)
    # A function, not an expression: Playwright would eval() an expression in the page,
    # which the page's CSP (no 'unsafe-eval') refuses.
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def axe_violations(page: Page) -> list[dict]:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    return page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")


def described(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{len(violation['nodes'])} node(s)] {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            target = " ".join(map(str, node["target"]))
            lines.append(f"    {target}: {node['html'][:160]}")
    return "\n".join(lines)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize(("visit", "role"), CASES)
def test_axe_finds_no_violation(visit: Visit, role: str, viewport: str, contexts, request):
    page = contexts.page(role, viewport)
    if role == VISITOR:
        page.context.clear_cookies()
    page.console_errors.clear()
    visit.open(page, contexts.sites[viewport])
    page.wait_for_load_state("load")
    open_everything(page)

    found = axe_violations(page)
    if found:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        (ARTIFACTS / f"{name}.html").write_text(page.content())
    assert not found, f"axe-core on {page.url} ({role}, {viewport}):\n{described(found)}"
    assert not page.console_errors, f"the browser console reported errors: {page.console_errors}"
