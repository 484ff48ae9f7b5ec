"""Flask commands: users, leads and demand import/export, matching, registries, notify digest, seed, bootstrap,
worker, sweep, open-data."""
from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func

from .domain.catalog import ROLES, values
from .domain.demand import DEMAND_COLUMNS
from .domain.demo_data import generate_leads
from .domain.errors import ExportInvalid
from .domain.lead_status import APPROVED, SUBMITTED
from .domain.leads import parse_lead
from .domain.messages import trigger_fact
from .domain.scoring import load_reference
from .extensions import db
from .models import DemandRequest, User
from .services import accounts, demand, leads, open_data, planning

users_cli = AppGroup("users", help="Manage user accounts.")
leads_cli = AppGroup("leads", help="Import and export leads as CSV.")
demand_cli = AppGroup("demand", help="Import demand requests as CSV.")
matching_cli = AppGroup("matching", help="Compute and export the allocation plan.")
dedup_cli = AppGroup("dedup", help="The duplicate search's weights, fitted from the leads.")
notify_cli = AppGroup("notify", help="Notifications: the staff's daily digest.")
open_data_cli = AppGroup("open-data", help="Open data: the daily table's snapshot, and the OCDS release package of "
                                           "accepted and delivered matches.")
dashboard_cli = AppGroup("dashboard", help="The control tower's figures (the dashboard and /signal).")
registries_cli = AppGroup("registries", help="The regulators' registries that certification claims are checked against.")

DEMO_ACCOUNTS = (
    # (role, e-mail, password, organisation, organisation kind)
    ("admin", "admin@example.org", "demo-admin-pass-2026", None, None),
    ("vetter", "vetter@example.org", "demo-vetter-pass-2026", None, None),
    ("supplier", "supplier@example.com", "demo-supplier-pass-2026", "Harbor Industrial Distribution", "supplier"),
    ("buyer", "buyer@example.net", "demo-buyer-pass-2026", "St. Vincent Community Hospital", "hospital"),
)
# The demo hospital's delivery details (issue 11, item 8), shown to a supplier once the buyer accepts.
DEMO_FACILITY = {"street": "2131 W 3rd St", "city": "Los Angeles", "state": "CA", "postal_code": "90057",
                 "phone": "(213) 555-0171", "licence_kind": "npi", "licence_number": "1234567893",
                 "delivery_hours": "Mon-Fri 7am-3pm, loading dock B", "delivery_contact": "Receiving desk"}


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(values(ROLES)), required=True)
@click.option("--name", default=None)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given.")
def create_user(email: str, role: str, name: str | None, password: str) -> None:
    """Create a user; `--role admin` makes an administrator."""
    try:
        user = accounts.create_account(accounts.NewAccount(email=email, password=password, role=role, name=name))
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@users_cli.command("list")
def list_users() -> None:
    for user in db.session.execute(db.select(User).order_by(User.id)).scalars():
        click.echo(f"{user.id}\t{user.role}\t{'active' if user.active else 'inactive'}\t{user.email}")


ENCODING_OPTION = click.option(
    "--encoding", default=None, metavar="NAME",
    help="The file's encoding when it is not UTF-8, e.g. Windows-1252 (Excel's plain 'CSV' on Western "
         "Windows), Windows-1250, Windows-1251, GB18030, Shift-JIS, Mac-Roman.")


def _run_import(path: str, importer, encoding: str | None = None) -> None:
    """Read a CSV file (decoded like a web upload, whole or refused whole), import it with
    ``importer(stream)``, and report every rejected row and every warning on a saved row."""
    started = time.perf_counter()
    with open(path, "rb") as stream:
        data = stream.read()
    report = leads.import_file(data, importer, encoding)
    db.session.commit()  # a refused file wrote nothing; rejected rows were rolled back
    for rejected in report.rejected:
        click.echo(f"row {rejected.row}: {rejected.reason}", err=True)
    for warning in report.warnings:
        click.echo(f"row {warning.row}: warning: {warning.message}", err=True)
    if not report.ok:
        raise click.ClickException(report.summary())
    click.echo(f"{report.summary()} (read as {report.encoding}) in {time.perf_counter() - started:.1f} s")


@leads_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--status", type=click.Choice([SUBMITTED, APPROVED]), default=SUBMITTED, show_default=True,
              help="'approved' loads suppliers the city has already vetted: new leads start approved "
                   "and can be matched at once.")
