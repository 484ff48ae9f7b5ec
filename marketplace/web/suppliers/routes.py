from dataclasses import replace

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ...domain.errors import Conflict
from ...domain.i18n import _, format_day, ngettext
from ...domain.lead_status import ACTIONS, APPROVED, HELD, INFO_REQUESTED, WITHDRAWABLE, TextRefused, TransitionError
from ...domain.leads import lead_to_row
from ...domain.permissions import may_edit_lead
from ...extensions import db, limiter
from ...models import LeadDocument
from ...services import audit, documents, leads, matches, quotes, vetting
from .. import once
from ..access import role_required
from ..buyers.forms import ConfirmForm
from ..forms import page_number
from .forms import AnswerForm, DocumentForm, LeadForm, QuoteForm, accepted_lead_post

bp = Blueprint("suppliers", __name__)


def _per_user() -> str:
    """Signed-in submissions count per account (many suppliers may share one office address)."""
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or ""


@bp.get("/leads")
@role_required("supplier")
def my_leads():
    """The supplier's own offers, newest first."""
    page = request.args.get("page", 1, type=page_number)
    pagination = leads.supplier_leads(current_user, page, current_app.config["ITEMS_PER_PAGE"])
    return render_template("suppliers/my_leads.html", pagination=pagination)


@bp.route("/leads/new", methods=["GET", "POST"])
@role_required("supplier")
@limiter.limit(lambda: current_app.config["SUBMIT_LIMIT"], methods=["POST"], key_func=_per_user)
def new_lead():
    """Submit a new offer (lead) for vetting."""
    if request.method == "POST" and (accepted := accepted_lead_post(request.form, leads.today())) is not None:
        return _store_new_lead(*accepted)  # the form's checks passed: no form to build
    form = LeadForm()
    if request.method == "GET":
        form.email.data = current_user.email
        if current_user.organisation:
            form.company_name.data = current_user.organisation.name
        form.contact_name.data = current_user.name
    if form.validate_on_submit():
        return _store_new_lead(form.submission_token.data, form.clean)
    return render_template("suppliers/lead_form.html", form=form, lead=None)


def _store_new_lead(token: str, clean) -> Response:
    """Save a checked new lead once per submission ``token`` and send its owner to it.

    A retry of a stored submission is not looked up first: the receipt's unique key refuses it
    at the commit, which is then rolled back whole and answered with the first result
    (once.commit_once): one query less for every first POST, a few more for a retry."""
    lead = leads.create_lead(clean, owner=current_user, actor_id=current_user.id, source="form")
    lead_id, held = lead.id, lead.status == HELD  # read before the commit: nothing after it may fail
    if held:
        message, category = (_("Your offer #{id} is saved. Confirm your e-mail address to send it for "
                               "review: open the link we e-mailed you.").format(id=lead_id), "info")
    else:
        message = _("Thank you. Your offer #{id} is submitted; city staff will review it.").format(id=lead_id)
        category = "success"
    return once.commit_once(token, "lead", lead_id, url_for("suppliers.lead_detail", lead_id=lead_id),
                            message, category)


@bp.route("/leads/<int:lead_id>/edit", methods=["GET", "POST"])
@role_required("supplier")
def edit_lead(lead_id: int):
    """Edit one of the supplier's own offers while it may still be changed; once it may not, back
    to the offer's page, saying why and what to do instead."""
    try:
        lead = leads.lead_for(current_user, lead_id, edit=True)
    except Conflict as exc:
        flash(exc.message, "info")
        return redirect(url_for("suppliers.lead_detail", lead_id=lead_id))
    form = LeadForm(data=lead_to_row(leads.lead_values(lead)) if request.method == "GET" else None)
    if form.validate_on_submit():
        form.clean = replace(form.clean, external_id=lead.external_id)  # suppliers do not set the city's ids
        changed = leads.update_lead(lead, form.clean, actor_id=current_user.id)
        db.session.commit()
        flash(_("Your changes are saved.") if changed else _("Nothing was changed."), "success" if changed else "info")
        return redirect(url_for("suppliers.lead_detail", lead_id=lead.id))
    return render_template("suppliers/lead_form.html", form=form, lead=lead)


