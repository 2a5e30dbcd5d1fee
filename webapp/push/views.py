"""Opting in and out of notifications on a device, and removing a device."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from ..auth.sessions import current_session
from ..forms import EmptyForm
from ..models import User
from . import bp, keys, subscriptions


def me() -> User:
    return current_user._get_current_object()


def devices_context(user: User) -> dict:
    """What the account page's "Notifications on this device" section shows."""
    devices = subscriptions.devices(user)
    return {
        "push_devices": devices,
        "push_fingerprints": {row.id: subscriptions.fingerprint(row.endpoint) for row in devices},
        "push_key": keys.public_key(),
    }


@bp.post("/subscriptions")
@login_required
def subscribe():
    """This browser opts in: `static/push.js` sends its push subscription as JSON.
    Refused (422, the reason as JSON) when it is not one PartnerPlan can push to."""
    offered, problem = subscriptions.read_offered(request.get_json(silent=True))
    if offered is not None:
        problem = subscriptions.subscribe(
            me(), offered, request.user_agent.string, current_session().id
        )
    if problem:
        return {"error": problem}, 422
    flash("Notifications are on for this device.", "success")
    return {"ok": True}, 201


@bp.post("/subscriptions/remove")
@login_required
def unsubscribe():
    """This browser opts out (it has dropped its subscription): JSON, its endpoint."""
    data = request.get_json(silent=True)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if subscriptions.unsubscribe(me(), endpoint):
        flash("Notifications are off for this device.", "info")
    return {"ok": True}, 200


@bp.post("/devices/<int:device_id>/remove")
@login_required
def remove_device(device_id: int):
    """Stop notifications to one of the user's devices (a plain form, from any device)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    row = subscriptions.get_device(me(), device_id)
    name = row.device or "That device"
    subscriptions.remove(row)
    flash(f"{name} gets no more notifications.", "success")
    return redirect(url_for("account.security", _anchor="notifications"), code=303)