@ENCODING_OPTION
@click.option("--background", is_flag=True,
              help="Queue the import for the workers and return at once (follow it at /imports/<id>); "
                   "by default it runs here, showing its progress.")
def import_command(path: str, status: str, encoding: str | None, background: bool) -> None:
    """Import leads from a CSV file (at most IMPORT_MAX_ROWS rows); rows with an external_id
    already known update that lead. The file is kept and imported as a batch, chunk by chunk: the
    same file given again is answered with its first import, and an import stopped half-way (Ctrl-C,
    a crash) goes on from its last saved chunk when the command is run again or by the sweeper."""
    from .jobs.tasks import run_import
    from .services import imports

    started = time.perf_counter()
    with open(path, "rb") as stream:
        data = stream.read()
    batch, new = imports.start(data, os.path.basename(path), uploader=None, lead_status=status, encoding=encoding,
                               enqueue=background)
    batch_id, unfinished = batch.id, batch.status not in ("done", "refused")
    # Without Redis a "background" import runs in this process right after the commit.
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        if new:
            imports.discard(batch.stored_name)
        raise
    if not new:
        click.echo(f"This file was given to import before: import {batch_id}; it is not imported twice.")
    if background and current_app.config.get("REDIS_URL"):
        click.echo(f"import {batch_id} queued for the workers; its page is /imports/{batch_id}")
        return
    if unfinished:
        last = [time.monotonic()]

        def progress(_step: str) -> None:
            if time.monotonic() - last[0] >= 5:
                last[0] = time.monotonic()
                row = imports.get(batch_id)
                click.echo(f"  read {row.rows_read:,} of {row.rows_total or 0:,} rows", err=True)

        run_import(batch_id, progress)
    _print_import(imports.get(batch_id), time.perf_counter() - started)


def _print_import(batch, seconds: float) -> None:
    """Every rejected row, then the counts (or the file's refusal)."""
    from .domain.imports import row_reason
    from .services import imports

    for row, problems in imports.rejected_rows(batch):
        click.echo(f"row {row}: {row_reason(problems)}", err=True)
    if batch.status == "refused":
        raise click.ClickException(f"File refused: {batch.error}")
    if batch.status != "done":
        raise click.ClickException(f"import {batch.id} is {batch.status} after row {batch.last_row}: {batch.error or ''}")
    click.echo(f"imported {batch.rows_created}, updated {batch.rows_updated}, unchanged {batch.rows_unchanged}, "
               f"rejected {batch.rows_rejected} (read as {batch.read_as}) in {seconds:.1f} s (import {batch.id})")


@leads_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_command(path: str) -> None:
    """Write every lead as CSV: the import columns plus id, status, cluster, risk_score, flags."""
    with open(path, "w", newline="", encoding="utf-8") as stream:
        count = leads.export_leads(stream)
    click.echo(f"exported {count} leads to {path}")


@leads_cli.command("export-clusters")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_clusters_command(path: str) -> None:
    """Write external_id, lead_id, cluster for every lead (one cluster id per supplier)."""
    with open(path, "w", newline="", encoding="utf-8") as stream:
        count = leads.export_clusters(stream)
    click.echo(f"exported {count} leads to {path}")


def seed_demo(lead_count: int = 60) -> list[tuple[str, str, str]]:
    """Create the demo accounts and leads (skipping what exists). Returns (role, e-mail, password)."""
    created = []
    for role, email, password, org_name, org_kind in DEMO_ACCOUNTS:
        user = accounts.find_user_by_email(email)
        if user is None:
            user = accounts.create_account(accounts.NewAccount(
                email=email, password=password, role=role, name=f"Demo {role}",
                organisation_name=org_name, organisation_kind=org_kind,
                facility=DEMO_FACILITY if role == "buyer" else None))
        created.append((role, email, password))
    db.session.commit()
    supplier = accounts.find_user_by_email("supplier@example.com")
    if not db.session.scalar(db.select(func.count()).select_from(leads.Lead)):
        for index, row in enumerate(generate_leads(lead_count)):
            values, errors = parse_lead(row)
            assert not errors, errors
            own = index % 6 == 0  # some leads belong to the demo supplier, the rest came by CSV
            if own:
                values = replace(values, external_id=None, company_name=supplier.organisation.name,
                                 email=supplier.email, website="https://www.example.com", phone="(562) 555-0142",
                                 street="100 Harbor Boulevard", city="Long Beach", state="CA",
                                 postal_code="90802")
            leads.create_lead(values, owner=supplier if own else None, actor_id=supplier.id if own else None,
                              source="form" if own else "csv")
        db.session.commit()  # the leads are processed after this commit; approvals below read their scores
    # The demo buyer's hospital is verified, so that a newcomer sees the full buyer experience.
    admin = accounts.find_user_by_email("admin@example.org")
    buyer = accounts.find_user_by_email("buyer@example.net")
    accounts.verify_organisation(buyer.organisation, actor_id=admin.id)
    db.session.commit()
    if not db.session.scalar(db.select(func.count()).select_from(DemandRequest)):
        _seed_matching(buyer, admin)
    return created


