"""The partner book in and out: CSV import in three steps, CSV exports, vCards."""

import csv
import html
import io
import re

import pytest
import sqlalchemy as sa

from tests.helpers import audited_changes, count, make_partner
from tests.refusals import REFUSED, REFUSED_IDS
from webapp.models import AuditEvent, Partner

GOOD = (
    "Full Name,Company,E-mail,Mobile,Profession,Birthday,How met,Client types\n"
    "Debbie Stone,Stone Realty,debbie@stone.example,(555) 010-2030,Realtor,3/14,BNI,"
    "First-time buyers; Luxury\n"
    "Marco Ruiz,,marco@lend.example,,Lender / loan officer,1980-07-02,,\n"
)


@pytest.fixture
def uploads(app, tmp_path):
    app.config["PARTNER_IMPORT_FOLDER"] = str(tmp_path)
    return tmp_path


def upload(client, content: bytes | str, filename="partners.csv"):
    raw = content.encode() if isinstance(content, str) else content
    return client.post(
        "/referrals/partners-csv",
        data={"file": (io.BytesIO(raw), filename)},
        content_type="multipart/form-data",
    )


def token_of(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def guessed_mapping(client, token) -> dict[str, str]:
    """The mapping form's selected columns, as the browser would send them back."""
    page = client.get(f"/referrals/partners-csv/{token}").get_data(as_text=True)
    mapping = {}
    for name, body in re.findall(
        r'<select id="(map-[a-z_]+|owner)"[^>]*>(.*?)</select>', page, re.S
    ):
        selected = re.search(r'<option selected value="([^"]*)"', body) or re.search(
            r'<option value="([^"]*)" selected', body
        )
        mapping[name] = selected.group(1) if selected else ""
    if owner := re.search(r'<input type="hidden" name="owner" value="([^"]*)"', page):
        mapping["owner"] = owner.group(1)  # an agent's own
    return mapping


def partner_named(db, name) -> Partner | None:
    return db.session.scalar(sa.select(Partner).where(Partner.name == name))


# --- the happy path ---------------------------------------------------------------------------


def test_import_maps_columns_previews_and_imports_everything(client, auth, team, db, uploads):
    auth.login(team["agent"])
    token = token_of(upload(client, GOOD))
    mapping = guessed_mapping(client, token)
    assert mapping["map-name"] == "0" and mapping["map-company"] == "1"
    assert mapping["map-email"] == "2" and mapping["map-phone"] == "3"
    assert mapping["map-profession"] == "4" and mapping["map-birthday"] == "5"
    assert mapping["map-source"] == "6" and mapping["map-client_types"] == "7"
    assert mapping["map-notes"] == ""

    preview = client.get(f"/referrals/partners-csv/{token}/preview", query_string=mapping)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Debbie Stone" in page and page.count("New partner") == 2
    assert count(db, Partner) == 0  # nothing stored before the last step

    response = client.post(f"/referrals/partners-csv/{token}/import", data=mapping)
    assert response.status_code == 303
    debbie, marco = partner_named(db, "Debbie Stone"), partner_named(db, "Marco Ruiz")
    assert debbie.owner_id == marco.owner_id == team["agent"].id
    assert debbie.tier == marco.tier == "cultivate"
    assert debbie.profession == "agent" and marco.profession == "lender"
    assert debbie.birthday == "03-14" and marco.birthday == "1980-07-02"
    assert debbie.source == "bni" and debbie.client_types == ["first_time_buyers", "luxury"]
    assert debbie.phone == "(555) 010-2030" and marco.company is None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.kind == "import"))
    assert event.user_id == team["agent"].id
    assert sorted(event.after["created"]) == sorted([debbie.id, marco.id])
    assert "2 new, 0 merged, 0 skipped" in event.summary
    # The uploaded file is gone once imported, and cannot be imported again.
    assert [path.suffix for path in uploads.iterdir()] == [".json"]  # the outcome
    assert client.get(f"/referrals/partners-csv/{token}").status_code == 404
    assert client.post(f"/referrals/partners-csv/{token}/import", data=mapping).status_code == 404
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 2 new partners from partners.csv; 0 merged, 0 skipped." in done
    assert "skipped row" not in done


