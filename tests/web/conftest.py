"""Fixtures shared by the web tests."""
import pytest


@pytest.fixture
def unlimited(clean_app, monkeypatch):
    """Rate limits out of the way: they are tested elsewhere (S9), here they would hide the forms."""
    for key in ("LOGIN_LIMIT", "LOGIN_ACCOUNT_ADDRESS_LIMIT", "LOGIN_ACCOUNT_LIMIT", "REGISTER_LIMIT", "SUBMIT_LIMIT"):
        monkeypatch.setitem(clean_app.config, key, "100000 per minute")
    return clean_app
