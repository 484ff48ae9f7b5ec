"""Every data table is in a .table-wrap (app.css "Tables and lists"): without JavaScript a table
wider than a phone scrolls sideways inside that box, never the page; with it, app.js stacks it
(tests/e2e/test_phone_tables.py). The given examples were "My requests" and the public needs board;
the API tokens page and the API reference had tables without the box. A table without column
headings (the dashboard's two-column lists of row headings and figures) needs none."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
_TABLE = re.compile(r"<table\b.*?</table>", re.S)
_WRAP_BEFORE = re.compile(r'<div class="table-wrap">\s*$')


def unwrapped_tables(html: str) -> list[str]:
    """The start of each table with column headings (<thead>) not opened right after a .table-wrap."""
    return [found.group(0)[:80] for found in _TABLE.finditer(html)
            if "<thead" in found.group(0) and not _WRAP_BEFORE.search(html[:found.start()])]


def test_the_check_finds_a_table_without_its_box():
    assert unwrapped_tables('<section><table><thead><tr><th>a</th></tr></thead></table></section>')
    assert not unwrapped_tables('<div class="table-wrap">\n  <table><thead></thead></table></div>')
    assert not unwrapped_tables('<table><tbody><tr><th scope="row">a</th><td>1</td></tr></tbody></table>')


def test_every_data_table_of_every_template_is_in_a_table_wrap():
    pages = {str(path.relative_to(TEMPLATES)): path.read_text(encoding="utf-8")
             for path in sorted(TEMPLATES.rglob("*.html"))}
    assert sum(html.count("<table") for html in pages.values()) >= 20  # the scan sees the app's tables
    assert {name: tables for name, html in pages.items() if (tables := unwrapped_tables(html))} == {}
