"""The catalogues are complete and every text a person reads is marked for them (issue 13, item 3).

* Every text marked in the code and the templates (extracted as ``make translations`` does) has a
  Spanish translation that is not fuzzy, and the catalogue holds nothing that is no longer used.
* A translation keeps the values of its English text: the same ``{name}`` and ``%(name)s``.
* No text a person reads is left unmarked: text between the tags of a template and in its visible
  attributes (title, placeholder, aria-label, alt, button values), string literals with words in a
  template's expressions, and in the Python code the texts given to ``flash``, to form fields and
  validators, and to the errors whose message is shown to people.
No app and no database: these read files.
"""
from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import flask_wtf.file
import pytest
import wtforms.fields
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment

from marketplace.domain import messages

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "marketplace" / "translations"
SPANISH = CATALOGUES / "es" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2), "NP_": ((1, "c"), 2),
            "NN_": (1, 2)}

# Texts a person reads that are the same in every language (names, codes, symbols).
SAME_IN_EVERY_LANGUAGE = {"PPE Marketplace", "English", "Español", "CSV", "JSON", "OCDS", "OpenAPI", "API",
                          "N95", "KN95", "FFP2", "NPI", "ZIP", "USD", "UTC", "ID", "FDA", "NIOSH", "CDC", "km",
                          "example.com"}
# Files still to be marked (issue 13 is being built area by area); each entry goes when its area is
# done. Empty once everything is marked.
NOT_YET_MARKED: set[str] = set()


def extracted() -> dict[str, tuple[str, ...]]:
    """Every marked text (msgid, or (singular, plural)) -> the files it is in, as `make translations`
    extracts them."""
    with (CATALOGUES / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict = {}
    for filename, _lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        key = (context, message) if context else message
        found.setdefault(key, set()).add(filename)
    return {k: tuple(sorted(v)) for k, v in found.items()}


def spanish():
    with SPANISH.open("rb") as po:
        return read_po(po, locale="es")


def _key(message):
    return (message.context, message.id) if message.context else message.id


def test_every_marked_text_has_a_spanish_translation():
    catalogue = {_key(m): m for m in spanish() if m.id}
    missing = {k: files for k, files in extracted().items() if k not in catalogue}
    assert not missing, ("marked but not in the Spanish catalogue (run `make translations`, then "
                         f"translate): {sorted(missing.items(), key=str)[:20]}")
    untranslated = [m.id for m in catalogue.values()
                    if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert not untranslated, f"{len(untranslated)} without a Spanish text: {untranslated[:20]}"
    fuzzy = [m.id for m in catalogue.values() if m.fuzzy]
    assert not fuzzy, f"fuzzy (check the translation, then remove the fuzzy flag): {fuzzy[:20]}"


def test_no_text_counts_by_a_parenthesis():
    """"3 lead(s)", "oferta(s)": a count reads as its language counts (ngettext, or a label before
    the number: "Offers considered: 3"), never with "(s)" for a translator to mirror as "(s)" or "(es)"
    (found on the Spanish plan page and dashboard)."""
    counted = [m.id for m in spanish() if m.id and any(
        re.search(r"[A-Za-z]\((s|es)\)", text) for text in ((m.id,) if isinstance(m.id, str) else m.id))]
    assert counted == []


def test_the_catalogue_holds_only_texts_in_use():
    used = set(extracted())
    unused = [m.id for m in spanish() if m.id and _key(m) not in used]
    assert not unused, f"no longer in the code (run `make translations`): {unused[:20]}"


_PERCENT_VALUE = re.compile(r"%\(([A-Za-z_][A-Za-z0-9_]*)\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")


def _placeholders(text: str) -> set[str]:
    """The values a text names, however it writes them: {name}, and {name!s}, {name:d}, {name.x} as
    str.format reads them (domain.messages.value_names; a plain {name} search misses those), and
    %(name)s or %(name)d of a page's text."""
    try:
        braces = messages.value_names(text)
    except ValueError:  # not a str.format text (a lone brace): a page's text
        braces = frozenset()
    return {f"{{{name}}}" for name in braces} | {f"%({name})" for name in _PERCENT_VALUE.findall(text)}


def test_translations_keep_the_values_of_their_text():
    wrong = []
    for message in spanish():
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(_placeholders(i) for i in ids))
        for string in strings:
            # A plural form may leave out the count ("Un día" for {count} = 1), never add a value.
            if not _placeholders(string) <= wanted or (len(ids) == 1 and _placeholders(string) != wanted):
                wrong.append((message.id, string))
    assert not wrong, f"values differ between the English and the Spanish: {wrong[:10]}"


def test_the_values_check_reads_every_way_of_writing_a_value():
    """A translator's "{headroom_text!s}" or "%(score)d" is a value too (a supplier would read the
    headroom to the buyer's maximum): the check above finds it."""
    assert _placeholders("{price} por unidad ({headroom_text!s}, {score:d})") == {
        "{price}", "{headroom_text}", "{score}"}
    assert _placeholders("%(quantity)s unidades, %(score)d de 100") == {"%(quantity)", "%(score)"}


# ---- templates -----------------------------------------------------------------------------------

VISIBLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "aria-description", "aria-roledescription"}
EXPRESSION = "\u00a7"  # stands for {{ ... }}, {% ... %} and {% trans %} blocks in the flattened page
WORDS = re.compile(r"[^\W\d_]{2,}")
# Keywords whose string values are not read by people (classes, input kinds, routes, roles).
TECHNICAL_KEYWORDS = {"class_", "class", "type", "autocomplete", "inputmode", "rel", "id", "name", "for",
                      "method", "action", "pattern", "style", "role", "accept", "filename", "lang", "dir"}
