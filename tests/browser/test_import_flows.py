"""Importing partners from a spreadsheet, in a real Chromium: upload, columns, preview
(rows corrected, skipped or merged there), import, and the page that says what was done.

The flows import as the other agent (Kim), whose book no other flow counts; each
flow's file has people of its own, so that no flow finds another's as a duplicate.
The test reads the served database to see what was stored, and what was not.
"""

import csv
import io
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

        def named(self, name: str) -> list[Partner]:
            """Every partner of that name in Kim's team: one each, unless duplicated."""
            with served_app.app_context():
                found = db.session.scalars(
                    sa.select(Partner).where(
                        Partner.team_id == self.agent().team_id, Partner.name == name
                    )
                ).all()
                db.session.expunge_all()
            return list(found)

        def add(self, name: str, **fields) -> None:
            """A partner already in Kim's book, as the seed writes them."""
            with served_app.app_context():
                kim = self.agent()
                db.session.add(Partner(team_id=kim.team_id, owner_id=kim.id, name=name, **fields))
                db.session.commit()
                db.session.remove()

        def uploads(self) -> list[str]:
            """The files uploaded and not yet imported (an import keeps only a record of
            what it did, for the page after it)."""
            folder = Path(server_env["PARTNERPLAN_INSTANCE"]) / "imports"
            return sorted(path.name for path in folder.glob("*.csv")) if folder.exists() else []

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
    page.get_by_label("CSV file or vCard").set_input_files(csv)
    page.get_by_role("button", name="Upload and continue").click()

    # Step 2: the columns are guessed from their names; "Remarks" is matched by hand.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Import spring-mixer.csv: match the columns"
    )
    expect(page.get_by_text("2 rows of partners")).to_be_visible()
    # An agent imports for themselves: there is no owner to choose.
    expect(page.get_by_text("The imported partners will be yours.")).to_be_visible()
    expect(page.get_by_label("Owner of the imported partners")).to_have_count(0)
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
    expect(page.get_by_text("Owner of the imported partners: Kim Lee.")).to_be_visible()
    assert_fits_the_screen(page)
    assert book.partners().keys() == before.keys()
    page.get_by_role("button", name="Import 2 rows").click()

    # The page after the import says what was done; nothing was left out, so nothing to download.
    expect(page).to_have_url(re.compile(r"/referrals/partners-csv/\w+/done$"))
    expect(page.get_by_role("status").filter(has_text="Imported")).to_have_text(
        "Imported 2 new partners from spring-mixer.csv; 0 merged, 0 skipped."
    )
    expect(page.get_by_role("link", name=re.compile("skipped row"))).to_have_count(0)
    assert_fits_the_screen(page)
    page.get_by_role("link", name="See the partners").click()
    expect(page).to_have_url(re.compile(r"/partners/$"))
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
    field = page.get_by_label("CSV file or vCard")
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


