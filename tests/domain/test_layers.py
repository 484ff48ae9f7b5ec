"""The domain is pure: importing every module of it loads neither Flask nor SQLAlchemy."""
import pkgutil
import subprocess
import sys

import marketplace.domain


def test_domain_imports_neither_flask_nor_sqlalchemy():
    modules = [f"marketplace.domain.{m.name}" for m in pkgutil.iter_modules(marketplace.domain.__path__)]
    assert len(modules) > 10
    code = ("import importlib, sys\n"
            f"for name in {modules!r}: importlib.import_module(name)\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'werkzeug', 'flask_sqlalchemy'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
