"""Role checks for views. Ownership checks live beside the records (services.*.lead_for ...)."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..domain.catalog import STAFF_ROLES


def role_required(*roles: str):
    """Signed in, and with one of ``roles``; anyone else gets 403 (anonymous: the login page)."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


# City staff: vetters and admins (domain.catalog.STAFF_ROLES), the one place that says who they are.
staff_required = role_required(*STAFF_ROLES)