@bp.get("/leads/<int:lead_id>")
@role_required("supplier", "vetter", "admin")
def lead_detail(lead_id: int):
    """One offer: its data, documents, messages and history (in words for the reader, domain.history)."""
    return _lead_detail(leads.lead_for(current_user, lead_id))


def _lead_detail(lead, answer_form: AnswerForm | None = None, document_form: DocumentForm | None = None):
    """The offer page; ``answer_form`` as given when an answer was refused (its message by the box,
    where the cursor then goes), ``document_form`` when an upload was (its message by the file
    field, the error summary taking the focus)."""
    is_owner = current_user.role == "supplier"
    if answer_form is None and is_owner and lead.status == INFO_REQUESTED:
        answer_form = AnswerForm()
    return render_template(
        "suppliers/lead_detail.html", lead=lead, document_form=document_form or DocumentForm(),
        may_edit=may_edit_lead(current_user.role, current_user.id, lead.owner_id, lead.status),
        messages=vetting.messages(lead),
        answer_form=answer_form,
        matches=matches.matches_list(lead_id=lead.id),
        history=audit.history_for("lead", lead.id, current_user))


@bp.route("/leads/<int:lead_id>/confirm", methods=["GET", "POST"])
@role_required("supplier", "vetter", "admin")
def confirm_quote(lead_id: int):
    """Confirm an offer's price and stock (optionally new figures, checked as the lead form does,
    web.suppliers.forms.QuoteForm): the quote holds 14 days more and the offer is matched again; a
    higher price or more units on an approved offer sends it back to review (services.quotes).
    Its owner, or staff for them."""
    lead = quotes.lead_to_confirm(current_user, lead_id)
    row = lead_to_row({**leads.lead_values(lead), "quantity": quotes.available_now(lead)})
    form = QuoteForm(data={"quantity": row["quantity"], "unit_price": row["unit_price"]}
                     if request.method == "GET" else None)
    if request.method == "POST" and form.check(row, leads.today()):
        try:
            done = quotes.confirm_quote(lead, current_user, form.clean)
        except Conflict as exc:
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            until = format_day(done.valid_until)
            if done.reviewed_again:
                flash(ngettext("Thank you: offer #{id} is confirmed until {day}. Its price or quantity went up, so "
                               "the city reviews it again before it is proposed to buyers; {count} proposal not "
                               "accepted yet was withdrawn.",
                               "Thank you: offer #{id} is confirmed until {day}. Its price or quantity went up, so "
                               "the city reviews it again before it is proposed to buyers; {count} proposals not "
                               "accepted yet were withdrawn.", done.withdrawn).format(
                    id=lead_id, day=until, count=done.withdrawn) if done.withdrawn else
                      _("Thank you: offer #{id} is confirmed until {day}. Its price or quantity went up, so the "
                        "city reviews it again before it is proposed to buyers.").format(id=lead_id, day=until),
                      "success")
            else:
                flash(_("Thank you: offer #{id} is confirmed until {day}.").format(id=lead_id, day=until), "success")
            return redirect(url_for("suppliers.lead_detail", lead_id=lead_id))
    return render_template("suppliers/confirm_quote.html", lead=lead, form=form, withdraw_form=ConfirmForm(),
                           may_change=quotes.may_change_figures(lead), approved=lead.status == APPROVED,
                           open=lead.status in WITHDRAWABLE, pack_size=lead.pack_size or 1)


