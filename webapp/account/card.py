"""The agent's own contact card: shown as a QR code at a first meeting.

Seed 001: rather than hand out a business card, ask the new contact to put
your number in their phone while you are there. The card page shows a QR
code of the agent's vCard that any phone camera turns into a new contact.
"""

from flask import flash, redirect, url_for
from flask_login import login_required

from .. import contact
from ..extensions import db
from ..models import record_audit
from ..templating import render
from . import bp
from .forms import CardForm
from .views import me


def card_page(form: CardForm | None = None, status: int = 200):
    user = me()
    return render(
        "account/card.html",
        user=user,
        form=form or CardForm(formdata=None, phone=user.phone),
        qr=contact.qr_svg(contact.agent_vcard(user), f"{user.name}'s contact card"),
    ), status


@bp.get("/card")
@login_required
def card():
    """The QR code of the agent's vCard, and the phone it carries."""
    return card_page()


@bp.post("/card")
@login_required
def save_card():
    form = CardForm()
    if not form.validate():
        return card_page(form, 422)
    user = me()
    phone = (form.phone.data or "").strip() or None
    if phone != user.phone:
        record_audit(
            user.team_id,
            user,
            "card_changed",
            f"{user.email} changed the phone on their card",
            before={"phone": user.phone},
            after={"phone": phone},
        )
        user.phone = phone
    db.session.commit()
    flash("Your card is saved.", "success")
    return redirect(url_for("account.card"))


@bp.get("/card.vcf")
@login_required
def card_vcf():
    """The same card as a file, to send by text or email."""
    user = me()
    return contact.vcard_response(contact.agent_vcard(user), user.name)
