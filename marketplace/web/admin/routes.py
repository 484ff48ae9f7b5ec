from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...domain import messages
from ...domain.catalog import ROLES
from ...domain.errors import Conflict
from ...domain.i18n import _
from ...extensions import db
from ...models import Organisation, User
from ...services import accounts, notifications
from ...services import organisations as organisation_service
from ..access import role_required
from ..forms import attach_errors, page_number
from ..joins import JoinDecisionForm, decide_join_at, joins_page
from .forms import ActionForm, NewStaffForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@role_required("admin")
def users():
    """List accounts, newest first, optionally of one role."""
    role = request.args.get("role") or None
    query = db.select(User).order_by(User.created_at.desc(), User.id.desc())
    if role in dict(ROLES):
        query = query.where(User.role == role)
    pagination = db.paginate(query, page=request.args.get("page", 1, type=page_number),
                             per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    return render_template("admin/users.html", pagination=pagination, roles=ROLES, role=role,
                           action_form=ActionForm())


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def new_vetter():
    """Create a vetter account."""
    form = NewStaffForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_account(accounts.NewAccount(
                email=form.email.data, password=form.password.data, role="vetter", name=form.name.data),
                actor_id=current_user.id)
        except accounts.AccountError as exc:  # raised before anything is written
            attach_errors(form, {exc.field or "": str(exc)})
        else:
            db.session.commit()
            flash(_("Vetter {email} created.").format(email=user.email), "success")
            return redirect(url_for("admin.users", role="vetter"))
    return render_template("admin/new_vetter.html", form=form)


@bp.post("/users/<int:user_id>/active")
@role_required("admin")
def set_active(user_id: int):
    """Activate or deactivate an account."""
    user = db.session.get(User, user_id) or abort(404)
    if ActionForm().validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            withdrawn, follow_up = accounts.set_active(user, active, actor_id=current_user.id)
        except accounts.AccountError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash((_("{email} is active.") if active else _("{email} is deactivated.")).format(email=user.email),
                  "success")
            if withdrawn:
                flash(_("{count} of their proposals not yet accepted were withdrawn; buyers, suppliers and staff "
                        "were told.").format(count=withdrawn), "info")
            if follow_up:
                flash(_("Matches already accepted or ordered were not cancelled: follow up on {matches} with both "
                        "parties.").format(matches=", ".join(f"#{i}" for i in follow_up)), "info")
    return redirect(url_for("admin.users"))


@bp.get("/organisations")
@role_required("admin")
def organisations():
    """List buyer organisations, those awaiting verification first."""
    pending_first = db.select(Organisation).where(Organisation.kind != "supplier").order_by(
        Organisation.verified_at.is_not(None), Organisation.created_at.desc())
    pagination = db.paginate(pending_first, page=request.args.get("page", 1, type=page_number),
                             per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    return render_template("admin/organisations.html", pagination=pagination, action_form=ActionForm(),
                           blockers={o.id: accounts.verification_blocker(o) for o in pagination.items
                                     if not o.verified},
                           twins=organisation_service.identifier_twins([o.id for o in pagination.items]),
                           **joins_page(), decision_form=JoinDecisionForm())


@bp.post("/joins/<int:join_id>")
@role_required("admin")
def decide_join(join_id: int):
    """Approve or refuse a request to join an organisation."""
    return decide_join_at(join_id, url_for("admin.organisations"))


@bp.post("/organisations/<int:organisation_id>/verification")
@role_required("admin")
def set_verification(organisation_id: int):
    """Verify an organisation or withdraw its verification."""
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    if ActionForm().validate_on_submit():
        if request.form.get("verified") == "1":
            blocker = accounts.verification_blocker(organisation)
            if blocker:
                flash(_("{name} is not verified. {reason}").format(name=organisation.name, reason=blocker), "error")
                return redirect(url_for("admin.organisations"))
            try:
                accounts.verify_organisation(organisation, actor_id=current_user.id,
                                             shared_confirmed=request.form.get("shared_confirmed") == "1")
            except Conflict as exc:  # another organisation gives the same NPI: not confirmed
                flash(_("{name} is not verified. {reason}").format(name=organisation.name, reason=exc), "error")
                return redirect(url_for("admin.organisations"))
            db.session.commit()
            flash(_("{name} is verified: its buyers may now see supplier contacts.").format(name=organisation.name),
                  "success")
        else:
            accounts.revoke_organisation(organisation, actor_id=current_user.id)
            db.session.commit()
            flash(_("{name} is no longer verified; its buyers, and the suppliers of its matches in progress, were "
                    "told.").format(name=organisation.name), "info")
    return redirect(url_for("admin.organisations"))


@bp.get("/outbox")
@role_required("admin")
def outbox():
    """Every e-mail the marketplace sent or will send: with no MAIL_SERVER configured this is where
    they are read (they are also written to the log)."""
    status = request.args.get("status")
    status = status if status in ("pending", "sent", "failed") else None
    return render_template("admin/outbox.html", emails=notifications.outbox_page(status), status=status,
                           counts=notifications.outbox_counts(), smtp=bool(current_app.config.get("MAIL_SERVER")),
                           secret_links=messages.SECRET_LINKS)