@bp.post("/leads/<int:lead_id>/withdraw")
@role_required("supplier", "vetter", "admin")
def withdraw_lead(lead_id: int):
    """Withdraw an offer (its owner, or staff for them): out of matching; open proposals close."""
    lead = quotes.lead_to_confirm(current_user, lead_id)
    if ConfirmForm().validate_on_submit():
        try:
            closed = quotes.withdraw_offer(lead, current_user)
        except Conflict as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(ngettext("Offer #{id} is withdrawn; {count} proposal to buyers closed.",
                           "Offer #{id} is withdrawn; {count} proposals to buyers closed.", closed).format(
                id=lead_id, count=closed) if closed else _("Offer #{id} is withdrawn.").format(id=lead_id),
                  "success")
    return redirect(url_for("suppliers.lead_detail", lead_id=lead_id))


@bp.post("/leads/<int:lead_id>/answer")
@role_required("supplier")
def answer(lead_id: int):
    """Send the supplier's answer to staff's request for information."""
    lead = leads.lead_for(current_user, lead_id)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            vetting.decide(lead, current_user, "answer", form.answer.data)
            db.session.commit()
        except TextRefused as exc:
            form.answer.errors = [str(exc)]
            return _lead_detail(lead, form)
        except TransitionError as exc:
            flash(str(exc), "error")
        else:
            flash(ACTIONS["answer"].done_message(lead.id), "success")
    elif form.answer.errors and lead.status == INFO_REQUESTED:
        # Shown again with the message by the answer box (tied to it), the cursor in it: none given,
        # or longer than text.MESSAGE_MAX_LENGTH (MaxLength's message, with its count).
        if not (form.answer.data or "").strip():
            form.answer.errors = [_("Please give an answer.")]
        return _lead_detail(lead, form)
    else:
        flash(_("The form could not be read; please try again."), "error")
    return redirect(url_for("suppliers.lead_detail", lead_id=lead.id))


@bp.post("/leads/<int:lead_id>/documents")
@role_required("supplier", "vetter", "admin")
@limiter.limit(lambda: current_app.config["SUBMIT_LIMIT"], key_func=_per_user)
def upload_document(lead_id: int):
    """Attach a PDF or photo to an offer."""
    lead = leads.lead_for(current_user, lead_id)
    form = DocumentForm()
    if form.validate_on_submit():
        upload = form.document.data
        if not upload or not upload.filename:
            form.document.errors = [_("Choose a file to upload.")]
        elif (earlier := once.already_received(form.submission_token.data)) is not None:
            return earlier  # a retry: the first POST with this token attached the document
        else:
            location = url_for("suppliers.lead_detail", lead_id=lead.id)
            try:
                document = documents.save_document(lead, upload.stream, upload.filename, actor_id=current_user.id)
            except documents.DocumentError as exc:  # nothing was kept
                form.document.errors = [str(exc)]
            else:
                return once.commit_once(form.submission_token.data, "document", document.id, location,
                                        _("The document is attached."),
                                        on_rollback=lambda: documents.discard_file(document))  # no row, no file
    elif not form.errors.keys() - {"csrf_token"}:
        flash(_("The upload could not be read; please try again."), "error")
        return redirect(url_for("suppliers.lead_detail", lead_id=lead.id))
    # Shown again with the message beside the file field (the error summary takes the focus).
    return _lead_detail(lead, document_form=form)


@bp.get("/documents/<int:document_id>")
@role_required("supplier", "vetter", "admin")
def download_document(document_id: int):
    """Download a document of an offer the user may see."""
    document = db.session.get(LeadDocument, document_id)
    if document is None:
        abort(404)
    leads.lead_for(current_user, document.lead_id)  # 404 unless the user may see the lead
    return document_file(document)


def document_file(document: LeadDocument) -> Response:
    """A stored document as a download (the page's and the API's): an attachment of its sniffed
    media type under its shown name, never cached, with nosniff and a sandboxing CSP."""
    response = send_file(documents.document_path(document), mimetype=document.media_type,
                         as_attachment=True, download_name=document.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = ("default-src 'none'; object-src 'none'; base-uri 'none'; "
                                                   "frame-ancestors 'none'; sandbox")
    return response
