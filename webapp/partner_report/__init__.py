""" "Our partnership this quarter": a one-page report for the partner.

Referrals each way, those of theirs that closed, planning sessions held and
the leads they gave us that we followed up, over one quarter of the team's
calendar (its time zone). The referral figures are the ROI page's own
(`referrals.queries.roi` over the quarter), so the two cannot disagree.

- `quarters.py`: quarters of the team's calendar.
- `numbers.py`: the report's figures.
- `document.py`: the HTML and the PDF (WeasyPrint, DejaVu/Liberation fonts).
- `message.py`: the quarterly email with the PDF attached; `links.py` its
  signed unsubscribe token.
- `views.py`: the PDF, the preview and consent page, the unsubscribe page.
The quarterly job is webapp/jobs/partner_report.py.
"""

from flask import Blueprint

bp = Blueprint("partner_report", __name__)

from . import views  # noqa: E402,F401
