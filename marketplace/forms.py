"""Form helpers shared by the blueprints."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError


def attach_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    """Show domain validation messages beside their fields (or at the top for unknown fields)."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)


def choices(pairs, *, prompt: str | None = None) -> list[SelectChoice]:
    """A catalog's (value, label) pairs as WTForms choices, after an empty "Choose…" if ``prompt``."""
    items = ([("", prompt)] if prompt else []) + list(pairs)
    return [SelectChoice(value, label) for value, label in items]


MAX_PAGE = 100_000


def page_number(value: str) -> int:
    """The ``?page=`` argument (``request.args.get("page", 1, type=page_number)``): from 1 to
    MAX_PAGE, so that a huge number is an empty page, not an OFFSET overflow in the database."""
    return min(max(int(value), 1), MAX_PAGE)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def no_control_characters(form, field) -> None:
    """A WTForms validator for one-line text: NUL and other control characters are refused here
    (PostgreSQL cannot even store NUL; as a query parameter it is a database error)."""
    if field.data and _CONTROL.search(field.data):
        raise ValidationError("Contains a control character; please remove it.")
