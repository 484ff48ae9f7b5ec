"""/open-data: the daily figures per product category for everyone, without signing in, as CSV and
JSON with a data dictionary (a page, and a Frictionless Data Package with the Table Schema).
Only aggregates, each passed through domain.disclosure.public_figure (domain.open_data).
Every route reads the newest snapshot a job counted (services.open_data.published): none counts."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, make_response, render_template

from ...domain.i18n import DEFAULT_LOCALE, _, use_locale
from ...domain.ocds import OPTIONAL_FIELDS
from ...domain.open_data import FIELDS, SUPPRESSION_NOTE, data_package, rows_to_csv, suppression_note, table_schema
from ...services import open_data, settings

bp = Blueprint("open_data", __name__, url_prefix="/open-data")

# Public, the same for everyone: caches and other sites' scripts may keep and read it a while.
PUBLIC_HEADERS = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}  # OPEN_DATA_MAX_AGE
# Before the first count: nothing a cache may keep (the figures arrive within minutes); try again soon.
PREPARING_HEADERS = {"Access-Control-Allow-Origin": "*"}
RETRY_AFTER_SECONDS = 60


def _base_url() -> str:
    return f"{settings.current().public_url}/open-data"


@bp.get("")
def index():
    """The page: what is published, the data dictionary, the suppression rule, the last 31 rows of
    the newest counted table and when it was counted (before the first count: that it is being
    prepared; the table is never counted in a request)."""
    published = open_data.published()
    rows = published.rows if published else []
    config = settings.current()
    response = make_response(render_template(
        "open_data/index.html", fields=FIELDS, rows=rows[-31:][::-1], total=len(rows),
        as_of=published.as_of if published else None,
        note=suppression_note(),
        license=config.open_data_license, publisher=config.open_data_publisher, ocds_fields=OPTIONAL_FIELDS))
    return _published_headers(response, published)


@bp.get("/daily.csv")
def daily_csv():
    """The newest counted daily table as CSV (header row; suppressed figures empty); Last-Modified:
    when it was counted. 503 with Retry-After before the first count."""
    published = open_data.published()
    if published is None:
        return _preparing()
    response = Response(rows_to_csv(published.rows), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=ppe-daily.csv"})
    return _published_headers(response, published)


@bp.get("/daily.json")
def daily_json():
    """The newest counted daily table as JSON: {"as_of": ISO timestamp of the count, "rows": [...],
    "schema": <Table Schema>, ...}, suppressed figures null. 503 with Retry-After before the first count."""
    published = open_data.published()
    if published is None:
        return _preparing()
    response = jsonify({"dictionary": f"{_base_url()}/datapackage.json", "suppression": SUPPRESSION_NOTE,
                        "as_of": published.as_of.isoformat(), "schema": table_schema(), "rows": published.rows})
    return _published_headers(response, published)


def _published_headers(response: Response, published: open_data.Published | None) -> Response:
    """PUBLIC_HEADERS and Last-Modified (the count's time) on a response of the counted table;
    before the first count, PREPARING_HEADERS."""
    response.headers.update(PUBLIC_HEADERS if published else PREPARING_HEADERS)
    if published:
        response.last_modified = published.as_of
    return response


def _preparing() -> Response:
    """503 Service Unavailable with Retry-After: the table has not been counted yet (the job is on it)."""
    return Response(_("The figures are being prepared. Please try again in a few minutes."), status=503,
                    mimetype="text/plain", headers={**PREPARING_HEADERS, "Retry-After": str(RETRY_AFTER_SECONDS)})


@bp.get("/datapackage.json")
def datapackage():
    """The machine-readable data dictionary: a Frictionless Data Package (tabular-data-package)."""
    config = settings.current()
    license_id, license_url = config.open_data_license
    with use_locale(DEFAULT_LOCALE):  # a published file, in English as its dictionary is
        publisher = config.open_data_publisher
    response = jsonify(data_package(base_url=_base_url(), license_id=license_id, license_url=license_url,
                                    publisher=publisher))
    response.headers.update(PUBLIC_HEADERS)
    return response