def test_first_and_last_name_columns_are_joined(client, auth, team, db, uploads):
    auth.login(team["agent"])
    token = token_of(upload(client, "First Name;Last Name;Email\nAna;Pérez;ana@x.example\n"))
    mapping = guessed_mapping(client, token)
    assert mapping["map-name"] == "" and mapping["map-first_name"] == "0"
    client.post(f"/referrals/partners-csv/{token}/import", data=mapping)
    assert partner_named(db, "Ana Pérez").email == "ana@x.example"


def test_a_manager_picks_the_owner(client, auth, team, db, uploads):
    auth.login(team["manager"])
    token = token_of(upload(client, GOOD))
    mapping = guessed_mapping(client, token)
    page = client.get(f"/referrals/partners-csv/{token}/preview", query_string=mapping)
    assert "Owner of the imported partners" in page.get_data(as_text=True)
    data = {**mapping, "owner": team["other_agent"].id}
    assert client.post(f"/referrals/partners-csv/{token}/import", data=data).status_code == 303
    assert partner_named(db, "Debbie Stone").owner_id == team["other_agent"].id


def test_an_agent_cannot_give_imported_partners_to_someone_else(client, auth, team, db, uploads):
    """The page never offers it: a forged owner is refused like a forged choice."""
    auth.login(team["agent"])
    token = token_of(upload(client, GOOD))
    data = {**guessed_mapping(client, token), "owner": team["other_agent"].id}
    response = client.post(f"/referrals/partners-csv/{token}/import", data=data)
    assert response.status_code == 400
    assert count(db, Partner) == 0


def test_a_manager_is_asked_for_the_owner_on_the_mapping_step(client, auth, team, db, uploads):
    auth.login(team["manager"])
    token = token_of(upload(client, GOOD))
    mapping = guessed_mapping(client, token)
    assert mapping["owner"] == ""  # asked, not assumed
    page = client.get(f"/referrals/partners-csv/{token}/preview", query_string=mapping)
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert 'id="owner-error">Choose who will own the imported partners.' in text
    assert "match the columns" in text and "Step 3 of 3" not in text
    mapping["owner"] = str(team["other_agent"].id)
    page = client.get(f"/referrals/partners-csv/{token}/preview", query_string=mapping)
    assert "Owner of the imported partners: <strong>Kim Lee</strong>" in page.get_data(as_text=True)
    assert client.post(f"/referrals/partners-csv/{token}/import", data=mapping).status_code == 303
    assert partner_named(db, "Marco Ruiz").owner_id == team["other_agent"].id
    assert count(db, Partner) == 2


# --- errors: nothing is stored ----------------------------------------------------------------


def test_rows_in_error_are_shown_and_nothing_is_imported(client, auth, team, db, uploads):
    auth.login(team["agent"])
    content = (
        "Name,Email,Phone,Profession,Met on\n"
        "Good Row,good@x.example,555-010-1000,CPA,2026-03-01\n"
        ",nobody@x.example,,,\n"
        "Bad Email,not-an-email,12,astronaut,31/31/2026\n"
    )
    token = token_of(upload(client, content))
    mapping = guessed_mapping(client, token)
    page = client.get(f"/referrals/partners-csv/{token}/preview", query_string=mapping)
    text = page.get_data(as_text=True)
    assert "2 rows have problems" in text
    assert "Name is missing." in text
    assert "Email “not-an-email”: Enter an email address like name@example.com." in text
    assert "Phone “12”: Enter a phone number: 7 to 15 digits" in text
    assert "Unknown profession “astronaut”." in text
    assert "Date met “31/31/2026” is not a date" in text
    response = client.post(f"/referrals/partners-csv/{token}/import", data=mapping)
    assert response.status_code == 422
    assert count(db, Partner) == 0 and audited_changes(db) == 0