def test_a_row_in_error_is_shown_with_its_cells_and_holds_the_import(page, user, book, tmp_path):
    """The bad cells are offered for correcting beside their messages; while a row is in
    error, neither corrected nor skipped, pressing Import stores nothing."""
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
    page.get_by_label("CSV file or vCard").set_input_files(csv)
    page.get_by_role("button", name="Upload and continue").click()
    page.get_by_role("button", name="Preview the import").click()

    problems = "1 row has problems: correct the cells below, or tick “Skip this row”"
    # The page's own alert region is there too (empty): name the one meant.
    expect(page.get_by_role("alert").filter(has_text=problems)).to_be_visible()
    quentin = page.locator("tbody tr", has_text="Quentin Rowe")
    email = quentin.get_by_label("Email (line 3)")
    expect(email).to_have_value("quentin-at-rowe.example")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(
        "Email “quentin-at-rowe.example”: Enter an email address like name@example.com."
    )
    profession = quentin.get_by_label("Profession (line 3)")
    expect(profession).to_have_value("astronaut")
    expect(profession).to_have_accessible_description(re.compile("Unknown profession “astronaut”"))
    expect(quentin.get_by_label("Skip this row")).not_to_be_checked()
    # The row that is fine has nothing to correct.
    paula = page.locator("tbody tr", has_text="Paula Quist")
    expect(paula.get_by_role("textbox")).to_have_count(0)
    expect(paula.get_by_text("New partner")).to_be_visible()
    assert_fits_the_screen(page)

    page.get_by_role("button", name=re.compile(r"^Import \d+ rows?$")).click()
    expect(page.get_by_role("alert").filter(has_text=problems)).to_be_visible()
    expect(
        page.locator("tbody tr", has_text="Quentin Rowe").get_by_label("Email (line 3)")
    ).to_have_value("quentin-at-rowe.example")
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
    field = page.get_by_label("CSV file or vCard")
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
    tab_to(page, page.get_by_role("button", name=re.compile(r"^Import \d+ rows?$")))
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").filter(has_text="Imported")).to_have_text(
        "Imported 1 new partner from keyboard.csv; 1 merged, 0 skipped."
    )
    tab_to(page, page.get_by_role("link", name="See the partners"))
    added = book.partners().keys() - before.keys()
    assert added == {"Stella Ibarra"}
    stella = book.partners()["Stella Ibarra"]
    assert (stella.phone, stella.notes) == ("617 555 0142", "Met at the chamber breakfast")


# A new team's first export from another CRM, as it comes: two bad emails, a phone
# with an extension, and Tom Brennan, whom the importer already has in the book
# (written there without the "LLC").
CRM_EXPORT = [
    "First Name,Last Name,Company Name,Email 1,Phone 1",
    "Rachel,Kim,Kim Home Loans,rachel@kimloans.example,(555) 010-2000",
    "Amir,Farouk,Farouk Law,amir@farouk,555-010-2100",
    'Tom,Brennan,"Brennan Insurance Group, LLC",,555-010-7000',
    "Greta,Lindqvist,Lindqvist Inspections,greta@lindqvist.example,555.010.4060 x204",
    "Jo,Park,,jo at park.example,",
    "Nia,Lowe,Lowe Staging,nia@lowe.example,+1 555 010 9000 ext. 12",
]
NEW_FROM_THE_CRM = {"Rachel Kim", "Amir Farouk", "Greta Lindqvist", "Jo Park", "Nia Lowe"}


