"""/open-data: the daily figures per product category for everyone, without signing in, as CSV and
JSON with a data dictionary (a page, and a Frictionless Data Package with the Table Schema).
Only aggregates, each suppressed under domain.disclosure.MIN_ORGANISATIONS (domain.open_data)."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from ...domain.disclosure import MIN_ORGANISATIONS
from ...domain.ocds import OPTIONAL_FIELDS
from ...domain.open_data import FIELDS, SUPPRESSION_NOTE, data_package, rows_to_csv, suppression_note, table_schema
from ...services import open_data, settings

bp = Blueprint("open_data", __name__, url_prefix="/open-data")

# Public, the same for everyone: caches and other sites' scripts may keep and read it a while.
PUBLIC_HEADERS = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}  # OPEN_DATA_CACHE_SECONDS


def _base_url() -> str:
    return f"{settings.current().public_url}/open-data"


@bp.get("")
def index():
    """The page: what is published, the data dictionary, the suppression rule, the last 31 rows, in
    the reader's language (the files themselves are in English: services.open_data.daily)."""
    rows = open_data.daily_published()
    config = settings.current()
    return render_template("open_data/index.html", fields=FIELDS, rows=rows[-31:][::-1], total=len(rows),
                           min_organisations=MIN_ORGANISATIONS, note=suppression_note(),
                           license=config.open_data_license, publisher=config.open_data_publisher,
                           ocds_fields=OPTIONAL_FIELDS), 200, PUBLIC_HEADERS


@bp.get("/daily.csv")
def daily_csv():
    """The daily table as CSV (header row; suppressed figures empty)."""
    return Response(rows_to_csv(open_data.daily_published()), mimetype="text/csv",
                    headers={**PUBLIC_HEADERS, "Content-Disposition": "attachment; filename=ppe-daily.csv"})


@bp.get("/daily.json")
def daily_json():
    """The daily table as JSON: {"rows": [...], "schema": <Table Schema>}, suppressed figures null."""
    response = jsonify({"dictionary": f"{_base_url()}/datapackage.json", "suppression": SUPPRESSION_NOTE,
                        "schema": table_schema(), "rows": open_data.daily_published()})
    response.headers.update(PUBLIC_HEADERS)
    return response


@bp.get("/datapackage.json")
def datapackage():
    """The machine-readable data dictionary: a Frictionless Data Package (tabular-data-package)."""
    config = settings.current()
    license_id, license_url = config.open_data_license
    response = jsonify(data_package(base_url=_base_url(), license_id=license_id, license_url=license_url,
                                    publisher=config.open_data_publisher))
    response.headers.update(PUBLIC_HEADERS)
    return response