GETTEXT_NAMES = {"_", "gettext", "ngettext", "pgettext", "npgettext"}


def _unmarked_words(text: str) -> str | None:
    text = " ".join(text.replace(EXPRESSION, " ").split())
    if not WORDS.search(text) or text in SAME_IN_EVERY_LANGUAGE:
        return None
    return text


class _PageText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            visible = name in VISIBLE_ATTRIBUTES or (
                name == "value" and tag == "input" and (attributes.get("type") or "") in ("submit", "button", "reset"))
            if visible and value and (words := _unmarked_words(value)):
                self.found.append((self.getpos()[0], f'{name}="{words}"'))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and (words := _unmarked_words(data)):
            self.found.append((self.getpos()[0], words))


def unmarked_in_template(source: str) -> list[tuple[int, str]]:
    """(line, text) of each text in a Jinja template a person would read that is not marked: outside
    ``{% trans %}`` blocks and ``_()`` calls. Pure: the template is lexed, not rendered."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    flat: list[str] = []
    line = 1
    found: list[tuple[int, str]] = []
    in_trans = False
    previous: list[tuple[str, str]] = []  # the last tokens inside the current expression
    block_name_next = False
    for lineno, kind, value in env.lex(source):
        while line < lineno:
            flat.append("\n")
            line += 1
        if kind == "data":
            flat.append(EXPRESSION if in_trans else value)
            line += value.count("\n")
            continue
        if kind in ("block_begin", "variable_begin"):
            flat.append(EXPRESSION)
            previous = []
            block_name_next = kind == "block_begin"
            continue
        if kind == "name" and block_name_next:
            block_name_next = False
            if value == "trans":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        if kind == "string" and not in_trans:
            marked = len(previous) >= 2 and previous[-1] == ("operator", "(") and previous[-2][0] == "name" \
                and previous[-2][1] in GETTEXT_NAMES
            # pgettext("context", "Text"): the text is its second argument
            marked = marked or (len(previous) >= 4 and previous[-1] == ("operator", ",") and previous[-2][0] == "string"
                                and previous[-3] == ("operator", "(") and previous[-4] == ("name", "pgettext"))
            keyword = previous[-2][1] if len(previous) >= 2 and previous[-1] == ("operator", "=") else None
            compared = bool(previous) and previous[-1][1] in ("==", "!=", "in")
            if not marked and keyword not in TECHNICAL_KEYWORDS and not compared \
                    and re.search(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}", value) and (words := _unmarked_words(value[1:-1])):
                found.append((lineno, f"expression text {words!r}"))
        if kind not in ("whitespace",):
            previous.append((kind, value))
        if value and kind != "data":
            line += str(value).count("\n")
    parser = _PageText()
    parser.feed("".join(flat))
    parser.close()
    return sorted(found + parser.found)


TEMPLATES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "templates").rglob("*.html"))


@pytest.mark.parametrize("path", [p for p in TEMPLATES if p not in NOT_YET_MARKED])
def test_template_texts_are_marked(path):
    unmarked = unmarked_in_template((ROOT / path).read_text())
    assert not unmarked, f"{path}: texts not marked for translation ({{% trans %}} or _()):\n" + "\n".join(
        f"  line {line}: {text}" for line, text in unmarked[:30])


def test_the_template_check_finds_unmarked_text():
    page = ('<p title="Close it">{{ _("Marked") }} Plain words</p>{% trans %}Inside a block{% endtrans %}'
            '<input type="submit" value="Send now">{{ field(placeholder="e.g. Nitrile gloves") }}\n'
            '{{ field(class_="btn secondary") }}{% if role == "city staff" %}{{ name }}{% endif %}\n<b>Third line</b>')
    assert unmarked_in_template(page) == [(1, "Plain words"), (1, "expression text 'e.g. Nitrile gloves'"),
                                          (1, 'title="Close it"'), (1, 'value="Send now"'), (3, "Third line")]


# ---- Python --------------------------------------------------------------------------------------

# Errors whose message is shown to people (beside a field, on a CSV row, as an error page or an
# API problem's detail).
SHOWN_ERRORS = {"ValidationError", "FieldError", "DomainError", "NotFound", "Forbidden", "Conflict", "ExportInvalid",
                "NumberError", "DateError", "TransitionError", "TextNeeded", "AccountError", "FacilityInvalid",
                "DocumentError", "DemandError", "DecisionRefused", "ProposalError", "TokenRefused",
                "MatchTransitionError", "FileRefused", "StopValidation"}
VALIDATORS = {"DataRequired", "InputRequired", "Optional", "Length", "NumberRange", "Email", "EqualTo", "Regexp",
              "AnyOf", "NoneOf", "URL", "FileRequired", "FileAllowed", "FileSize"}
MARKERS = GETTEXT_NAMES | {"N_", "_l", "lazy_gettext", "lazy_ngettext"}
# The form field classes of WTForms and Flask-WTF, whose first argument is the label people read
# (not every class named "...Field": domain.leads.TextField's first argument is a field's code).
FORM_FIELDS = {name for module in (wtforms.fields, flask_wtf.file) for name, value in vars(module).items()
               if isinstance(value, type) and issubclass(value, wtforms.fields.Field)}


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _unmarked_text(node: ast.AST | None) -> bool:
    """Whether ``node`` is text written out in the code and not marked: a literal with words, an
    f-string, "..." + ... or "...".format(...) / % ... of such a literal."""
    if node is None:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORDS.search(node.value)) and node.value not in SAME_IN_EVERY_LANGUAGE
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and WORDS.search(str(v.value)) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _unmarked_text(node.left) or _unmarked_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _unmarked_text(node.func.value)
    return False


def unmarked_in_python(source: str) -> list[tuple[int, str]]:
    """(line, what) of each unmarked text given to flash, a form field or validator, or an error
    shown to people."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        keywords = {k.arg: k.value for k in node.keywords}
        shown: list[ast.AST | None] = []
        if name == "flash" or name in SHOWN_ERRORS:
            shown = [node.args[0] if node.args else keywords.get("message")]
        elif name in FORM_FIELDS:
            shown = [node.args[0] if node.args else None, keywords.get("label"), keywords.get("description")]
            render = keywords.get("render_kw")
            if isinstance(render, ast.Dict):
                shown += [v for k, v in zip(render.keys, render.values)
                          if isinstance(k, ast.Constant) and k.value in VISIBLE_ATTRIBUTES]
        elif name in VALIDATORS:
            shown = [keywords.get("message")]
        for value in shown:
            if _unmarked_text(value):
                found.append((node.lineno, f"{name}(...): {ast.unparse(value)[:80]}"))
    return found


