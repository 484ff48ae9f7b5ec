from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import text
from wtforms import BooleanField

from ...domain.catalog import STAFF_ROLES
from ...domain.i18n import _
from ...extensions import db, limiter
from ...services import notifications
from ..buyers.forms import ConfirmForm
from ..i18n import lazy_gettext as _l

bp = Blueprint("main", __name__)

HOME_BY_ROLE = {
    "supplier": "suppliers.my_leads",
    "buyer": "buyers.home",
    # Staff land on the control tower (issue 12); the queue and the admin pages are in the menu.
    "vetter": "dashboard.index",
    "admin": "dashboard.index",
}


def home_url_for(user) -> str:
    return url_for(HOME_BY_ROLE.get(user.role, "main.index"))


@bp.get("/")
def index():
    """The welcome page; a signed-in user goes to the home of their role."""
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    return render_template("main/index.html")


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Liveness for load balancers: the database answers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


class DigestForm(FlaskForm):
    """Staff: one e-mail a day of the day's notifications instead of one each."""

    mail_digest = BooleanField(_l("E-mail me one digest a day instead of one e-mail per notification"))


@bp.get("/notifications")
@login_required
def notifications_page():
    """The signed-in user's newest notifications (and, for staff, the daily digest choice)."""
    digest = DigestForm(mail_digest=current_user.mail_digest) if current_user.role in STAFF_ROLES else None
    return render_template("notifications/list.html", items=notifications.recent(current_user), form=ConfirmForm(),
                           digest=digest)


@bp.post("/notifications/digest")
@login_required
def notifications_digest():
    """Staff choose the daily digest (or one e-mail per notification again)."""
    if current_user.role not in STAFF_ROLES:
        abort(403)
    form = DigestForm()
    if form.validate_on_submit():
        notifications.set_digest(current_user, bool(form.mail_digest.data))
        db.session.commit()
        flash(_("You get one digest e-mail a day.") if form.mail_digest.data
              else _("You get an e-mail for each notification."), "success")
    return redirect(url_for("main.notifications_page"))


@bp.post("/notifications/read")
@login_required
def notifications_read():
    """Mark all the user's notifications read."""
    if ConfirmForm().validate_on_submit():
        notifications.mark_all_read(current_user)
        db.session.commit()
    return redirect(url_for("main.notifications_page"))