# Demo demand: (organisation (None: the demo buyer's hospital), category, quantity, max price, days
# until needed, ZIP, days of supply, facility, substitutes). The other organisations are created by
# the import, as a city's list of requests would create them (they have no accounts).
DEMO_REQUESTS = (
    (None, "n95_respirator", 20000, "1.50", 21, "90033", 3, "hospital", "kn95_respirator"),
    (None, "nitrile_gloves", 200000, "0.15", 14, "90033", 6, "hospital", ""),
    ("County Fire Department", "surgical_mask", 50000, "0.40", 10, "90012", 2, "first_responders", ""),
    ("Sunrise Care Home", "isolation_gown", 8000, "3.00", 30, "90802", 12, "long_term_care", ""),
    # Gloves from two more organisations, each asking for more than all the demo's glove offers
    # together, all needed in 8 to 28 days: whatever the plan proposes, three organisations still
    # need gloves, so the public needs board (/signal, which shows a category only when at least
    # three organisations need it: domain.disclosure) shows gloves short from the first start.
    ("County Fire Department", "nitrile_gloves", 120000, "0.18", 21, "90012", 5, "first_responders", ""),
    ("Sunrise Care Home", "nitrile_gloves", 90000, "0.16", 12, "90802", 8, "long_term_care", ""),
)
# Units a day each demo request's facility uses (domain.stock): its stock is days of supply x use,
# counted today. A None states days of supply only (the old way), as many files will.
DEMO_DAILY_USE = (1500, 12000, 4000, None, 6000, 3000)


def _seed_matching(buyer: User, admin: User) -> None:
    """Approve the demo leads that scored clean (75 or more), post demand, and release one plan, so that
    every role has something to see: proposals for the buyer, matches for the supplier. The approvals
    and the demand are one commit, so one plan is computed for the whole burst (in-process without
    Redis; with Redis the plan is computed here and the queued run follows)."""
    from .domain.reference import price_over_ceiling
    from .models import Lead
    from .services import vetting

    vetter = accounts.find_user_by_email("vetter@example.org")
    for lead in db.session.execute(db.select(Lead).where(Lead.risk_score >= 75).order_by(Lead.id)).scalars().all():
        # A price over the legal ceiling is approved only with a justification (services.vetting.decide).
        note = ("Demo data: approved to show a price over the ceiling." if
                price_over_ceiling(lead.product_category, lead.unit_price) is not None else None)
        vetting.decide(lead, vetter, "approve", note)
        if lead.first_approved_by_id is not None:  # four eyes (large or stop signal): the admin is the second
            vetting.decide(lead, admin, "approve", note)
    rows = []
    for index, (organisation, category, quantity, price, days, zip_code, supply, facility,
                substitutes) in enumerate(DEMO_REQUESTS):
        rows.append({"external_id": f"DEMO-{index + 1}", "category": category, "quantity": str(quantity),
                     "max_unit_price": price, "needed_by": (demand.today() + timedelta(days=days)).isoformat(),
                     "postal_code": zip_code, "days_of_supply": str(supply), "facility_type": facility,
                     "substitutes": substitutes, "organisation": organisation or buyer.organisation.name})
        if (use := DEMO_DAILY_USE[index]) is not None:
            rows[-1].update(stock_on_hand=str(supply * use), avg_daily_use=str(use), days_of_supply="")
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=(*DEMAND_COLUMNS, "stock_on_hand", "avg_daily_use"))
    writer.writeheader()
    writer.writerows(rows)
    text.seek(0)
    demand.import_demand(text, actor_id=admin.id)  # as the city would load a list of requests
    db.session.commit()  # the approvals and the demand: one commit, one matching run
    plan = planning.latest_plan()
    if plan is None or plan.status != "draft":  # with Redis the plan is a job: compute it here
        plan = planning.run_matching(trigger_fact("demo_data"))
    planning.release_plan(plan, admin)
    db.session.commit()


