"""Who may use the desk: managers and admins of the team, nobody else."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def manager_required(view):
    """Managers and admins only; agents get 404 so the desk's URLs reveal nothing."""

    @wraps(view)
    @login_required
    def guarded(*args, **kwargs):
        if not current_user.is_manager:
            abort(404)
        return view(*args, **kwargs)

    return guarded