# The columns of tests/refusals.py's fields, and a row the import takes as it is.
REFUSAL_COLUMNS = {
    "name": "Name", "company": "Company", "email": "Email", "phone": "Phone",
    "met_on": "Met on", "birthday": "Birthday", "anniversary": "Anniversary",
}  # fmt: skip
ACCEPTED_ROW = {
    "name": "Debbie Stone", "company": "Stone Realty", "email": "debbie@stone.example",
    "phone": "555-010-2030", "met_on": "3/14/2026", "birthday": "3/14", "anniversary": "2001-6-9",
}  # fmt: skip


def one_row(**values) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(REFUSAL_COLUMNS.values())
    writer.writerow({**ACCEPTED_ROW, **values}.values())
    return out.getvalue()


def preview(client, content: str) -> str:
    token = token_of(upload(client, content))
    mapping = guessed_mapping(client, token)
    page = client.get(f"/referrals/partners-csv/{token}/preview", query_string=mapping)
    return html.unescape(page.get_data(as_text=True))


def test_the_accepted_row_is_read_in_the_shape_the_form_keeps(client, auth, team, db, uploads):
    auth.login(team["agent"])
    token = token_of(upload(client, one_row(email="Debbie@Stone.EXAMPLE")))
    mapping = guessed_mapping(client, token)
    assert client.post(f"/referrals/partners-csv/{token}/import", data=mapping).status_code == 303
    debbie = partner_named(db, "Debbie Stone")
    assert (debbie.met_on.isoformat(), debbie.birthday, debbie.anniversary) == (
        "2026-03-14", "03-14", "2001-06-09",
    )  # fmt: skip
    assert debbie.email == "debbie@stone.example"  # as the partner form keeps it


@pytest.mark.parametrize(("field", "value", "message"), REFUSED, ids=REFUSED_IDS)
def test_a_cell_is_refused_as_the_partner_form_refuses_it(
    client, auth, team, db, uploads, field, value, message
):
    """tests/refusals.py: the form and the book import say the same of the same value."""
    auth.login(team["agent"])
    page = preview(client, one_row(**{field: value}))
    assert "1 row has problems" in page
    assert message in page


def test_the_name_column_must_be_chosen(client, auth, team, db, uploads):
    auth.login(team["agent"])
    token = token_of(upload(client, GOOD))
    mapping = {**guessed_mapping(client, token), "map-name": ""}
    response = client.get(f"/referrals/partners-csv/{token}/preview", query_string=mapping)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Choose the column that holds the partner" in text
    # Beside the Name select, which says it is the one in error.
    name_field = text[text.index('<label for="map-name"') :].split("</div>")[0]
    assert 'aria-invalid="true"' in name_field
    assert 'id="map-name-error">Choose the column that holds the partner' in name_field


