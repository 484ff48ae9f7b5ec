"""The README's Python client example (issue 12, item 3), run as written against the app served
on a loopback port (only BASE and TOKEN are replaced): it offers a lead with an Idempotency-Key
and reads every lead page by page. Run twice, it stores the lead once."""
from __future__ import annotations

import contextlib
import io
import re
import threading
from pathlib import Path

from werkzeug.serving import make_server

from marketplace.extensions import db
from marketplace.models import Lead
from tests.conftest import make_api_token, make_user

README = Path(__file__).resolve().parents[2] / "README.md"


def example_code() -> str:
    text = README.read_text()
    match = re.search(r"<!-- api-client-example -->\n```python\n(.*?)```", text, re.S)
    assert match, "the README's API client example is missing"
    return match.group(1)


def test_the_readme_client_example_runs_against_the_app(clean_app):
    with clean_app.app_context():
        token = make_api_token(make_user("supplier", "client@acme.example"))
        db.session.remove()
    server = make_server("127.0.0.1", 0, clean_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        code = example_code()
        assert 'BASE = "http://127.0.0.1:5000/api/v1"' in code and 'TOKEN = "ppe_..."' in code
        code = code.replace("http://127.0.0.1:5000", f"http://127.0.0.1:{server.server_port}").replace(
            '"ppe_..."', repr(token))
        outputs = []
        for _ in range(2):
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(code, "README.md", "exec"), {"__name__": "readme_example"})  # noqa: S102
            outputs.append(printed.getvalue())
    finally:
        server.shutdown()
        thread.join(5)
    with clean_app.app_context():
        leads = list(db.session.execute(db.select(Lead)).scalars())
        assert len(leads) == 1, "the same Idempotency-Key must store the lead once"
        lead_id = leads[0].id
    assert f"offer {lead_id} " in outputs[0] and f"offer {lead_id} " in outputs[1]
    assert f"{lead_id} " in outputs[1].splitlines()[1]  # the list shows it
