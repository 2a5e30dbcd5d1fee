"""The API tokens page: the user's personal access tokens, made and revoked.

A new token is shown once, on the page the creation redirects to (its secret
passed through the session and removed from it there, as the recovery codes
are): reloading the page does not show it again, and only its hash is kept.
"""

from flask import abort, flash, redirect, session, url_for
from flask_login import login_required

from ..api import tokens
from ..extensions import db
from ..forms import EmptyForm
from ..templating import render
from . import bp
from .forms import NewTokenForm
from .views import me


def tokens_page(form: NewTokenForm | None = None, status: int = 200, new_token=None):
    user = me()
    rows = tokens.tokens_of(user)
    timezone = user.team.timezone
    return render(
        "account/api_tokens.html",
        rows=[(row, tokens.status(row), tokens.last_day(row, timezone)) for row in rows],
        new_form=form or NewTokenForm(formdata=None),
        form=EmptyForm(),
        new_token=new_token,
        timezone=timezone,
    ), status


@bp.get("/tokens")
@login_required
def api_tokens():
    """The user's tokens (name, access, made, last used, expiry, status), the
    form for a new one, and a token just made, this once."""
    new_token = session.pop("new_api_token", None)
    return tokens_page(new_token=new_token)


@bp.post("/tokens")
@login_required
def create_api_token():
    """Make a token; the next page shows it, once."""
    form = NewTokenForm()
    if not form.validate_on_submit():
        return tokens_page(form, 422)
    days = int(form.lifetime.data) if form.lifetime.data else None
    row, secret = tokens.issue(me(), form.name.data, form.scope.data, days, by=me())
    db.session.commit()
    session["new_api_token"] = {"name": row.name, "secret": secret}
    return redirect(url_for("account.api_tokens"), code=303)


@bp.post("/tokens/<int:api_token_id>/revoke")
@login_required
def revoke_api_token(api_token_id: int):
    """Revoke one of one's own tokens: it stops working at once."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    row = tokens.token_of(me(), api_token_id)
    if row is None:
        abort(404)
    if tokens.revoke(row, by=me()):
        db.session.commit()
        flash(f"The token “{row.name}” is revoked: it no longer works.", "success")
    return redirect(url_for("account.api_tokens"), code=303)
