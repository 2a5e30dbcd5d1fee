"""Admin: the team's webhook endpoints, their deliveries, and a resend. Admins only.

A new secret (a new endpoint, or a rotation) is shown once, on the page the
change redirects to: it passes through the session and is removed from it
there, as a new API token is.
"""

from flask import abort, flash, redirect, session, url_for
from flask_login import current_user

from ..access import admin_required
from ..forms import EmptyForm
from ..templating import render
from ..webhooks import EVENTS, endpoints
from ..webhooks.sender import MAX_ATTEMPTS, PAUSE_AFTER
from . import bp
from .forms import WebhookForm

NEW_SECRET = "new_webhook_secret"


def shown_secret(endpoint_id: int) -> str | None:
    """The secret just made for this endpoint, this once."""
    new = session.pop(NEW_SECRET, None)
    return new["secret"] if new and new["endpoint_id"] == endpoint_id else None


def checked_post() -> None:
    """A button-only POST: its CSRF token, or 400."""
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.get("/webhooks")
@admin_required
def webhooks():
    """The team's endpoints: URL, events, status."""
    return render(
        "admin/webhooks.html",
        rows=endpoints.endpoints_of(current_user.team_id),
        events=EVENTS,
        pause_after=PAUSE_AFTER,
    )


@bp.route("/webhooks/new", methods=["GET", "POST"])
@admin_required
def new_webhook():
    """Register an endpoint: its URL and the events it takes; the secret is shown next."""
    form = WebhookForm()
    if form.validate_on_submit():
        endpoint = endpoints.register(current_user, form.url.data, form.events.data)
        session[NEW_SECRET] = {"endpoint_id": endpoint.id, "secret": endpoint.secret}
        flash("The endpoint is added: events go to it from now on.", "success")
        return redirect(url_for("admin.webhook", webhook_endpoint_id=endpoint.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render("admin/webhook_new.html", form=form), status


@bp.get("/webhooks/<int:webhook_endpoint_id>")
@admin_required
def webhook(webhook_endpoint_id: int):
    """One endpoint: its status, its latest deliveries (newest first), a resend for each."""
    endpoint = endpoints.team_endpoint(current_user.team_id, webhook_endpoint_id)
    return render(
        "admin/webhook.html",
        endpoint=endpoint,
        deliveries=endpoints.deliveries_of(endpoint),
        shown=endpoints.DELIVERIES_SHOWN,
        secret=shown_secret(endpoint.id),
        events=EVENTS,
        form=EmptyForm(),
        max_attempts=MAX_ATTEMPTS,
        pause_after=PAUSE_AFTER,
    )


@bp.post("/webhooks/<int:webhook_endpoint_id>/pause")
@admin_required
def pause_webhook(webhook_endpoint_id: int):
    """Stop sending to the endpoint; its deliveries wait until it is resumed."""
    endpoint = endpoints.team_endpoint(current_user.team_id, webhook_endpoint_id)
    checked_post()
    endpoints.pause(endpoint, current_user)
    flash("Paused: nothing is sent to it until it is resumed.", "success")
    return redirect(url_for("admin.webhook", webhook_endpoint_id=endpoint.id), code=303)


@bp.post("/webhooks/<int:webhook_endpoint_id>/resume")
@admin_required
def resume_webhook(webhook_endpoint_id: int):
    """Send to the endpoint again, beginning with what waited."""
    endpoint = endpoints.team_endpoint(current_user.team_id, webhook_endpoint_id)
    checked_post()
    endpoints.resume(endpoint, current_user)
    flash("Resumed: what waited is on its way.", "success")
    return redirect(url_for("admin.webhook", webhook_endpoint_id=endpoint.id), code=303)


@bp.post("/webhooks/<int:webhook_endpoint_id>/rotate")
@admin_required
def rotate_webhook_secret(webhook_endpoint_id: int):
    """A new secret, at once; the next page shows it, once."""
    endpoint = endpoints.team_endpoint(current_user.team_id, webhook_endpoint_id)
    checked_post()
    secret = endpoints.rotate(endpoint, current_user)
    session[NEW_SECRET] = {"endpoint_id": endpoint.id, "secret": secret}
    flash("A new secret signs every delivery from now on.", "success")
    return redirect(url_for("admin.webhook", webhook_endpoint_id=endpoint.id), code=303)


@bp.post("/webhooks/<int:webhook_endpoint_id>/delete")
@admin_required
def delete_webhook(webhook_endpoint_id: int):
    """Delete the endpoint and its deliveries."""
    endpoint = endpoints.team_endpoint(current_user.team_id, webhook_endpoint_id)
    checked_post()
    url = endpoint.url
    endpoints.delete(endpoint, current_user)
    flash(f"The endpoint {url} is deleted.", "success")
    return redirect(url_for("admin.webhooks"), code=303)


@bp.post("/webhooks/deliveries/<int:webhook_delivery_id>/resend")
@admin_required
def resend_webhook(webhook_delivery_id: int):
    """Send a delivery again, with the same event id (a receiver can tell it had it)."""
    delivery = endpoints.team_delivery(current_user.team_id, webhook_delivery_id)
    checked_post()
    endpoints.resend(delivery)
    when = "" if delivery.endpoint.active else ": it goes once the endpoint is resumed"
    flash(f"{delivery.event_type} {delivery.event_id} is queued again{when}.", "success")
    return redirect(url_for("admin.webhook", webhook_endpoint_id=delivery.endpoint_id), code=303)