@pytest.mark.parametrize(
    "content, message",
    [
        ("Name,Company\nJosé,Café Realty\n".encode("latin-1"), "not UTF-8"),
        (b"", "The file is empty."),
        (b"\n\n", "The file is empty."),
        ("Debbie Stone,debbie@stone.example,555-010-2030\n", "looks like data"),
        (",".join(f"c{i}" for i in range(61)) + "\n" + "x," * 60 + "x\n", "61 columns"),
        ("Name,Name\nA,B\n", "same name: Name"),
        ("Name,Email\n", "no rows of partners"),
        ('Name,Email\n"Unclosed,quote@x.example\n', "cannot be read"),
        (
            'Name,Email\nAl,al@x.example\n"Bo,bo@x.example\nCy,cy@x.example\nDi,di@x.example\n',
            "Line 3 cannot be read: a quote (&#34;) opens a cell there and is never closed.",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV file"),
    ],
)
def test_broken_files_are_refused_at_upload(client, auth, team, db, uploads, content, message):
    auth.login(team["agent"])
    response = upload(client, content)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert list(uploads.iterdir()) == []


def upload_large(client, content: str):
    """`upload` for files over 500 KB, with the body built here: werkzeug's test
    client would spool it to a temporary file it never closes."""
    boundary = "partnerplan-test-boundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="partners.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
        f"{content}\r\n--{boundary}--\r\n"
    ).encode()
    return client.post(
        "/referrals/partners-csv",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_a_file_of_200k_rows_is_refused_without_reading_past_the_cap(client, auth, team, uploads):
    """The rows are streamed: the broken end of this file is never reached."""
    auth.login(team["agent"])
    rows = "".join(f"P{n},p{n}@x.example\n" for n in range(200_000))
    content = f'Name,Email\n{rows}"this quote is never closed,\n'
    response = upload_large(client, content)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The file has more than 5,000 rows, so nothing was imported." in page
    assert "cannot be read" not in page  # the parse stopped at the cap
    assert list(uploads.iterdir()) == []


def test_a_file_of_empty_lines_is_refused_early(client, auth, team, uploads):
    auth.login(team["agent"])
    response = upload_large(client, "Name,Email\n" + ",\n" * 200_000 + '"never closed\n')
    assert response.status_code == 422
    assert "more than 5,000 lines that are empty" in response.get_data(as_text=True)


def test_uploading_without_a_file_says_so(client, auth, team, uploads):
    auth.login(team["agent"])
    response = client.post("/referrals/partners-csv", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a CSV or vCard file to upload." in response.get_data(as_text=True)


def test_a_row_with_more_cells_than_columns_is_an_error(client, auth, team, db, uploads):
    auth.login(team["agent"])
    token = token_of(upload(client, "Name,Email\nA,a@x.example,extra\nB,b@x.example\n"))
    mapping = guessed_mapping(client, token)
    page = client.get(f"/referrals/partners-csv/{token}/preview", query_string=mapping)
    assert "Has 3 cells but the first line names 2 columns." in page.get_data(as_text=True)


def test_an_excel_file_with_a_byte_order_mark_reads_its_first_column(client, auth, team, uploads):
    auth.login(team["agent"])
    token = token_of(upload(client, "\ufeffName,Email\nA,a@x.example\n".encode()))
    assert guessed_mapping(client, token)["map-name"] == "0"


# --- duplicates: skip or merge ----------------------------------------------------------------


@pytest.fixture
def existing(db, team):
    stone = make_partner(team["agent"], "Debbie Stone", email="Debbie@Stone.example",
                         company="Old Company", phone=None, tier="maintain")  # fmt: skip
    kims = make_partner(team["other_agent"], "Marco R.", phone="+1 555 010 9999")
    db.session.commit()
    return {"stone": stone, "kims": kims}


DUPLICATES = (
    "Name,Company,Email,Phone,Hobbies\n"
    "Debbie Stone,New Company,debbie@stone.example,555-010-2030,Sailing\n"  # email, any case
    "Marco Ruiz,Lend Co,,(555) 010-9999,\n"  # phone of another agent's partner
    "Pat New,,pat@x.example,,Golf\n"
    "Patricia New,Pat Co,PAT@x.example,,Chess\n"  # same email as the row above
)


def test_duplicates_are_shown_with_a_choice(client, auth, team, db, uploads, existing):
    auth.login(team["agent"])
    token = token_of(upload(client, DUPLICATES))
    mapping = guessed_mapping(client, token)
    page = client.get(f"/referrals/partners-csv/{token}/preview", query_string=mapping)
    text = page.get_data(as_text=True)
    assert "Same email as Debbie Stone (Sam Ortiz)" in text
    assert "Same email as line 4" in text
    assert 'name="choice-2" value="merge"' in text


def test_an_agent_is_not_told_of_another_agents_partners(client, auth, team, db, uploads, existing):
    """Kim's Marco R. has the phone of line 3: Sam may not open him, so is not told of him."""
    auth.login(team["agent"])
    token = token_of(upload(client, DUPLICATES))
    mapping = guessed_mapping(client, token)
    text = client.get(f"/referrals/partners-csv/{token}/preview", query_string=mapping).get_data(
        as_text=True
    )
    assert "Marco R." not in text and "Kim Lee" not in text
    assert text.count("New partner") == 2  # Marco Ruiz and Pat New
    assert 'name="choice-3"' not in text


def test_a_manager_is_told_of_the_teams_partners(client, auth, team, db, uploads, existing):
    auth.login(team["manager"])
    token = token_of(upload(client, DUPLICATES))
    mapping = {**guessed_mapping(client, token), "owner": team["manager"].id}
    text = client.get(f"/referrals/partners-csv/{token}/preview", query_string=mapping).get_data(
        as_text=True
    )
    assert "Same phone as Marco R. (Kim Lee)" in text
    assert 'name="choice-3" value="merge"' in text


def test_skipping_duplicates_leaves_them_untouched(client, auth, team, db, uploads, existing):
    auth.login(team["agent"])
    token = token_of(upload(client, DUPLICATES))
    data = guessed_mapping(client, token)  # every choice left at "skip"
    assert client.post(f"/referrals/partners-csv/{token}/import", data=data).status_code == 303
    stone = db.session.get(Partner, existing["stone"].id)
    assert stone.company == "Old Company" and stone.phone is None and stone.hobbies is None
    assert partner_named(db, "Pat New").hobbies == "Golf"
    assert partner_named(db, "Patricia New") is None
    assert count(db, Partner) == 4  # Marco Ruiz is new to Sam


def test_merging_fills_empty_fields_only(client, auth, team, db, uploads, existing):
    auth.login(team["agent"])
    token = token_of(upload(client, DUPLICATES))
    data = {**guessed_mapping(client, token), "choice-2": "merge", "choice-3": "merge",
            "choice-5": "merge"}  # fmt: skip
    assert client.post(f"/referrals/partners-csv/{token}/import", data=data).status_code == 303
    stone = db.session.get(Partner, existing["stone"].id)
    assert stone.company == "Old Company"  # kept
    assert stone.phone == "555-010-2030" and stone.hobbies == "Sailing"  # filled in
    assert stone.tier == "maintain" and stone.owner_id == team["agent"].id
    kims = db.session.get(Partner, existing["kims"].id)
    assert kims.name == "Marco R." and kims.company is None  # not Sam's: never looked at
    pat = partner_named(db, "Pat New")
    assert pat.company == "Pat Co" and pat.hobbies == "Golf"  # merged within the file
    assert count(db, Partner) == 4
    merged = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.partner_id == stone.id, AuditEvent.kind == "import")
    )
    assert merged.before == {"phone": None, "hobbies": None}
    assert merged.after == {"phone": "555-010-2030", "hobbies": "Sailing"}
    # Every row is counted once: line 5, merged into line 4, is "merged" too.
    summary = db.session.scalar(
        sa.select(AuditEvent.summary).where(AuditEvent.summary.like("Imported %"))
    )
    assert summary.endswith("2 new, 2 merged, 0 skipped")


