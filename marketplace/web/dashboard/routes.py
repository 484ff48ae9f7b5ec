"""The control tower (issue 12): the staff dashboard at /dashboard (staff's landing page) and the
public needs board at /signal (no sign-in). Both read the newest summary snapshot, one row
(services.dashboard), never counts over whole tables: the figures are counted by a job."""
from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, render_template, url_for

from ...domain.catalog import PRODUCT_CATEGORIES, label
from ...domain.dashboard import (
    AGE_BUCKETS,
    LEAD_STAGES,
    MATCH_STAGES,
    NEED_WINDOWS,
    STAGE_GAPS,
    WEEK,
    axis_cap,
    duration_words,
    signal_rows,
)
from ...domain.i18n import COUNT, NP_, _, pgettext
from ...domain.scoring import flag_label
from ...services import dashboard
from ..access import staff_required

bp = Blueprint("dashboard", __name__)
# Supply against demand: (figure code, column heading) in the order shown.
SUPPLY_COLUMNS = (("still_needed", NP_("count", "Still needed")), ("free_supply", NP_("count", "Free approved supply")),
                  ("planned", NP_("count", "Plan can deliver")), ("proposed", NP_("count", "Proposed")), ("accepted", NP_("count", "Accepted")), ("delivered", NP_("count", "Delivered")))


def supply_link(category: str, figure: str) -> str:
    """The filtered list behind one supply-against-demand figure."""
    if figure == "still_needed":  # the requests with units still needed, and the column it sums
        return url_for("planning.requests_list", status="open", category=category, still_needed="1")
    if figure == "free_supply":  # the approved offers with free units, and the column it sums
        return url_for("vetting.leads_list", status="approved", category=category, free="1")
    if figure == "planned":
        return url_for("planning.plan_page")
    return url_for("matches.index", status=figure, category=category)


LEAD_LINKS = {"submitted": {"status": "all"}, "processed": {"status": "all", "processing": "done"},
              "in_review": {"status": "open"}, "approved": {"status": "approved"},
              "rejected": {"status": "rejected"}}


def _dashboard_view(figures: dict) -> dict:
    """The page's rows, each figure with the link to its list, and the charts' data (the same
    numbers: the tables are the charts' text for screen readers). Every label is in the request's
    language: the charts' labels (drawn by Chart.js) are the tables' own."""
    categories = figures["categories"]
    supply_columns = [(code, pgettext(COUNT, heading)) for code, heading in SUPPLY_COLUMNS]
    supply = [{"category": code, "label": label(PRODUCT_CATEGORIES, code),
               "cells": [(figures_key, categories.get(code, {}).get(figures_key, 0), supply_link(code, figures_key))
                         for figures_key, _heading in SUPPLY_COLUMNS]}
              for code, _label in PRODUCT_CATEGORIES
              if any(categories.get(code, {}).get(key, 0) for key, _heading in SUPPLY_COLUMNS)]
    leads = [(pgettext(COUNT, text), figures["leads"].get(code, 0), url_for("vetting.leads_list", **LEAD_LINKS[code]))
             for code, text in LEAD_STAGES]
    match_rows = [(pgettext(COUNT, text), figures["matches"].get(code, 0), url_for("matches.index", status=code))
                  for code, text in MATCH_STAGES]
    medians = [(_(text), duration_words(figures["medians"].get(code))) for code, text in STAGE_GAPS]
    backlog = [(_(text), figures["backlog"].get(code, 0), url_for("vetting.leads_list", status="open", age=code,
                                                                  sort="oldest"))
               for code, text, _low, _high in AGE_BUCKETS]
    signals = [(flag_label(s["code"]), s["seen"], s["stopped"],
                url_for("vetting.leads_list", status="all", flag=s["code"], age=WEEK[0]),
                url_for("vetting.leads_list", status="rejected", flag=s["code"], age=WEEK[0]))
               for s in figures["signals"]]
    charts = {
        "supply": {"labels": [row["label"] for row in supply],
                   "series": [{"label": heading, "data": [row["cells"][i][1] for row in supply],
                               "links": [row["cells"][i][2] for row in supply]}
                              for i, (_code, heading) in enumerate(supply_columns)]},
        "funnel": {"labels": [text for text, _n, _link in leads + match_rows],
                   "series": [{"label": _("Count"), "data": [n for _text, n, _link in leads + match_rows],
                               "links": [link for _text, _n, link in leads + match_rows]}]},
        "backlog": {"labels": [text for text, _n, _link in backlog],
                    "series": [{"label": _("Open leads"), "data": [n for _text, n, _link in backlog],
                                "links": [link for _text, _n, link in backlog]}]},
    }
    shortfall = [{**row, "label": label(PRODUCT_CATEGORIES, row["category"]),
                  "first_short_on": date.fromisoformat(row["first_short_on"]) if row["first_short_on"] else None,
                  "link": url_for("planning.requests_list", status="open", category=row["category"])}
                 for row in figures.get("shortfall", [])]
    short = [row for row in shortfall if row["short_units"]]
    if short:
        charts["shortfall"] = {"labels": [row["label"] for row in short],
                               "series": [{"label": _("Week {number}").format(number=week + 1), "data": [row["weekly_short"][week] for row in short],
                                           "links": [row["link"] for row in short]}
                                          for week in range(len(short[0]["weekly_short"]))]}
    for chart in charts.values():  # a few bars far above the rest are cut short, labelled (domain.dashboard)
        chart["cap"] = axis_cap(value for series in chart["series"] for value in series["data"])
    return {"shortfall": shortfall, "supply": supply, "supply_columns": supply_columns, "leads": leads, "matches": match_rows,
            "medians": medians, "backlog": backlog, "signals": signals, "charts": charts,
            "waiting": figures["waiting_on_supplier"],
            "waiting_link": url_for("vetting.leads_list", status="info_requested", sort="oldest")}


@bp.get("/dashboard")
@staff_required
def index():
    """Staff's landing page: supply against demand per category, the funnel with the median time
    between stages, the vetting backlog by age, and this week's risk signals; every figure links
    to the filtered list behind it."""
    snapshot = dashboard.latest()
    view = _dashboard_view(snapshot.figures) if snapshot else None
    return render_template("dashboard/index.html", snapshot=snapshot, view=view,
                           as_of=_as_of(snapshot), plan=_plan(snapshot))


@bp.get("/signal")
def signal():
    """The public needs board: which categories are short, how many units by when, the fair price
    band, how to offer. Aggregates only: no organisation, person or buyer's price, and no cell
    covering fewer than three organisations or dominated by one, the rest rounded (domain.dashboard.signal_rows)."""
    snapshot = dashboard.latest()
    rows = signal_rows(snapshot.figures["categories"]) if snapshot else []
    return render_template("dashboard/signal.html", rows=[row for row in rows if row.shown],
                           hidden=[row.label for row in rows if not row.shown], windows=[(code, _(text), low, high) for code, text, low, high in NEED_WINDOWS],
                           as_of=_as_of(snapshot), plan=_plan(snapshot))


def _plan(snapshot) -> dict | None:
    """The plan the snapshot's covering supply is from: {"as_of": datetime, "current": bool}, or None
    (no plan yet; an older snapshot without the figure reads as current)."""
    if snapshot is None or "plan" not in snapshot.figures:
        return {"as_of": None, "current": True}
    plan = snapshot.figures["plan"]
    return None if plan is None else {"as_of": datetime.fromisoformat(plan["as_of"]), "current": plan["current"]}


def _as_of(snapshot) -> datetime | None:
    return snapshot.computed_at if snapshot else None
