"""The vetting queue, a lead's page, its decisions and CSV imports in Spanish (issue 13, items 1
and 3): a reviewer whose browser asks for Spanish reads them in Spanish, refusals included, and an
import's messages are written in the language of the person who started it, even when its job
runs elsewhere (a worker, a thread) in another language."""
from __future__ import annotations

from marketplace.domain import i18n
from marketplace.extensions import db
from marketplace.models import ImportBatch
from marketplace.services import imports
from tests.conftest import fetch_token, login, make_lead, make_user, post_form
from tests.web.test_import_pages import a_file, upload


def spanish(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    return client


def test_the_queue_reads_in_spanish(client, clean_app):
    with clean_app.app_context():
        make_user("vetter", "ana@city.example.gov")
        make_lead()
    login(spanish(client), "ana@city.example.gov")
    page = client.get("/staff/leads").get_data(as_text=True)
    for text in ("Cola de verificación", "Importar CSV", "Esperan una decisión", "Mejor puntuación primero",
                 "Tomadas por mí", "Precio por unidad", "1 oferta coincide.", "Mostrar"):
        assert text in page, text
    for text in ("Vetting queue", "Awaiting a decision", "Best score first", "Claimed by me", "lead(s) match"):
        assert text not in page, text
    assert "Ninguna oferta coincide." in client.get("/staff/leads?q=nobody-by-that-name").get_data(as_text=True)


def test_the_queues_filters_list_statuses_products_and_supplier_types_in_spanish(client, clean_app):
    """The status, product and supplier-type lists of the queue's filter (found by the Spanish
    browser test's crawl of every page, tests/e2e/test_accessibility.py)."""
    with clean_app.app_context():
        make_user("vetter", "ana@city.example.gov")
    login(spanish(client), "ana@city.example.gov")
    page = client.get("/staff/leads").get_data(as_text=True)
    for text in ('value="submitted" >Enviada<', 'value="withdrawn" >Retirada por el proveedor<',
                 'value="n95_respirator" >Respirador N95<', 'value="distributor" >Distribuidor<'):
        assert text in page, text
    for text in (">Submitted<", ">Withdrawn by the supplier<", ">N95 respirator<", ">Distributor<"):
        assert text not in page, text


def test_a_lead_page_and_its_refused_decision_read_in_spanish(client, clean_app):
    with clean_app.app_context():
        make_user("vetter", "ana@city.example.gov")
        lead_id = make_lead().id
    login(spanish(client), "ana@city.example.gov")
    page = client.get(f"/staff/leads/{lead_id}").get_data(as_text=True)
    for text in ("Decisión", "¿Mismo proveedor?", "Tomarla: yo me encargo", ">Aprobar</button>", ">Rechazar</button>",
                 "Preguntar al proveedor", "Motivo, pregunta o nota", "Mismo proveedor que la oferta #"):
        assert text in page, text
    for text in ("Same supplier?", "Claim: I am on it", ">Approve</button>", "Reason, question or note"):
        assert text not in page, text
    # The keyboard shortcut's hint, put in the empty text box by app.js, is in Spanish too.
    assert 'data-needs-text="Indique un motivo."' in page
    assert 'data-needs-text="reason"' not in page
    # Rejecting without a reason: the page again, the message by the text box, in Spanish.
    refused = client.post(f"/staff/leads/{lead_id}/decision", data={
        "csrf_token": fetch_token(client, f"/staff/leads/{lead_id}"), "action": "reject", "text": ""})
    html = refused.get_data(as_text=True)
    assert '<p id="text-error" class="error">Indique un motivo.</p>' in html
    assert "Please give a reason." not in html
    # A decision that goes through is confirmed in Spanish.
    done = client.post(f"/staff/leads/{lead_id}/decision", data={
        "csrf_token": fetch_token(client, f"/staff/leads/{lead_id}"), "action": "start_review", "text": ""},
        follow_redirects=True).get_data(as_text=True)
    assert f"Empezó la revisión de la oferta #{lead_id}." in done
    # A merge without a lead number is refused in Spanish.
    merged = post_form(client, f"/staff/leads/{lead_id}/merge", {"other_lead_id": ""},
                       form_page=f"/staff/leads/{lead_id}", follow_redirects=True).get_data(as_text=True)
    assert "Indique el número de la oferta con la que unirla." in merged


def test_the_import_page_and_its_refusals_read_in_spanish(client, unlimited):
    with unlimited.app_context():
        make_user("vetter", "ana@city.example.gov")
    login(spanish(client), "ana@city.example.gov")
    page = client.get("/staff/import").get_data(as_text=True)
    for text in ("Importar ofertas desde CSV", "Descargue una plantilla CSV", "UTF-8 (lo habitual; se detecta)",
                 "Excel en Windows: turco", "Archivo CSV", "Codificación"):
        assert text in page, text
    assert "Import leads from CSV" not in page and "the usual; detected" not in page
    # The column names stay the file's own.
    assert "external_id" in page and "unit_price" in page
    refused = post_form(client, "/staff/import", {}, content_type="multipart/form-data").get_data(as_text=True)
    assert "Elija un archivo CSV para importar." in refused and "Choose a CSV file" not in refused


def test_an_import_is_reported_in_the_language_of_who_started_it(client, unlimited, monkeypatch):
    monkeypatch.setitem(unlimited.config, "IMPORT_MAX_ROWS", 5)
    with unlimited.app_context():
        make_user("vetter", "ana@city.example.gov")
    login(spanish(client), "ana@city.example.gov")
    location = upload(client, a_file(6)).location
    html = client.get(location).get_data(as_text=True)
    assert "Archivo rechazado: el archivo tiene 6 filas; se importan como máximo 5 filas a la vez" in html
    assert "No se guardó nada de este archivo." in html
    with unlimited.app_context():
        batch = db.session.scalar(db.select(ImportBatch))
        assert batch.locale == "es"
    # The refusal is stored as written: an English reader of the same import reads it as the
    # starter wrote it, the page around it in English.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = client.get(location).get_data(as_text=True)
    assert "File refused: el archivo tiene 6 filas" in english


def test_the_job_writes_in_the_batch_language_wherever_it_runs(app_ctx, monkeypatch):
    """A worker runs the job in English (no request): the messages still follow the batch's
    language, and the worker's own language is untouched between and after the steps."""
    monkeypatch.setitem(app_ctx.config, "IMPORT_MAX_ROWS", 5)
    vetter = make_user("vetter", "ana@city.example.gov")
    with i18n.use_locale("es"):
        spanish_batch, _new = imports.start(a_file(6), "leads.csv", uploader=vetter, lead_status="submitted",
                                            enqueue=False)
    english_batch, _new = imports.start(a_file(6) + b"\n", "leads.csv", uploader=vetter, lead_status="submitted",
                                        enqueue=False)
    db.session.commit()
    assert (spanish_batch.locale, english_batch.locale) == ("es", "en")
    for batch_id in (spanish_batch.id, english_batch.id):
        for _step in imports.steps(batch_id):
            assert i18n.current_locale() == "en"  # between steps, the caller's language
            db.session.commit()
    assert i18n.current_locale() == "en"
    assert imports.get(spanish_batch.id).error.startswith("el archivo tiene 6 filas")
    assert imports.get(english_batch.id).error.startswith("the file has 6 rows")


def test_a_refused_upload_of_a_non_utf8_file_in_spanish(client, unlimited):
    with unlimited.app_context():
        make_user("vetter", "ana@city.example.gov")
    login(spanish(client), "ana@city.example.gov")
    location = upload(client, "company_name\nGdańsk Médica\n".encode("cp1250")).location
    html = client.get(location).get_data(as_text=True)
    assert "el archivo no es texto UTF-8 (línea 2)" in html and "the file is not UTF-8" not in html


def test_a_spanish_importer_reads_the_files_numbers_with_a_decimal_point(client, unlimited):
    """A CSV file's format is fixed (decimal point, commas between thousands), whoever imports it:
    a Spanish reviewer's file with 0.79 and 1,500 stores 0.79 and 1500, never 79 or 1.5, and the
    rows it refuses are explained in Spanish."""
    from decimal import Decimal

    from marketplace.domain.demo_data import generate_leads
    from marketplace.models import Lead
    from tests.services.test_import_export import csv_text

    rows = generate_leads(2, seed=11, external_prefix="ES")
    rows[0].update(unit_price="0.79", quantity="1,500", min_order_qty="")
    text = csv_text(rows) + "too,few,cells\n"
    with unlimited.app_context():
        make_user("vetter", "ana@city.example.gov")
    login(spanish(client), "ana@city.example.gov")
    html = client.get(upload(client, text.encode()).location).get_data(as_text=True)
    assert "se esperaban" in html and "columnas y hay 3" in html
    with unlimited.app_context():
        lead = db.session.scalar(db.select(Lead).where(Lead.external_id == rows[0]["external_id"]))
        assert (lead.unit_price, lead.quantity) == (Decimal("0.79"), 1500)


def test_a_lead_that_failed_processing_says_so_in_both_languages(client, clean_app):
    """The plural "after N attempts" counts by the attempts (not by the state's text)."""
    with clean_app.app_context():
        lead = make_lead()
        lead.processing_state, lead.processing_attempts = "failed", 4
        lead.processing_error = "JobTimeoutException: Timeout"
        db.session.commit()
        lead_id = lead.id
        make_user("vetter", "v@city.example.gov")
    login(client, "v@city.example.gov")
    assert "Processing: failed after 4 attempts" in client.get(f"/staff/leads/{lead_id}").get_data(as_text=True)
    spanish(client)
    assert "4 intentos" in client.get(f"/staff/leads/{lead_id}").get_data(as_text=True)
