from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from ...extensions import db, limiter
from ...services import notifications
from ..buyers.forms import ConfirmForm

bp = Blueprint("main", __name__)

HOME_BY_ROLE = {
    "supplier": "suppliers.my_leads",
    "buyer": "buyers.home",
    "vetter": "vetting.leads_list",
    "admin": "admin.users",
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


@bp.get("/notifications")
@login_required
def notifications_page():
    """The signed-in user's newest notifications."""
    return render_template("notifications/list.html", items=notifications.recent(current_user), form=ConfirmForm())


@bp.post("/notifications/read")
@login_required
def notifications_read():
    """Mark all the user's notifications read."""
    if ConfirmForm().validate_on_submit():
        notifications.mark_all_read(current_user)
        db.session.commit()
    return redirect(url_for("main.notifications_page"))
