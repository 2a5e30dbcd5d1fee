"""Importing partners from a spreadsheet, in a real Chromium: upload, columns, preview, import.

The flows import as the other agent (Kim), whose book no other flow counts.
The test reads the served database to see what was stored, and what was not.
"""

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.helpers import assert_every_control_is_labelled, assert_fits_the_screen, tab_to
from webapp.extensions import db
from webapp.models import Partner, User

IMPORTER = "other_agent"


@pytest.fixture
def book(served_app, page, server_env):
    """Kim's partners, and the uploads waiting on the server, as they are now."""

    class Book:
        def agent(self) -> User:
            email = seed.email(IMPORTER, page.viewport_name)
            return db.session.scalar(sa.select(User).where(User.email == email))

        def partners(self) -> dict[str, Partner]:
            with served_app.app_context():
                found = db.session.scalars(
                    sa.select(Partner).where(Partner.team_id == self.agent().team_id)
                ).all()
                db.session.expunge_all()
            return {partner.name: partner for partner in found}

        def owner_of(self, partner: Partner) -> str:
            with served_app.app_context():
                return db.session.get(User, partner.owner_id).email

        def uploads(self) -> list[str]:
            folder = Path(server_env["PARTNERPLAN_INSTANCE"]) / "imports"
            return sorted(path.name for path in folder.glob("*")) if folder.exists() else []

    return Book()


