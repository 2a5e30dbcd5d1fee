"""The partner import forgives: rows corrected or skipped in the preview, duplicates found
by name and company, other CRMs' column names, phones with extensions, vCards."""

import csv
import io

import pytest
import sqlalchemy as sa

from tests.helpers import count, make_partner
from tests.test_partners_csv import guessed_mapping, partner_named, token_of, upload
from webapp.models import AuditEvent, Partner, Tag
from webapp.partners.tags import set_tags

# A small export of another CRM (Follow Up Boss's column names), as a new team brings it:
# two rows with a bad email, one phone with an extension, and Tom Brennan, who is
# already in the book.
CRM_EXPORT = (
    "First Name,Last Name,Company Name,Email 1,Phone 1,Tags\n"
    "Rachel,Kim,Kim Home Loans,rachel@kimloans.example,(555) 010-2000,lender\n"
    "Omar,Haddad,Haddad Law,omar@haddad,555.010.4050 x204,attorney\n"
    'Tom,Brennan,"Brennan Insurance Group, LLC",,555-010-7000,insurance\n'
    "Lena,Fischer,Fischer Inspections,lena@fischer.example,555-010-3000,\n"
    "Jo,Park,,jo at park.example,,\n"
    "Nia,Lowe,Lowe Staging,nia@lowe.example,+1 555 010 9000 ext. 12,stager\n"
)


@pytest.fixture
def uploads(app, tmp_path):
    app.config["PARTNER_IMPORT_FOLDER"] = str(tmp_path)
    return tmp_path


@pytest.fixture
def brennan(db, team):
    tom = make_partner(team["agent"], "Tom Brennan", company="Brennan Insurance Group",
                       email="tom@brennan.example", phone=None, tier="maintain")  # fmt: skip
    set_tags(tom, ["golf"])
    db.session.commit()
    return tom


def preview_page(client, token, data, post=False):
    url = f"/referrals/partners-csv/{token}/preview"
    if post:
        return client.post(url, data=data)
    return client.get(url, query_string=data)


def test_the_crm_export_imports_its_good_rows_and_lets_the_bad_ones_be_fixed(
    client, auth, team, db, uploads, brennan
):
    auth.login(team["agent"])
    token = token_of(upload(client, CRM_EXPORT, "crm-export.csv"))
    mapping = guessed_mapping(client, token)
    # The other CRM's column names are recognised.
    assert mapping["map-first_name"] == "0" and mapping["map-last_name"] == "1"
    assert mapping["map-company"] == "2" and mapping["map-email"] == "3"
    assert mapping["map-phone"] == "4" and mapping["map-tags"] == "5"

    text = preview_page(client, token, mapping).get_data(as_text=True)
    assert "2 rows have problems" in text
    # Each bad cell is offered for correcting, its message beside it.
    assert 'id="fix-3-3" name="fix-3-3" value="omar@haddad"' in text
    assert 'id="fix-6-3" name="fix-6-3" value="jo at park.example"' in text
    assert 'id="fix-3-3-error">Email “omar@haddad”: Enter an email address' in text
    assert f'formaction="/referrals/partners-csv/{token}/preview#line-3"' in text  # back there
    # Phones with extensions are phones.
    assert "Phone “555.010.4050 x204”" not in text and "ext. 12”" not in text
    # Tom Brennan is found by name and company, shown beside the partner in the book.
    assert "Same name and company as Tom Brennan (Sam Ortiz)" in text
    assert "tom@brennan.example" in text
    assert 'name="choice-4" value="new"' in text

    # Importing with the bad rows neither corrected nor skipped stores nothing.
    refused = client.post(f"/referrals/partners-csv/{token}/import", data=mapping)
    assert refused.status_code == 422 and count(db, Partner) == 1

    # Correct one, check again: it is fine now, and the correction travels on.
    fixed = {**mapping, "fix-3-3": "omar@haddad.example"}
    text = preview_page(client, token, fixed, post=True).get_data(as_text=True)
    assert "1 row has problems" in text
    assert 'value="omar@haddad.example"' in text and "fix-3-3-error" not in text
    # Correct the other too, and import: four new, Tom skipped as a duplicate.
    fixed["fix-6-3"] = "jo@park.example"
    response = client.post(f"/referrals/partners-csv/{token}/import", data=fixed)
    assert response.status_code == 303
    assert partner_named(db, "Omar Haddad").email == "omar@haddad.example"
    assert partner_named(db, "Omar Haddad").phone == "555.010.4050 x204"
    assert partner_named(db, "Jo Park").email == "jo@park.example"
    assert partner_named(db, "Nia Lowe").phone == "+1 555 010 9000 ext. 12"
    assert [tag.name for tag in partner_named(db, "Nia Lowe").tags] == ["stager"]
    assert count(db, Partner) == 6  # Tom, and five of the six rows
    assert db.session.scalar(sa.select(sa.func.count()).where(Partner.name == "Tom Brennan")) == 1
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 5 new partners from crm-export.csv; 0 merged, 1 skipped." in done
    assert "Line 4: Same name and company as Tom Brennan, already in the book." in done


