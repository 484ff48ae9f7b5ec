"""English found where a reader of another language should meet none (issue 13's done-when: "no
English sentence"), for the browser tests: ``english_lines`` judges text line by line,
``page_english`` reads a page as a person and a screen reader meet it."""
from __future__ import annotations

import json
import re

# Words of English that Spanish does not use. A line with two of them reads as English; so does a
# line with one of the words in STRONG (common English on our pages, never Spanish).
ENGLISH_WORDS = {"the", "your", "you", "and", "please", "with", "this", "are", "is", "of", "to", "for", "has",
                 "have", "will", "been", "not", "here", "there", "what", "which", "when", "who", "our", "we",
                 "it", "by", "from", "an", "or", "can", "cannot", "be", "was", "were", "all", "any", "at",
                 "on", "in", "as", "yet", "new", "my", "out", "up", "if", "than", "more"}
STRONG = {"the", "your", "you", "please", "and", "with", "this", "sign", "submit", "save", "saved", "offer",
          "offers", "request", "requests", "lead", "leads", "delivery", "deliver", "notifications", "matches",
          "match", "supplies", "confirm", "confirmed", "edit", "withdraw", "accept", "accepted", "decline",
          "answer", "question", "password", "account", "units", "unit", "price", "days", "unread", "page",
          "skip", "content", "organisation", "organization", "proposal", "proposals", "supplier", "buyer",
          "quantity", "product", "status", "choose", "required", "field", "fields", "correct", "date",
          "expected", "submitted", "approved", "waiting", "needed", "history", "next", "back", "contact",
          "phone", "website", "address", "street", "city", "country", "send", "sent", "check"}
WORD = re.compile(r"[^\W\d_]+")  # whole words, accented letters in them ("días" is not "d", "as")
# Figures written the English way: a dollar sign before the amount, a comma between thousands,
# the month before the day ("Nov 30"; Spanish writes "30 nov").
ENGLISH_FIGURE = re.compile(r"(?<![A-Za-z])\$ ?\d|\b\d{1,3}(?:,\d{3})+\b(?![.,]\d)"
                            r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}\b")
# Addresses are no words: a link's path (/account/confirm) or an e-mail address are not judged.
ADDRESS = re.compile(r"\S*://\S+|\S+@\S+")

# What a page offers beyond its text: the words a screen reader or a tooltip gives.
ATTRIBUTE_TEXTS = """() => [...document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')]
  .flatMap(el => ['aria-label', 'title', 'placeholder', 'alt'].map(name => el.getAttribute(name)))
  .filter(Boolean)"""
# Code is no language: column names, commands, file contents (<code>, <pre>, <kbd>, <samp>).
CODE_TEXTS = """() => [...document.querySelectorAll('code, pre, kbd, samp')].map(el => el.innerText.trim())
  .filter(Boolean).sort((a, b) => b.length - a.length)"""


def english_lines(text: str) -> list[str]:
    """The lines of ``text`` that read as English: two or more common English words, one of the
    words our pages use that Spanish never does, or a figure written the English way ($0.79,
    5,000). A line that is a JSON object (stored data shown as it is) is not judged."""
    found = []
    for line in text.splitlines():
        bare = ADDRESS.sub(" ", line)
        if _is_json_object(bare):
            continue
        words = {w.lower() for w in WORD.findall(bare)}
        if len(words & ENGLISH_WORDS) >= 2 or words & STRONG or ENGLISH_FIGURE.search(bare):
            found.append(line.strip())
    return found


def _is_json_object(line: str) -> bool:
    line = line.strip()
    if not (line.startswith("{") and line.endswith("}")):
        return False
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def page_english(page, data: re.Pattern | None = None) -> list[str]:
    """The English lines of the page as it is now: its title, its visible text, and the texts of
    its attributes (aria-label, title, placeholder, alt); code (<code>, <pre>, ...) and what
    ``data`` matches (the test's own data, such as names) are left out."""
    text = "\n".join([page.title(), page.inner_text("body"), *page.evaluate(ATTRIBUTE_TEXTS)])
    for code in page.evaluate(CODE_TEXTS):
        text = re.sub(rf"(?<!\w){re.escape(code)}(?!\w)", " ", text)
    if data is not None:
        text = data.sub(" ", text)
    return english_lines(text)