def test_a_forged_choice_is_refused(client, auth, team, db, uploads, existing):
    auth.login(team["agent"])
    token = token_of(upload(client, DUPLICATES))
    data = {**guessed_mapping(client, token), "choice-2": "overwrite"}
    assert client.post(f"/referrals/partners-csv/{token}/import", data=data).status_code == 400
    assert count(db, Partner) == 2


# --- the uploaded file is the uploader's alone ------------------------------------------------


def test_another_user_cannot_use_the_upload_token(client, auth, team, db, uploads):
    auth.login(team["agent"])
    token = token_of(upload(client, GOOD))
    mapping = guessed_mapping(client, token)
    auth.logout()
    for intruder in (team["manager"], team["rival_manager"]):
        auth.login(intruder)
        assert client.get(f"/referrals/partners-csv/{token}").status_code == 404
        preview = client.get(f"/referrals/partners-csv/{token}/preview", query_string=mapping)
        assert preview.status_code == 404
        commit = client.post(f"/referrals/partners-csv/{token}/import", data=mapping)
        assert commit.status_code == 404
        auth.logout()
    assert count(db, Partner) == 0
    assert client.get("/referrals/partners-csv/..%2F..%2Fsecret_key").status_code == 404


# --- exports ----------------------------------------------------------------------------------