def test_rows_skipped_in_the_preview_are_left_out_and_offered_as_a_csv(
    client, auth, team, db, uploads, brennan
):
    auth.login(team["agent"])
    token = token_of(upload(client, CRM_EXPORT, "crm-export.csv"))
    data = {**guessed_mapping(client, token), "skip-3": "1", "skip-6": "1", "choice-4": "merge"}
    response = client.post(f"/referrals/partners-csv/{token}/import", data=data)
    assert response.status_code == 303
    assert {p.name for p in db.session.scalars(sa.select(Partner))} == {
        "Tom Brennan", "Rachel Kim", "Lena Fischer", "Nia Lowe",
    }  # fmt: skip
    tom = db.session.get(Partner, brennan.id)
    assert tom.phone == "555-010-7000" and tom.company == "Brennan Insurance Group"  # merged
    assert [tag.name for tag in tom.tags] == ["golf", "insurance"]  # his own, and the row's
    merged = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.partner_id == tom.id, AuditEvent.kind == "import")
    )
    assert merged.after["tags"] == ["golf", "insurance"] and merged.before["tags"] == ["golf"]
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 3 new partners from crm-export.csv; 1 merged, 2 skipped." in done
    download = client.get(f"/referrals/partners-csv/{token}/skipped.csv")
    assert download.status_code == 200
    assert 'filename="crm-export-skipped.csv"' in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [*CRM_EXPORT.splitlines()[0].split(","), "Why skipped"]
    assert [row[:2] for row in rows[1:]] == [["Omar", "Haddad"], ["Jo", "Park"]]
    assert rows[1][6].startswith("Email “omar@haddad”: Enter an email address")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.summary.like("Imported %")))
    assert event.after["skipped"] == [3, 6]
    # The outcome is the importer's alone.
    auth.logout()
    auth.login(team["manager"])
    assert client.get(f"/referrals/partners-csv/{token}/skipped.csv").status_code == 404
    assert client.get(f"/referrals/partners-csv/{token}/done").status_code == 404


def test_a_correction_that_is_still_wrong_says_so_and_stores_nothing(
    client, auth, team, db, uploads
):
    auth.login(team["agent"])
    token = token_of(upload(client, CRM_EXPORT))
    data = {**guessed_mapping(client, token), "fix-3-3": "still wrong", "skip-6": "1"}
    response = client.post(f"/referrals/partners-csv/{token}/import", data=data)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'value="still wrong"' in text and "Email “still wrong”" in text
    assert 'name="skip-6" value="1" checked' in text
    assert count(db, Partner) == 0


def test_a_duplicate_can_be_imported_as_new(client, auth, team, db, uploads, brennan):
    auth.login(team["agent"])
    token = token_of(upload(client, CRM_EXPORT))
    data = {**guessed_mapping(client, token), "skip-3": "1", "skip-6": "1", "choice-4": "new"}
    assert client.post(f"/referrals/partners-csv/{token}/import", data=data).status_code == 303
    toms = db.session.scalars(sa.select(Partner).where(Partner.name == "Tom Brennan")).all()
    assert len(toms) == 2


@pytest.mark.parametrize(
    ("existing_name", "existing_company", "row_name", "row_company", "reason"),
    [
        ("Tom Brennan", "Brennan Insurance Group", "tom brennan", "Brennan Insurance Group Inc.",
         "name and company"),
        ("José O'Neil", "The Títle Co.", "Jose ONeil", "Title", "name and company"),
        ("Tom Brennan", "Brennan Insurance", "Tom Brennan", "", "name"),  # no company: name
        ("Tom Brennan", None, "Tom Brennan", "Brennan Insurance", "name"),
    ],
)  # fmt: skip
def test_duplicates_by_name_and_company_ignore_case_accents_punctuation_and_suffixes(
    client, auth, team, db, uploads, existing_name, existing_company, row_name, row_company, reason
):
    make_partner(team["agent"], existing_name, company=existing_company, email=None, phone=None)
    db.session.commit()
    auth.login(team["agent"])
    token = token_of(upload(client, f"Name,Company\n{row_name},{row_company}\n"))
    text = preview_page(client, token, guessed_mapping(client, token)).get_data(as_text=True)
    assert f"Same {reason} as" in text and "(Sam Ortiz)" in text


def test_same_name_at_another_company_is_not_a_duplicate(client, auth, team, db, uploads, brennan):
    auth.login(team["agent"])
    token = token_of(upload(client, "Name,Company\nTom Brennan,Brennan Roofing\n"))
    text = preview_page(client, token, guessed_mapping(client, token)).get_data(as_text=True)
    assert "Same " not in text and "New partner" in text