def write_csv(tmp_path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def open_import(page, user):
    user.log_in_as(IMPORTER)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    page.get_by_role("navigation", name="Referrals and ROI").get_by_role(
        "link", name="Import and export"
    ).click()
    expect(page.get_by_role("heading", name="Import partners from a spreadsheet")).to_be_visible()


def test_import_partners_from_a_csv(page, user, book, tmp_path):
    before, uploads = book.partners(), book.uploads()
    csv = write_csv(
        tmp_path,
        "spring-mixer.csv",
        [
            "Name,Company,Email,Phone,Profession,How met,Date met,Remarks",
            "Hana Kobayashi,Kobayashi Mortgage,hana@kobayashi.example,(555) 010-2030,"
            "Loan officer,BNI,3/14/2026,Met at the spring mixer",
            "Omar Haddad,Haddad Law,omar@haddad.example,555.010.4050,attorney,event,2026-04-02,"
            "Estate planning for retirees",
        ],
    )
    open_import(page, user)
    page.get_by_label("CSV file").set_input_files(csv)
    page.get_by_role("button", name="Upload and continue").click()

    # Step 2: the columns are guessed from their names; "Remarks" is matched by hand.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Import spring-mixer.csv: match the columns"
    )
    expect(page.get_by_text("2 rows of partners")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value("0")
    expect(page.get_by_label("Email", exact=True)).to_have_value("2")
    notes = page.get_by_label("Notes", exact=True)
    expect(notes).to_have_value("")
    notes.select_option(label="Remarks")
    assert_fits_the_screen(page)  # with the file's first rows opened
    page.get_by_role("button", name="Preview the import").click()

    # Step 3: every row as it will be stored; nothing is yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Import spring-mixer.csv: preview")
    rows = page.get_by_role("table", name="Rows of spring-mixer.csv").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Hana Kobayashi")
    expect(rows.nth(0)).to_contain_text("Lender / loan officer")
    expect(rows.nth(1)).to_contain_text("Estate-planning attorney")
    expect(rows.get_by_text("New partner")).to_have_count(2)
    assert_fits_the_screen(page)
    assert book.partners().keys() == before.keys()
    page.get_by_role("button", name="Import 2 rows").click()

    expect(page).to_have_url(re.compile(r"/partners/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "Imported 2 new partners from spring-mixer.csv; 0 merged, 0 skipped."
    )
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Hana Kobayashi")).to_be_visible()
    expect(results.get_by_role("link", name="Omar Haddad")).to_be_visible()

    after = book.partners()
    assert after.keys() - before.keys() == {"Hana Kobayashi", "Omar Haddad"}
    hana = after["Hana Kobayashi"]
    assert (hana.tier, hana.profession, hana.source) == ("cultivate", "lender", "bni")
    assert (hana.met_on.isoformat(), hana.notes) == ("2026-03-14", "Met at the spring mixer")
    assert book.owner_of(hana) == user.email(IMPORTER)
    assert book.uploads() == uploads, "the upload is removed once imported"

    # The imported partner's page, as the agent will open it.
    results.get_by_role("link", name="Hana Kobayashi").click()
    expect(page.get_by_role("heading", name="Hana Kobayashi", level=1)).to_contain_text("Cultivate")
    expect(page.get_by_text("Met at the spring mixer")).to_be_visible()


def test_a_broken_csv_is_explained_beside_the_field_and_stores_nothing(page, user, book, tmp_path):
    """A file saved from Excel as plain "CSV" (Windows-1252, not UTF-8) is refused at upload."""
    before, uploads = book.partners(), book.uploads()
    csv = write_csv(
        tmp_path, "excel.csv", ["Name,Email", "José Peña,jose@pena.example"], encoding="cp1252"
    )
    open_import(page, user)
    field = page.get_by_label("CSV file")
    field.set_input_files(csv)
    page.get_by_role("button", name="Upload and continue").click()

    expect(field).to_have_attribute("aria-invalid", "true")
    # The message is the field's own description: read out with it, shown beside it.
    expect(field).to_have_accessible_description(re.compile(r"This file is not UTF-8 text\."))
    message = page.locator(".field", has=field).get_by_text("CSV UTF-8 (Comma delimited)")
    expect(message).to_be_visible()
    expect(page).to_have_url(re.compile(r"/referrals/partners-csv$"))
    assert_fits_the_screen(page)
    assert book.partners().keys() == before.keys()
    assert book.uploads() == uploads, "a refused file is not kept"


def test_a_row_in_error_is_shown_and_blocks_the_import(page, user, book, tmp_path):
    before = book.partners()
    csv = write_csv(
        tmp_path,
        "typos.csv",
        [
            "Name,Email,Profession",
            "Paula Quist,paula@quist.example,cpa",
            "Quentin Rowe,quentin-at-rowe.example,astronaut",
        ],
    )
    open_import(page, user)
    page.get_by_label("CSV file").set_input_files(csv)
    page.get_by_role("button", name="Upload and continue").click()
    page.get_by_role("button", name="Preview the import").click()

    problems = "1 row has problems, so nothing can be imported yet."
    # The page's own alert region is there too (empty): name the one meant.
    expect(page.get_by_role("alert").filter(has_text=problems)).to_be_visible()
    quentin = page.locator("tbody tr", has_text="Quentin Rowe")
    expect(quentin).to_contain_text(
        "Email “quentin-at-rowe.example”: Enter an email address like name@example.com."
    )
    expect(quentin).to_contain_text("Unknown profession “astronaut”.")
    expect(page.get_by_role("button", name="Import 2 rows")).to_be_disabled()
    assert_fits_the_screen(page)
    assert book.partners().keys() == before.keys()


def test_the_import_can_be_done_with_the_keyboard(page, user, book, tmp_path):
    """Every field labelled, every step reached and sent with Tab, Space, arrows and Enter."""
    before = book.partners()
    csv = write_csv(
        tmp_path,
        "keyboard.csv",
        [
            "Name,Email,Phone,Remarks",
            "Stella Ibarra,stella@ibarra.example,,Met at the chamber breakfast",
            # The same person again, with her phone: merged into the line above by choice.
            "Stella Ibarra,stella@ibarra.example,617 555 0142,",
        ],
    )
    # Playwright turns on catching the file dialog without waiting for Chromium to
    # confirm: listen from the start, so that it is on before Space opens the dialog.
    page.on("filechooser", lambda chooser: None)
    open_import(page, user)
    assert_every_control_is_labelled(page)
    field = page.get_by_label("CSV file")
    tab_to(page, field)
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(csv)
    upload = page.get_by_role("button", name="Upload and continue")
    tab_to(page, upload)
    page.keyboard.press("Enter")

    # Step 2: "Remarks" chosen for Notes by typing its name on the focused list.
    expect(page.get_by_role("heading", level=1)).to_contain_text("match the columns")
    assert_every_control_is_labelled(page)
    notes = page.get_by_label("Notes", exact=True)
    tab_to(page, notes)
    page.keyboard.type("Remarks")
    expect(notes).to_have_value("3")
    tab_to(page, page.get_by_role("button", name="Preview the import"))
    page.keyboard.press("Enter")

    # Step 3: line 3 repeats line 2's email; the arrow keys move the choice to Merge.
    expect(page.get_by_role("heading", level=1)).to_contain_text("preview")
    choice = page.get_by_role("group", name="Same email as line 2")
    expect(choice).to_be_visible()
    assert_every_control_is_labelled(page)
    skip, merge = choice.get_by_label("Skip"), choice.get_by_label("Merge (fill empty fields)")
    expect(skip).to_be_checked()
    tab_to(page, skip)
    page.keyboard.press("ArrowDown")
    expect(merge).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Import 2 rows"))
    page.keyboard.press("Enter")

    expect(page.locator(".flashes")).to_contain_text(
        "Imported 1 new partner from keyboard.csv; 1 merged, 0 skipped."
    )
    added = book.partners().keys() - before.keys()
    assert added == {"Stella Ibarra"}
    stella = book.partners()["Stella Ibarra"]
    assert (stella.phone, stella.notes) == ("617 555 0142", "Met at the chamber breakfast")
