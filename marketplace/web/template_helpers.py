"""Template filters and globals: labels, money, countries, dates, the unread-notification count."""
from __future__ import annotations

import functools
import math
from collections.abc import Callable
from decimal import Decimal

from flask import Flask
from flask_login import current_user
from jinja2 import pass_context

from ..domain import catalog, certifications, countries, i18n, messages, normalise, registries
from ..domain.dedup import EVIDENCE_WORDS
from ..domain.demand import DEMAND_STATUSES
from ..domain.facility import LICENCE_KINDS, PHONE_COUNTRY
from ..domain.formatting import money
from ..domain.lead_status import LEAD_STATUSES, PROCESSING_STATES
from ..domain.match_status import CLOSE_REASONS, MATCH_STATUSES
from ..services.demand import days_of_supply_now
from ..services.matches import supplier_sees_buyer
from ..services.notifications import unread_count
from ..services.quotes import quote_state


def register_template_helpers(app: Flask) -> None:

    status_choices = {"LEAD_STATUSES": LEAD_STATUSES, "MATCH_STATUSES": MATCH_STATUSES,
                      "CLOSE_REASONS": CLOSE_REASONS, "DEMAND_STATUSES": DEMAND_STATUSES,
                      "LICENCE_KINDS": LICENCE_KINDS, "EVIDENCE_WORDS": EVIDENCE_WORDS,
                      "PROCESSING_STATES": PROCESSING_STATES}

    def label_filter(value, choices_name: str):
        choices = status_choices.get(choices_name) or getattr(catalog, choices_name)
        return catalog.label(choices, value)

    app.add_template_filter(for_the_reader(label_filter), "label")
    # A quantity of a product category: ``match.quantity|units_of(lead.product_category)``, "2,000 N95
    # respirators" / "2.000 respiradores N95" (domain.catalog.units_of, the one place that writes it).
    app.add_template_filter(for_the_reader(lambda quantity, category: catalog.units_of(category, quantity)),
                            "units_of")

    app.add_template_global(supplier_sees_buyer)
    # "lapsed" / "due" / "valid": a lead's quote today (issue 11 item 11), for the lead and the queue.
    app.add_template_global(quote_state)

    @app.context_processor
    def unread_notifications():
        # The count in the top bar; computed only when a template asks for it.
        def count() -> int:
            return unread_count(current_user) if current_user.is_authenticated else 0
        return {"unread_notifications": count}

    app.add_template_filter(for_the_reader(money), "money")
    # A request's days of supply today, from its stock facts (domain.stock.days_left): never the
    # stored days_of_supply column, which is the days on the count date.
    app.add_template_filter(days_of_supply_now, "days_left")
    app.add_template_filter(for_the_reader(show_units), "units")
    # Beside every link a supplier gave: the registrable domain it really opens (issue 10, item 5).
    app.add_template_filter(normalise.website_domain, "site_domain")
    # Stored facts, worded for the reader's role (a user role or "staff"): domain.messages.
    app.add_template_filter(for_the_reader(messages.render_reasons), "reasons")
    app.add_template_filter(for_the_reader(messages.render_notification), "notification")
    app.add_template_filter(for_the_reader(messages.render_trigger), "trigger")
    app.add_template_filter(for_the_reader(lambda signal, role="staff": messages.render_signal(signal, role)),
                            "signal_text")
    # Countries are stored as ISO codes (older leads may hold free text): pages show the name.
    app.add_template_filter(for_the_reader(countries.country_name), "country")
    # A registry's title, list name or evidence column stored in a signal (English), for the reader.
    app.add_template_filter(for_the_reader(registries.shown), "registry_text")
    app.add_template_global(countries.phone_international, "phone_as_read")
    # The note under a registry's evidence (stored in English with its values), for the reader.
    app.add_template_filter(for_the_reader(certifications.evidence_note), "evidence_note")
    # Every phone shown to another party (templates/_contact.html's phone macro): international, a tel: link.
    app.add_template_global(countries.phone_shown)
    app.add_template_global(PHONE_COUNTRY, "FACILITY_PHONE_COUNTRY")

    # Numbers in the reader's language (domain.i18n): 1,500 / 1.500. Moments (stored in UTC) on the
    # city's clock (CITY_TIMEZONE), in the reader's language: "Jan 11, 2027, 7:00 PM PST" / "11 ene
    # 2027, 19:00 GMT-08:00"; in a table "Jan 11, 7:00 PM" under a heading zoned(_("Created")),
    # "Created (PST)"; a time of day "7:00 PM PST".
    app.add_template_filter(for_the_reader(show_number), "number")
    # A weight with its sign, one decimal unless told: "+4.0" / "+4,0" (never Python's "%+.1f").
    app.add_template_filter(for_the_reader(i18n.format_signed), "signed")
    app.add_template_filter(for_the_reader(i18n.format_moment_short), "when_short")
    app.add_template_filter(for_the_reader(i18n.format_moment), "when")
    app.add_template_filter(for_the_reader(i18n.format_time_of_day), "time_of_day")
    # The heading of a column of |when_short moments names the zone they are on: "Created (PST)".
    app.add_template_global(i18n.zoned, "zoned")
    # Every day a person reads: "Dec 14, 2026" / "14 dic 2026" (never ISO 2026-12-14 on a page).
    app.add_template_filter(for_the_reader(i18n.format_day), "day")
    app.add_template_filter(for_the_reader(i18n.format_percent), "percent")


def for_the_reader(func: Callable) -> Callable:
    """``func`` as a filter whose result is in the reader's language. Jinja's compiler runs a filter
    whose arguments are all constants (``'accepted'|label('MATCH_STATUSES')``, ``1500|number``)
    once, while compiling the template, and keeps the text for every later reader: in the language
    of the request that compiled it first. A filter that takes the template context is never run
    then (jinja2.nodes.Filter.as_const), so this one is run for each page, in its reader's language."""
    @pass_context
    @functools.wraps(func)
    def filter_(_context, *args, **kwargs):
        return func(*args, **kwargs)
    return filter_


def show_number(value) -> str:
    """A count or amount for a page: whole numbers grouped (1,500 / 1.500), others with up to four
    decimals (1,234.5 / 1.234,5); None is ""."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value == int(value):
        return i18n.format_integer(int(value))
    return i18n.format_decimal(Decimal(str(value)), max_decimals=4)


def show_units(value: Decimal | None) -> str:
    """A number of units, such as an average daily use: 1,234.5 / 1.234,5; 120; None is ""."""
    return "" if value is None else i18n.format_decimal(Decimal(value).normalize(), max_decimals=4)
