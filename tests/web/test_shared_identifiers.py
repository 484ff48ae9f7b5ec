"""A licence or registry number given by two organisations (a fresh user's find: "Eastside Free
Clinic" registered with the NPI of the verified "St. Vincent Community Hospital" and nothing was
flagged). The admin's organisation list names the other holder and whether it is verified;
verifying needs the admin's confirmation (audited); the registrant is told nothing about who
holds the number (domain.facility.identifier_key is the one comparison)."""
import html
import re

from marketplace.extensions import db
from marketplace.models import AuditLog, Organisation
from marketplace.services import accounts
from tests.conftest import DEFAULT_PASSWORD, FACILITY_FORM, login, make_user, post_form

HOSPITAL = "St. Vincent Community Hospital"


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def _organisation(name, number, kind="npi", *, verified=False, email=None):
    user = accounts.create_account(accounts.NewAccount(
        email=email or f"{name.split()[0].lower()}@{kind}.example", password=DEFAULT_PASSWORD, role="buyer",
        name="Buyer", organisation_name=name, organisation_kind="hospital",
        facility={**FACILITY_FORM, "licence_kind": kind, "licence_number": number}), email_verified=True)
    if verified:
        accounts.verify_organisation(user.organisation, actor_id=user.id)
    db.session.commit()
    return user.organisation_id


def _register(client, name, number, email):
    return post_form(client, "/register/buyer", {
        "name": "Registrant", "email": email, "organisation_name": name, "organisation_kind": "clinic",
        "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD, **FACILITY_FORM, "licence_number": number})


def _admin(clean_app):
    with clean_app.app_context():
        make_user("admin", "admin@city.example")
    admin = clean_app.test_client()
    login(admin, "admin@city.example")
    return admin


def _confirm_email(clean_app, email):
    from marketplace.models import User
    from marketplace.models.base import utcnow
    with clean_app.app_context():
        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one()
        user.email_verified_at = utcnow()
        db.session.commit()
        return user.organisation_id


def test_a_clinic_with_the_verified_hospitals_npi_is_flagged_and_verified_only_when_confirmed(client, clean_app):
    with clean_app.app_context():
        hospital_id = _organisation(HOSPITAL, "1234567893", verified=True)
    registered = _text(_register(client, "Eastside Free Clinic", "1234567893", "desk@eastside.example"))
    assert "Check your e-mail" in registered and HOSPITAL not in registered  # the registrant learns nothing
    clinic_id = _confirm_email(clean_app, "desk@eastside.example")
    admin = _admin(clean_app)
    listed = _text(admin.get("/admin/organisations"))
    assert "Shared licence number Also given by: St. Vincent Community Hospital (verified)" in listed
    assert "Also given by: Eastside Free Clinic (not verified)" in listed  # the hospital's row names the clinic too
    # Verify without ticking the confirmation: refused, saying why, nothing written.
    refused = _text(post_form(admin, f"/admin/organisations/{clinic_id}/verification", {"verified": "1"},
                              form_page="/admin/organisations", follow_redirects=True))
    assert "Eastside Free Clinic is not verified." in refused and "St. Vincent Community Hospital (verified)" in refused
    with clean_app.app_context():
        assert not db.session.get(Organisation, clinic_id).verified
    # Confirmed: verified, and the audit names the other holder.
    post_form(admin, f"/admin/organisations/{clinic_id}/verification", {"verified": "1", "shared_confirmed": "1"},
              form_page="/admin/organisations")
    with clean_app.app_context():
        assert db.session.get(Organisation, clinic_id).verified
        audit = db.session.execute(db.select(AuditLog).where(AuditLog.action == "organisation.verify",
                                                             AuditLog.entity_id == clinic_id)).scalar_one()
        assert audit.after["shared_identifier_with"] == [{"id": hospital_id, "name": HOSPITAL, "verified": True}]


def test_the_same_npi_typed_with_spaces_and_dashes_or_as_a_state_licence_is_flagged(client, clean_app):
    with clean_app.app_context():
        _organisation(HOSPITAL, "1234567893", verified=True)
        _organisation("Hillcrest Care Home", "CA-LIC 000123", kind="state_licence")
        _organisation("Hill Crest Nursing", "ca lic 000123", kind="state_licence")
        _organisation("Harbor Fire Department", "1245319599")
    _register(client, "Westside Urgent Care", "123-456 7893", "desk@westside.example")
    _register(clean_app.test_client(), "Northgate Walk-in", "1234567893", "desk@northgate.example")
    with clean_app.app_context():  # the NPI typed as a "state licence" by the second registrant
        organisation = db.session.execute(db.select(Organisation).where(
            Organisation.name == "Northgate Walk-in")).scalar_one()
        organisation.licence_kind, organisation.licence_number = "state_licence", "NPI 1234567893"
        db.session.commit()
    westside_id = _confirm_email(clean_app, "desk@westside.example")
    listed = _text(_admin(clean_app).get("/admin/organisations"))
    assert listed.count("Shared licence number") == 5  # the hospital, two clinics, two care homes; not the fire department
    assert "Also given by: St. Vincent Community Hospital (verified); Northgate Walk-in (not verified)" in listed
    assert "Also given by: Hillcrest Care Home (not verified)" in listed
    with clean_app.app_context():
        organisation = db.session.get(Organisation, westside_id)
        try:
            accounts.verify_organisation(organisation, actor_id=organisation.members[0].id)
        except accounts.Conflict as exc:
            assert "1234567893" in str(exc) and HOSPITAL in str(exc)
        else:
            raise AssertionError("verified without confirming the shared NPI")


def test_the_list_in_spanish_names_the_shared_number(client, clean_app):
    with clean_app.app_context():
        _organisation(HOSPITAL, "1234567893", verified=True)
        _organisation("Eastside Free Clinic", "1234567893")
    admin = _admin(clean_app)
    listed = _text(admin.get("/admin/organisations", headers={"Accept-Language": "es"}))
    assert "Número de licencia compartido" in listed and "St. Vincent Community Hospital (verificada)" in listed
