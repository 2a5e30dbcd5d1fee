"""Role guards for views. Whoever lacks the role gets 404: the page does not
exist for them, so its URL reveals nothing."""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_required(allowed: Callable[[object], bool]):
    def decorator(view):
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if not allowed(current_user):
                abort(404)
            return view(*args, **kwargs)

        return guarded

    return decorator


manager_required = role_required(lambda user: user.is_manager)
manager_required.__doc__ = "Managers and admins of the team only."
admin_required = role_required(lambda user: user.is_admin)
admin_required.__doc__ = "Admins only."