@pytest.fixture
def hostile(db, team):
    partner = make_partner(
        team["agent"],
        '=HYPERLINK("http://evil.example","x")',
        company="+SUM(A1)",
        phone="+1 555 010 2030",
        notes="-2+3",
        hobbies="@cmd",
        spouse="\tTab",
        children="\rCR",
        pets="Café ☕",
    )
    make_partner(team["other_agent"], "Kim's Partner")
    make_partner(team["rival_agent"], "Rival Partner")
    db.session.commit()
    return partner


def test_csv_export_opens_in_excel_and_neutralises_formulas(client, auth, team, hostile):
    auth.login(team["agent"])
    response = client.get("/referrals/export/partners.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    assert "\r\n" in text
    assert "'=HYPERLINK(" in text and "'+SUM(A1)" in text and "'+1 555 010 2030" in text
    assert "'-2+3" in text and "'@cmd" in text and "'\tTab" in text and "'\rCR" in text
    assert "Café ☕" in text
    assert "Kim's Partner" not in text and "Rival Partner" not in text


def test_manager_exports_the_team_and_nothing_else(client, auth, team, hostile):
    auth.login(team["manager"])
    text = client.get("/referrals/export/partners.csv").data.decode("utf-8-sig")
    assert "Kim's Partner" in text and "Rival Partner" not in text


def test_interactions_and_referrals_export(client, auth, team, db, hostile):
    from datetime import date, datetime

    from webapp.models import Interaction, Referral

    db.session.add(Interaction(partner_id=hostile.id, user_id=team["agent"].id,
                               at=datetime(2026, 3, 2, 8, 30), kind="coffee", minutes=45,
                               notes="=1+1"))  # fmt: skip
    db.session.add(Referral(partner_id=hostile.id, user_id=team["agent"].id, direction="received",
                            referred_on=date(2026, 3, 3), client="@Client", status="closed",
                            closed_on=date(2026, 4, 1), commission=12000))  # fmt: skip
    db.session.commit()
    auth.login(team["agent"])
    interactions = client.get("/referrals/export/interactions.csv").data.decode("utf-8-sig")
    assert (
        "2026-03-02 08:30,coffee,outbound" in interactions and ",45,Sam Ortiz,'=1+1" in interactions
    )
    referrals = client.get("/referrals/export/referrals.csv").data.decode("utf-8-sig")
    assert "received,2026-03-03,'@Client,closed,2026-04-01,12000.00" in referrals
    auth.logout()
    auth.login(team["other_agent"])
    assert "@Client" not in client.get("/referrals/export/referrals.csv").data.decode()
    assert client.get("/referrals/export/users.csv").status_code == 404


# --- vCard ------------------------------------------------------------------------------------


def test_vcard_escapes_commas_semicolons_and_newlines(client, auth, team, db):
    partner = make_partner(team["agent"], "Debbie Stone", company="Stone, Hill; Partners",
                           email="debbie@stone.example", phone="+1 555 010 2030",
                           birthday="03-14", notes="Line one\nLine two, with a comma; and \\",
                           profession="title_escrow")  # fmt: skip
    db.session.commit()
    auth.login(team["agent"])
    response = client.get(f"/referrals/partners/{partner.id}/vcard")
    assert response.status_code == 200
    assert response.mimetype == "text/vcard"
    assert 'filename="debbie-stone.vcf"' in response.headers["Content-Disposition"]
    lines = response.data.decode().split("\r\n")
    assert lines[:4] == ["BEGIN:VCARD", "VERSION:3.0", "N:Stone;Debbie;;;", "FN:Debbie Stone"]
    assert "ORG:Stone\\, Hill\\; Partners" in lines
    assert "TITLE:Title / escrow officer" in lines
    assert "EMAIL;TYPE=INTERNET:debbie@stone.example" in lines
    assert "TEL;TYPE=VOICE:+1 555 010 2030" in lines
    assert "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-14" in lines
    assert "NOTE:Line one\\nLine two\\, with a comma\\; and \\\\" in lines
    assert lines[-2:] == ["END:VCARD", ""]


def test_long_vcard_lines_are_folded(client, auth, team, db):
    partner = make_partner(team["agent"], "Ana Pérez", notes="é" * 100, birthday="1980-07-02")
    db.session.commit()
    auth.login(team["agent"])
    text = client.get(f"/referrals/partners/{partner.id}/vcard").data.decode()
    assert "BDAY:1980-07-02\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    note = text.replace("\r\n ", "").split("NOTE:")[1].split("\r\n")[0]
    assert note == "é" * 100


def test_vcard_is_for_the_owner_and_managers_only(client, auth, team, db):
    partner = make_partner(team["agent"], "Debbie Stone")
    db.session.commit()
    url = f"/referrals/partners/{partner.id}/vcard"
    for user, status in [(team["agent"], 200), (team["manager"], 200), (team["admin"], 200),
                         (team["other_agent"], 404), (team["rival_manager"], 404),
                         (team["rival_agent"], 404)]:  # fmt: skip
        auth.login(user)
        assert client.get(url).status_code == status, user
        auth.logout()


def test_an_export_imports_back_as_it_was(client, auth, team, db, uploads, hostile):
    hostile.client_types = ["luxury", "investors"]
    hostile.birthday, hostile.profession, hostile.source = "02-29", "cpa", "open_house"
    db.session.commit()
    auth.login(team["agent"])
    exported = client.get("/referrals/export/partners.csv").data
    auth.logout()
    auth.login(team["rival_agent"])
    token = token_of(upload(client, exported))
    mapping = guessed_mapping(client, token)
    assert mapping["map-name"] == "1" and mapping["map-favorite_restaurant"] == "18"
    assert client.post(f"/referrals/partners-csv/{token}/import", data=mapping).status_code == 303
    copy = db.session.scalar(
        sa.select(Partner).where(
            Partner.team_id == team["rival_agent"].team_id, Partner.name != "Rival Partner"
        )
    )
    for field in ("name", "company", "phone", "notes", "hobbies", "pets", "client_types",
                  "birthday", "profession", "source", "met_on"):  # fmt: skip
        assert getattr(copy, field) == getattr(hostile, field), field
    assert copy.spouse == "Tab" and copy.children == "CR"  # cells are trimmed
    assert copy.owner_id == team["rival_agent"].id and copy.tier == "cultivate"


def test_archived_partners_are_exported_with_their_archive_date(client, auth, team, db):
    from datetime import datetime

    make_partner(team["agent"], "Gone Partner", archived_at=datetime(2026, 5, 1, 9, 30))
    db.session.commit()
    auth.login(team["agent"])
    text = client.get("/referrals/export/partners.csv").data.decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    # The stamp is UTC; the file says the team's time and names its zone.
    assert header.endswith(",owner,archived_at (America/New_York)")
    assert "Gone Partner" in row and row.endswith(",Sam Ortiz,2026-05-01 05:30")