PYTHON = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "marketplace").rglob("*.py"))


@pytest.mark.parametrize("path", [p for p in PYTHON if p not in NOT_YET_MARKED])
def test_python_texts_are_marked(path):
    unmarked = unmarked_in_python((ROOT / path).read_text())
    assert not unmarked, f"{path}: texts not marked for translation (_() or _l()):\n" + "\n".join(
        f"  line {line}: {text}" for line, text in unmarked[:30])


def test_the_python_check_finds_unmarked_text():
    source = ('flash("Saved.")\nflash(_("Saved."))\nraise NotFound(f"No lead {id}")\n'
              'x = StringField("Product", validators=[DataRequired(message="Give a product")])\n'
              'y = StringField(_l("Product"))\nraise RuntimeError("for developers")\n'
              'z = TextField("external_id", 64)\nf = FileField("Add a document")\n')
    assert sorted(line for line, _what in unmarked_in_python(source)) == [1, 3, 4, 4, 8]


def plural_counts(source: str) -> list[tuple[int, str | None]]:
    """(line, the variable a ``{% pluralize %}`` counts by) for each plural ``{% trans %}`` block of a
    template: Jinja counts by the one named after ``pluralize``, else by the block's FIRST variable."""
    tokens = [t for t in Environment(extensions=["jinja2.ext.i18n"]).lex(source) if t[1] != "whitespace"]
    found, names, depth, expect = [], [], 0, False
    for index, (lineno, kind, value) in enumerate(tokens):
        if kind == "name" and value == "trans" and tokens[index - 1][1] == "block_begin":
            names, depth, expect = [], 0, True
            continue
        if expect and kind == "block_end":
            expect = False
        elif expect:
            if kind == "operator" and value in "([{":
                depth += 1
            elif kind == "operator" and value in ")]}":
                depth -= 1
            elif depth == 0 and kind == "name" and (not names or tokens[index - 1][2] == ","):
                names.append(value)
        if kind == "name" and value == "pluralize" and tokens[index - 1][1] == "block_begin":
            following = tokens[index + 1]
            found.append((lineno, following[2] if following[1] == "name" else (names[0] if names else None)))
    return found


@pytest.mark.parametrize("path", TEMPLATES)
def test_plural_blocks_count_by_their_count(path):
    """A plural block counts by ``count``: ``{% trans state=s, count=n %}`` would count by the text
    ``state`` (a TypeError on the page, seen on the vetting lead page)."""
    wrong = [(line, name) for line, name in plural_counts((ROOT / path).read_text()) if name != "count"]
    assert not wrong, f"{path}: pluralize counts by another variable than count: {wrong}"


def test_the_plural_check_finds_a_block_counting_by_another_variable():
    assert plural_counts("{% trans state=s, count=n %}{{ state }} {{ count }} try{% pluralize %}tries{% endtrans %}"
                         "{% trans count=n, state=s %}x{% pluralize %}y{% endtrans %}"
                         "{% trans a=1, b=n %}x{% pluralize b %}y{% endtrans %}") == [(1, "state"), (1, "count"), (1, "b")]
