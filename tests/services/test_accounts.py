import pytest
from argon2 import PasswordHasher, profiles

from marketplace.extensions import db
from marketplace.models import AuditLog
from marketplace.security import hash_password, verify_password
from marketplace.services import accounts
from tests.conftest import make_user


def test_passwords_are_argon2id(app_ctx):
    user = make_user("supplier")
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "correct horse battery staple")
    assert not verify_password(user.password_hash, "wrong horse battery staple")
    assert not verify_password(None, "anything at all")  # unknown user: same work, no match


def test_production_strength_is_rfc_9106(app_ctx):
    app_ctx.config["PASSWORD_HASH_PROFILE"] = "RFC_9106_LOW_MEMORY"
    try:
        stored = hash_password("a long passphrase for the city")
    finally:
        app_ctx.config["PASSWORD_HASH_PROFILE"] = "TESTING"
    params = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert params.verify(stored, "a long passphrase for the city")


def test_duplicate_email_and_weak_password_are_refused(app_ctx):
    make_user("supplier", "a@example.org")
    with pytest.raises(accounts.AccountError) as exc:
        make_user("supplier", "A@Example.org")
    assert exc.value.field == "email"
    with pytest.raises(accounts.AccountError) as exc:
        make_user("supplier", "b@example.org", password="password123")
    assert exc.value.field == "password"


def test_account_changes_are_audited(app_ctx):
    admin = make_user("admin")
    buyer = make_user("buyer")
    accounts.verify_organisation(buyer.organisation, actor_id=admin.id)
    accounts.set_active(buyer, False, actor_id=admin.id)
    actions = [row.action for row in db.session.execute(
        db.select(AuditLog).order_by(AuditLog.id)).scalars()]
    assert actions == ["user.create", "user.create", "organisation.create", "organisation.verify", "user.deactivate"]
    assert buyer.organisation.verified and not buyer.active
    assert accounts.authenticate(buyer.email, "correct horse battery staple") is None


def test_an_admin_cannot_deactivate_themselves(app_ctx):
    admin = make_user("admin")
    with pytest.raises(accounts.AccountError):
        accounts.set_active(admin, False, actor_id=admin.id)
