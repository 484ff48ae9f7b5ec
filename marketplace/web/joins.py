"""Deciding a request to join an organisation, from the admin's organisations page and from the
buyer's home (its verified organisation's own people): one form, one handler."""
from __future__ import annotations

from flask import flash, redirect
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField

from ..domain.errors import Conflict
from ..domain.i18n import N_, _
from ..extensions import db
from ..services import organisations
from .forms import choices


class JoinDecisionForm(FlaskForm):
    """Approve or refuse a request to join an organisation (the button's value)."""

    decision = SelectField(choices=choices((("approve", N_("Approve")), ("refuse", N_("Refuse")))))


def joins_page() -> dict:
    """The template values of _join_requests.html for the signed-in user: the pending requests they
    may decide, and why some may not be approved yet (shown instead of Approve)."""
    joins = organisations.joins_to_decide(current_user)
    return {"joins": joins, "join_blockers": organisations.join_blockers(joins)}


def decide_join_at(join_id: int, back: str):
    """Decide a join request as the signed-in user (an admin, or a buyer of that verified
    organisation: services.organisations.join_for, NotFound for anyone else) and go to ``back``."""
    join = organisations.join_for(current_user, join_id)
    form = JoinDecisionForm()
    if form.validate_on_submit():
        approve = form.decision.data == "approve"
        try:
            organisations.decide_join(join, current_user, approve=approve)
        except Conflict as exc:  # not yet approvable, or answered meanwhile: nothing was written
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(back)
        db.session.commit()
        message = _("{email} joined {organisation}.") if approve else _("{email} was refused by {organisation}.")
        flash(message.format(email=join.user.email, organisation=join.organisation.name), "success")
    else:
        flash(_("The form could not be read; please try again."), "error")
    return redirect(back)