@click.command("seed")
@with_appcontext
@click.option("--leads", "lead_count", default=60, show_default=True, help="How many demo leads.")
def seed_command(lead_count: int) -> None:
    """Create one demo account of each role and a realistic set of leads."""
    if current_app.config["MARKETPLACE_ENV"] == "production":
        raise click.ClickException("refusing to create demo accounts with known passwords in production")
    for role, email, password in seed_demo(lead_count):
        click.echo(f"{role:9} {email:22} password: {password}")


@click.command("bootstrap")
@with_appcontext
def bootstrap_command() -> None:
    """Bring the database to the latest migration; seed demo data into an empty embedded database."""
    upgrade()
    if current_app.config.get("AUTO_SEED") and not db.session.scalar(db.select(func.count()).select_from(User)):
        click.echo("New database: creating demo accounts (sign in with any of these):")
        for role, email, password in seed_demo():
            click.echo(f"  {role:9} {email:22} password: {password}")
    if not current_app.config.get("REDIS_URL"):
        # No workers in the embedded default: leads left pending by an earlier run are processed now.
        from .jobs.worker import sweep

        found, processed = sweep(current_app._get_current_object(), timedelta(0))
        if found:
            click.echo(f"Processed {processed} of {found} lead(s) left pending.")
    sys.stdout.flush()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--name", default=None, help="Worker name (default: host and pid).")
@click.option("--fork/--no-fork", default=False, show_default=True,
              help="Run each job in a forked work horse (isolation) or in the worker itself (throughput).")
@with_appcontext
def worker_command(burst: bool, name: str | None, fork: bool) -> None:
    """Process background jobs from Redis (needs REDIS_URL) until SIGTERM, waiting out Redis
    outages. Also runs the sweeper periodically."""
    from .jobs.worker import run_worker

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in-process and no worker is needed")
    # The scheduler runs RQ's delayed retries (Retry intervals); any number of workers may run it
    # (they share a lock). A burst worker (tests, benchmarks, cron) stops when the queue is empty.
    run_worker(current_app._get_current_object(), name=name, fork=fork, burst=burst)


@click.command("sweep")
@click.option("--older-than", default=None, type=int, help="Seconds a lead may stay pending (default: SWEEP_AFTER).")
@click.option("--every", default=None, type=float, metavar="SECONDS",
              help="Sweep again every SECONDS until SIGTERM, waiting out database outages "
                   "(run it as its own supervised process); without it, sweep once.")
@with_appcontext
def sweep_command(older_than: int | None, every: float | None) -> None:
    """Re-enqueue leads left pending too long, and leads scored with older reference data."""
    from .jobs.worker import run_sweeper, sweep

    app = current_app._get_current_object()
    threshold = timedelta(seconds=older_than) if older_than is not None else None
    if every is not None:
        if every <= 0:
            raise click.BadParameter("must be more than 0", param_hint="--every")
        run_sweeper(app, every, threshold)
        return
    found, queued = sweep(app, threshold)
    click.echo(f"{found} lead(s) pending too long; {queued} queued again (the others were already queued)")


@demand_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@ENCODING_OPTION
def demand_import_command(path: str, encoding: str | None) -> None:
    """Import demand requests from CSV (external_id, organisation, category, quantity,
    max_unit_price, needed_by, postal_code, days_of_supply, facility_type, substitutes; optional
    new_organisation, specification, stock_on_hand, stock_counted_on, avg_daily_use: README)."""
    _run_import(path, lambda stream: demand.import_demand(stream, actor_id=None), encoding)


@dashboard_cli.command("refresh")
def dashboard_refresh_command() -> None:
    """Count the dashboard's and /signal's figures now (a job does it after changes, and the
    sweeper when the newest count is older than SUMMARY_MAX_AGE)."""
    from .services import dashboard

    snapshot = dashboard.refresh()
    db.session.commit()
    click.echo(f"Counted in {snapshot.seconds:.2f} s (snapshot {snapshot.id}).")


