"""Form helpers shared by the blueprints."""
from __future__ import annotations

from flask_wtf import FlaskForm


def attach_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    """Show domain validation messages beside their fields (or at the top for unknown fields)."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)
