"""The partner's quarterly report, in a real Chromium: from the partner page to
its preview and its PDF, and the preview's referral counts are the ROI page's for
the same partner over the same quarter (its period form, custom dates).

The ROI agent's Grace Holloway (tests/browser/seed.py, `roi_book`): referrals
received, sent and closed within the current quarter, which no other flow changes.
"""

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.helpers import assert_fits_the_screen, needs
from webapp.partner_report.quarters import Quarter

pytestmark = needs("partner_report.preview", "partner_report.pdf", "referrals.roi")


def figure(email, text: str) -> int:
    """One of the email's figures: "Referrals you sent us: 2"."""
    line = email.get_by_role("listitem").filter(has_text=text)
    expect(line).to_have_count(1)
    return int(line.locator("strong").inner_text())


def test_the_report_opens_as_a_pdf_and_its_figures_are_the_roi_pages(page, user):
    user.log_in_as("roi_agent")
    user.open_partner(seed.EARNER)
    panel = page.locator("#panel-partner_report")
    expect(panel.get_by_role("heading", name="Report for the partner")).to_be_visible()
    panel.get_by_role(
        "link", name=re.compile(r"^(Preview and email each quarter|Email settings)")
    ).click()
    expect(
        page.get_by_role("heading", name=f"Our partnership this quarter: {seed.EARNER}")
    ).to_be_visible()
    assert_fits_the_screen(page)

    email = page.frame_locator(f"iframe[title='The email to {seed.EARNER}']")
    expect(email.get_by_text(f"Hello {seed.EARNER},")).to_be_visible()
    report = {
        "received": figure(email, "Referrals you sent us:"),
        "sent": figure(email, "Referrals we sent you:"),
        "closed": figure(email, "Your referrals that closed:"),
    }
    # The seeded quarter has something to compare: a referral each way and one closed.
    assert all(report.values()), report

    # The PDF, opened in the browser (it is sent inline).
    link = page.get_by_role("link", name="Open the PDF")
    quarter = Quarter.parse(parse_qs(urlparse(link.get_attribute("href")).query)["quarter"][0])
    assert quarter is not None
    # The link's PDF, fetched with the browser's session (headless Chromium's
    # viewer hides the bytes of a PDF it shows).
    pdf = page.request.get(link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body()[:5] == b"%PDF-"

    # The ROI page over the same quarter, chosen in its period form.
    page.goto("/referrals/roi")
    page.get_by_label("Period").select_option(label="Custom dates")
    page.get_by_label("From").fill(quarter.start.isoformat())
    page.get_by_label("To", exact=True).fill(quarter.end.isoformat())
    page.locator("form.period-form").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"period=custom"))
    row = page.locator("tr", has=page.get_by_text(seed.EARNER, exact=True))
    expect(row).to_have_count(1)
    closed = row.locator("td[data-label=Commission]").inner_text()
    roi = {
        "received": int(row.locator("td[data-label=Received]").inner_text().split()[0]),
        "sent": int(row.locator("td[data-label=Sent]").inner_text()),
        "closed": int(m.group(1)) if (m := re.search(r"\((\d+) closed\)", closed)) else 0,
    }
    assert roi == report