@matching_cli.command("run")
def matching_run_command() -> None:
    """Compute the allocation plan over all open requests and available supply now."""
    plan = planning.run_matching(trigger_fact("command"))
    share = plan.units / plan.demand_units if plan.demand_units else 0
    click.echo(f"plan {plan.id}: {len(plan.lines)} line(s), {plan.units:,} of {plan.demand_units:,} units "
               f"needed ({share:.1%}) from {plan.offers_count} offer(s) to {plan.needs_count} request(s), "
               f"{plan.solve_ms} ms")


@matching_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def matching_export_command(path: str) -> None:
    """Write the newest plan's lines: demand_external_id, lead_external_id, quantity, unit_price."""
    plan = planning.latest_plan()
    if plan is None:
        raise click.ClickException("there is no plan yet: run `flask --app wsgi matching run` first")
    with open(path, "w", newline="", encoding="utf-8") as stream:
        count = planning.export_plan(plan, stream)
    click.echo(f"exported {count} line(s) of plan {plan.id} ({plan.status}) to {path}")


@open_data_cli.command("refresh")
def open_data_refresh_command() -> None:
    """Count the public daily table (/open-data) now (a job does it when the newest count is older
    than OPEN_DATA_MAX_AGE; the pages only read the newest count)."""
    snapshot = open_data.refresh()
    db.session.commit()
    click.echo(f"Counted {len(snapshot.figures['rows'])} row(s) in {snapshot.seconds:.2f} s (snapshot {snapshot.id}).")


@open_data_cli.command("ocds")
@click.argument("path", required=False, type=click.Path(dir_okay=False, writable=True, allow_dash=True))
def open_data_ocds_command(path: str | None) -> None:
    """Write accepted, ordered and delivered matches as an OCDS 1.1 release package (JSON) to PATH
    (default: standard output), validated against the OCDS 1.1 schema shipped with the project; an
    invalid package is refused and nothing is written. Settings: OCDS_PREFIX (required),
    OCDS_PUBLISH (optional fields), OPEN_DATA_PUBLISHER, OPEN_DATA_LICENSE_URL."""
    try:
        package = open_data.ocds_package()
        if path in (None, "-"):
            open_data.check(package)
            click.echo(json.dumps(package, ensure_ascii=False, indent=2))
            return
        open_data.write_ocds(Path(path), package)
    except ExportInvalid as error:
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        raise click.ClickException(error.message or str(error)) from None
    awards = sum(len(r["awards"]) for r in package["releases"])
    click.echo(f"wrote {len(package['releases'])} release(s), {awards} award(s) to {path}; valid OCDS 1.1", err=True)


def _print_model(model) -> None:
    from .domain.dedup import LEAD_MATCH_SPEC
    from .domain.linkage_model import spec_from_json

    click.echo(f"model {model.id} ({model.fitted_at:%Y-%m-%d %H:%M} UTC, {model.trigger}): "
               f"{'fitted' if model.fitted else 'not fitted'}; {model.note}; "
               f"{model.n_leads} leads, {model.n_pairs} candidate pairs, {model.seconds:.1f} s")
    if not model.fitted:
        return
    spec = spec_from_json(LEAD_MATCH_SPEC, model.parameters, model.term_frequencies, model.id)
    click.echo(f"  share of matches among candidates {model.match_share:.4f}, prior log2-odds {spec.prior_log_odds:+.2f}")
    for c in spec.comparisons:
        levels = ", ".join(f"{lv.name} {lv.weight:+.2f}" + (" (TF)" if c.tf_adjusted and lv.tf_centre is not None else "")
                           for lv in c.levels)
        click.echo(f"  {c.label or c.field:18} {levels}")


@dedup_cli.command("refit")
@click.option("--min-pairs", type=int, default=None,
              help="Fit even with fewer candidate pairs than the default minimum (500).")
def dedup_refit_command(min_pairs: int | None) -> None:
    """Fit the lead-match weights (EM, term frequencies) to the stored leads and store a new
    version. New pairs use it at once; pairs already stored keep the version that scored them
    until their leads are processed again. Vetters' decisions always stand."""
    from .services.match_models import refit

    model = refit("flask dedup refit", min_pairs=min_pairs)
    db.session.commit()
    _print_model(model)


@dedup_cli.command("show")
def dedup_show_command() -> None:
    """Show the newest lead-match model and its weights."""
    from .models import MatchModel

    model = db.session.execute(db.select(MatchModel).order_by(MatchModel.id.desc()).limit(1)).scalar_one_or_none()
    if model is None:
        click.echo("no model yet: the hand-set weights are in use (`flask --app wsgi dedup refit` fits them)")
        return
    _print_model(model)


