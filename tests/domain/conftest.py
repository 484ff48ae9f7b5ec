"""The domain's tests need no app; those that read Spanish need the catalogues compiled, as the app
compiles them when it starts (a fresh clone has only the .po files)."""
import pytest

from marketplace.domain import i18n


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    i18n.compile_catalogues()