def correct(page, field, text: str) -> None:
    """Tab to a cell offered for correcting and type over it, as a keyboard user would."""
    tab_to(page, field)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def test_another_crms_export_is_corrected_in_the_preview_and_imported(page, user, book, tmp_path):
    """The whole forgiving import as a new user meets it, with the keyboard where a
    person would use it: two bad emails corrected in place, a partner already in the
    book left out, the rest imported, and what was left out downloaded."""
    book.add(
        "Tom Brennan",
        company="Brennan Insurance Group",
        email="tom@brennan.example",
        profession="insurance",
        tier="maintain",
    )
    before = book.partners()
    assert not NEW_FROM_THE_CRM & before.keys()
    csv_file = write_csv(tmp_path, "crm-export.csv", CRM_EXPORT)
    page.on(
        "filechooser", lambda chooser: None
    )  # see test_the_import_can_be_done_with_the_keyboard
    open_import(page, user)
    with page.expect_file_chooser() as chooser:
        tab_to(page, page.get_by_label("CSV file or vCard"))
        page.keyboard.press("Space")
    chooser.value.set_files(csv_file)
    tab_to(page, page.get_by_role("button", name="Upload and continue"))
    page.keyboard.press("Enter")

    # Step 2: the other CRM's column names are understood as they are.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Import crm-export.csv: match the columns"
    )
    expect(page.get_by_text("6 rows of partners")).to_be_visible()
    for label, column in (
        ("First name (joined to last name)", "0"),
        ("Last name", "1"),
        ("Company", "2"),
        ("Email", "3"),
        ("Phone", "4"),
    ):
        expect(page.get_by_label(label, exact=True)).to_have_value(column)
    tab_to(page, page.get_by_role("button", name="Preview the import"))
    page.keyboard.press("Enter")

    # Step 3: the two rows in error, each bad cell editable beside its message.
    expect(page.get_by_role("heading", level=1)).to_have_text("Import crm-export.csv: preview")
    problems = page.get_by_role("alert").filter(has_text="2 rows have problems")
    expect(problems).to_be_visible()
    rows = page.get_by_role("table", name="Rows of crm-export.csv").locator("tbody tr")
    expect(rows).to_have_count(6)
    amir = page.locator("#line-3")
    amir_email = amir.get_by_label("Email (line 3)")
    expect(amir_email).to_have_value("amir@farouk")
    expect(amir_email).to_have_accessible_description(
        re.compile(r"^Email “amir@farouk”: Enter an email address like name@example\.com\.")
    )
    jo_email = page.locator("#line-6").get_by_label("Email (line 6)")
    expect(jo_email).to_have_value("jo at park.example")
    expect(jo_email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("tr.has-error")).to_have_count(2)
    # A phone with an extension is a phone: Greta's row is fine as it is.
    greta = page.locator("#line-5")
    expect(greta).to_contain_text("555.010.4060 x204")
    expect(greta.get_by_text("New partner")).to_be_visible()
    expect(greta.get_by_role("textbox")).to_have_count(0)
    # Tom Brennan, found by his name and company, beside the partner in the book.
    tom = page.get_by_role("group", name="Same name and company as Tom Brennan (Kim Lee)")
    expect(tom).to_contain_text("In the file, line 4")
    expect(tom).to_contain_text("Brennan Insurance Group, LLC")
    expect(tom).to_contain_text("In the book")
    expect(tom).to_contain_text("tom@brennan.example")
    expect(tom.get_by_label("Skip")).to_be_checked()
    assert_every_control_is_labelled(page)
    assert_fits_the_screen(page)

    # Both corrected, and checked again: the rows are fine, the corrections kept.
    correct(page, amir_email, "amir@farouk.example")
    correct(page, jo_email, "jo@park.example")
    tab_to(page, page.get_by_role("button", name="Check again"))
    page.keyboard.press("Enter")
    expect(problems).to_have_count(0)
    expect(page.locator("tr.has-error")).to_have_count(0)
    for line, fixed in ((3, "amir@farouk.example"), (6, "jo@park.example")):
        cell = page.locator(f"#line-{line}").get_by_label(f"Email (line {line})")
        expect(cell).to_have_value(fixed)
        expect(cell).not_to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#line-{line}").get_by_text("New partner")).to_be_visible()
    tom = page.get_by_role("group", name="Same name and company as Tom Brennan (Kim Lee)")
    expect(tom.get_by_label("Skip")).to_be_checked()  # left as it is
    assert book.partners().keys() == before.keys(), "nothing is stored before Import"
    tab_to(page, page.get_by_role("button", name="Import 5 rows"))
    page.keyboard.press("Enter")

    # The page after the import, and the row left out as a CSV of its own.
    expect(page).to_have_url(re.compile(r"/referrals/partners-csv/\w+/done$"))
    expect(page.get_by_role("status").filter(has_text="Imported")).to_have_text(
        "Imported 5 new partners from crm-export.csv; 0 merged, 1 skipped."
    )
    expect(page.get_by_text("Line 4: Same name and company as Tom Brennan")).to_be_visible()
    assert_fits_the_screen(page)
    link = page.get_by_role("link", name="Download the 1 skipped row (CSV)")
    tab_to(page, link)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "crm-export-skipped.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        [*CRM_EXPORT[0].split(","), "Why skipped"],
        [
            "Tom",
            "Brennan",
            "Brennan Insurance Group, LLC",
            "",
            "555-010-7000",
            "Same name and company as Tom Brennan, already in the book.",
        ],
    ]

    # In the book: the five, once each and Kim's, as corrected; Tom still once, untouched.
    after = book.partners()
    assert after.keys() - before.keys() == NEW_FROM_THE_CRM
    assert all(len(book.named(name)) == 1 for name in [*NEW_FROM_THE_CRM, "Tom Brennan"])
    assert {book.owner_of(after[name]) for name in NEW_FROM_THE_CRM} == {user.email(IMPORTER)}
    assert (after["Amir Farouk"].email, after["Jo Park"].email) == (
        "amir@farouk.example",
        "jo@park.example",
    )
    assert after["Greta Lindqvist"].phone == "555.010.4060 x204"
    assert (after["Nia Lowe"].company, after["Nia Lowe"].phone) == (
        "Lowe Staging",
        "+1 555 010 9000 ext. 12",
    )
    tom_now = after["Tom Brennan"]
    assert (tom_now.company, tom_now.phone, tom_now.tier) == (
        "Brennan Insurance Group",
        None,
        "maintain",
    )