def test_name_duplicates_are_looked_for_only_among_the_partners_the_importer_sees(
    client, auth, team, db, uploads
):
    make_partner(team["other_agent"], "Tom Brennan", company="Brennan Insurance Group")
    db.session.commit()
    auth.login(team["agent"])
    token = token_of(upload(client, "Name,Company\nTom Brennan,Brennan Insurance Group\n"))
    text = preview_page(client, token, guessed_mapping(client, token)).get_data(as_text=True)
    assert "Same " not in text and "Kim Lee" not in text


VCARDS = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana Pérez\r\nN:Pérez;Ana;;;\r\n"
    "ORG:Pérez Title\\, LLC;Escrow\r\nEMAIL;TYPE=INTERNET:ana@perez.example\r\n"
    "TEL;TYPE=WORK:555-010-1111\r\nTEL;TYPE=CELL:555-010-2222\r\nBDAY:1980-07-02\r\n"
    "NOTE:Met at the mixer\\nlikes golf\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Tom Brennan\r\nN:Brennan;Tom;;;\r\n"
    "ORG:Brennan Insurance Group\r\nTEL;VALUE=uri;TYPE=cell:tel:+1-555-010-7000\r\n"
    "BDAY:--0314\r\nANNIVERSARY:20100612\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Bad Mail\r\nEMAIL:bad@mail\r\nEND:VCARD\r\n"
)


def test_a_vcard_file_goes_through_the_same_steps(client, auth, team, db, uploads, brennan):
    auth.login(team["agent"])
    token = token_of(upload(client, VCARDS, "contacts.vcf"))
    mapping = guessed_mapping(client, token)
    assert mapping["map-name"] == "0" and mapping["map-company"] == "3"
    assert mapping["map-birthday"] == "6" and mapping["map-notes"] == "8"
    text = preview_page(client, token, mapping).get_data(as_text=True)
    assert "Same name and company as Tom Brennan (Sam Ortiz)" in text
    assert "1 row has problems" in text and "Email “bad@mail”" in text
    data = {**mapping, "fix-21-4": "bad@mail.example", "choice-12": "merge"}  # BEGIN lines
    response = client.post(f"/referrals/partners-csv/{token}/import", data=data)
    assert response.status_code == 303
    ana = partner_named(db, "Ana Pérez")
    assert ana.company == "Pérez Title, LLC" and ana.email == "ana@perez.example"
    assert ana.phone == "555-010-2222"  # the mobile
    assert ana.birthday == "1980-07-02" and ana.notes == "Met at the mixer\nlikes golf"
    tom = db.session.get(Partner, brennan.id)
    assert tom.birthday == "03-14" and tom.anniversary == "2010-06-12"
    assert tom.phone == "+1-555-010-7000"  # a vCard 4 tel: URI, read as the number
    assert partner_named(db, "Bad Mail").email == "bad@mail.example"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana\r\n", "This vCard file cannot be read."),
        ("BEGIN:VCARD\r\nEND:VCARD\r\n", None),
    ],
)
def test_a_broken_vcard_file_is_refused_at_upload(client, auth, team, uploads, content, message):
    auth.login(team["agent"])
    response = upload(client, content, "contacts.vcf")
    if message is None:  # a card without a name reads, and the preview asks for the name
        token = token_of(response)
        text = preview_page(client, token, guessed_mapping(client, token)).get_data(as_text=True)
        assert "Name is missing." in text
    else:
        assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_tags_from_the_file_use_the_teams_own_and_are_checked(client, auth, team, db, uploads):
    partner = make_partner(team["agent"], "Old Friend")
    set_tags(partner, ["Lender"])
    db.session.commit()
    auth.login(team["agent"])
    content = 'Name,Tags\nAna Diaz,lender; BNI\nBo Chen,"golf, BNI"\nCy Park,a;b\n'
    content += f"Di Ray,{'x' * 41}\n"
    token = token_of(upload(client, content))
    mapping = guessed_mapping(client, token)
    text = preview_page(client, token, mapping).get_data(as_text=True)
    assert "1 row has problems" in text and 'id="fix-5-1"' in text
    data = {**mapping, "skip-5": "1"}
    assert client.post(f"/referrals/partners-csv/{token}/import", data=data).status_code == 303
    assert [tag.name for tag in partner_named(db, "Ana Diaz").tags] == ["BNI", "Lender"]
    assert [tag.name for tag in partner_named(db, "Bo Chen").tags] == ["BNI", "golf"]
    names = db.session.scalars(sa.select(Tag.name).where(Tag.team_id == team["agent"].team_id))
    assert sorted(names) == ["BNI", "Lender", "a", "b", "golf"]  # one BNI, the team's Lender