@registries_cli.command("show")
def registries_show_command() -> None:
    """Print the registries in force: version, and for each table its date, rows and source."""
    from .domain import registries

    current = registries.current()
    click.echo(f"registries {current.version}")
    for kind in registries.KINDS:
        info = current.manifest[kind]
        click.echo(f"  {kind:9} {info['as_of']:10} {info['rows']:6,} rows  {info['title']}: {info['source']}")
    for note in current.notes:
        click.echo(f"  note: {note}")


@registries_cli.command("refresh")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--niosh", type=click.Path(exists=True, dir_okay=False), help="NIOSH N95 approvals CSV.")
@click.option("--eua", type=click.Path(exists=True, dir_okay=False), help="FDA emergency-use Appendix A CSV.")
@click.option("--k510", type=click.Path(exists=True, dir_okay=False), help="FDA 510(k) clearances CSV.")
@click.option("--watchlist", type=click.Path(exists=True, dir_okay=False), help="Counterfeit watch-list CSV.")
@click.option("--as-of", default=None, help="Date of the new copies, YYYY-MM-DD (default: today).")
@click.option("--source", default=None, help="Where the new copies come from (shown to vetters).")
@click.option("--rescore/--no-rescore", default=True, show_default=True,
              help="Queue every lead for scoring again now (otherwise the sweeper does it).")
def registries_refresh_command(directory, niosh, eua, k510, watchlist, as_of, source, rescore) -> None:
    """Install newer copies of the registries: files given by option, or DIRECTORY holding any of
    niosh.csv, eua.csv, k510.csv and watchlist.csv. Tables not given are kept. Every file is checked
    whole: one bad row refuses the refresh and nothing changes. Leads are then scored again."""
    from .domain import registries

    folder = current_app.config.get("REGISTRY_FOLDER")
    if not folder:
        raise click.ClickException("REGISTRY_FOLDER is not set: nowhere to install the registries")
    paths = {kind: path for kind, path in (("niosh", niosh), ("eua", eua), ("k510", k510),
                                             ("watchlist", watchlist)) if path}
    if directory:
        for kind in registries.KINDS:
            candidate = os.path.join(directory, f"{kind}.csv")
            if os.path.isfile(candidate):
                if kind in paths:
                    raise click.ClickException(f"{kind}: given both as --{kind} and as {candidate}")
                paths[kind] = candidate
    if not paths:
        raise click.ClickException("no registry file given: use --niosh, --eua, --k510, --watchlist or a directory "
                                   "with niosh.csv, eua.csv, k510.csv, watchlist.csv")
    try:
        texts = {kind: registries.read_file(path) for kind, path in paths.items()}
        installed, changed = registries.install(folder, texts, as_of=as_of, source=source)
    except registries.RegistryError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"refused: {len(exc.problems)} problem(s); the registries in force are unchanged") \
            from None
    for note in installed.notes:
        click.echo(f"note: {note}")
    if not changed:
        click.echo(f"the same data as registries {installed.version} in force: nothing changed")
        return
    registries.configure(folder)
    click.echo(f"registries {installed.version} installed ({', '.join(sorted(paths))} replaced); "
               f"reference version now {load_reference().version}")
    if rescore:
        from .jobs.worker import sweep

        found, queued = sweep(current_app._get_current_object())
        click.echo(f"{found} lead(s) queued to be scored again ({queued} newly); the sweeper takes any others")
    else:
        click.echo("leads are scored again by the sweeper")


@notify_cli.command("digest")
def notify_digest_command() -> None:
    """Send each staff member who chose the daily digest one e-mail of their notifications since
    the last one (run it once a day, e.g. from cron; running it twice sends nothing twice)."""
    from .services import notifications

    queued = notifications.send_digests()
    db.session.commit()  # the command is the use case's edge; the e-mails go after the commit
    click.echo(f"{queued} digest e-mail(s) queued")


def register(app: Flask) -> None:
    app.cli.add_command(notify_cli)
    app.cli.add_command(open_data_cli)
    app.cli.add_command(dedup_cli)
    app.cli.add_command(registries_cli)
    app.cli.add_command(demand_cli)
    app.cli.add_command(matching_cli)
    app.cli.add_command(dashboard_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(leads_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(bootstrap_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(sweep_command)