def test_a_row_in_error_skipped_leaves_the_rest_to_import(page, user, book, tmp_path):
    before = book.partners()
    csv_file = write_csv(
        tmp_path,
        "with-a-typo.csv",
        [
            "Name,Email",
            "Bea Quinn,bea@quinn.example",
            "Cal Rivers,cal-at-rivers.example",
            "Dee Stone,dee@stone.example",
        ],
    )
    open_import(page, user)
    page.get_by_label("CSV file or vCard").set_input_files(csv_file)
    page.get_by_role("button", name="Upload and continue").click()
    page.get_by_role("button", name="Preview the import").click()

    expect(page.get_by_role("alert").filter(has_text="1 row has problems")).to_be_visible()
    # Each row's box says which row it leaves out, to those who hear it away from the row.
    skip = page.get_by_label("Skip this row (line 3)", exact=True)
    tab_to(page, skip)
    page.keyboard.press("Space")
    expect(skip).to_be_checked()
    page.get_by_role("button", name=re.compile(r"^Import \d+ rows?$")).click()

    expect(page.get_by_role("status").filter(has_text="Imported")).to_have_text(
        "Imported 2 new partners from with-a-typo.csv; 0 merged, 1 skipped."
    )
    expect(page.get_by_text("Line 3: Email “cal-at-rivers.example”")).to_be_visible()
    expect(page.get_by_role("link", name="Download the 1 skipped row (CSV)")).to_be_visible()
    assert book.partners().keys() - before.keys() == {"Bea Quinn", "Dee Stone"}
    assert not book.named("Cal Rivers")


def test_enter_in_a_corrected_cell_checks_again_and_imports_nothing(page, user, book, tmp_path):
    """Enter in a field sends the form with its first button: while rows are in error
    that is "Check again", so that a correction is seen checked before anything is stored."""
    before = book.partners()
    csv_file = write_csv(
        tmp_path, "one-typo.csv", ["Name,Email", "Eli Vance,eli@vance.example", "Fay Wong,fay@wong"]
    )
    open_import(page, user)
    page.get_by_label("CSV file or vCard").set_input_files(csv_file)
    page.get_by_role("button", name="Upload and continue").click()
    page.get_by_role("button", name="Preview the import").click()

    expect(page.get_by_role("alert").filter(has_text="1 row has problems")).to_be_visible()
    check_again = page.get_by_role("button", name="Check again")
    expect(check_again).to_have_class(re.compile(r"\bprimary\b"))
    email = page.get_by_label("Email (line 3)")
    email.fill("fay@wong.example")
    email.press("Enter")

    expect(page).to_have_url(re.compile(r"/referrals/partners-csv/\w+/preview(#line-\d+)?$"))
    expect(page.locator("#line-3").get_by_text("New partner")).to_be_visible()
    expect(page.get_by_label("Email (line 3)")).to_have_value("fay@wong.example")
    assert book.partners().keys() == before.keys()
    # Nothing in error now: Import is the first button again, and Enter imports.
    expect(page.get_by_role("button", name="Import 2 rows")).to_have_class(
        re.compile(r"\bprimary\b")
    )
    page.get_by_label("Email (line 3)").press("Enter")
    expect(page.get_by_role("status").filter(has_text="Imported")).to_have_text(
        "Imported 2 new partners from one-typo.csv; 0 merged, 0 skipped."
    )
    assert book.partners().keys() - before.keys() == {"Eli Vance", "Fay Wong"}
