"""Password policy: long enough, not one of the passwords every attacker tries first, and not
easy to guess by the estimate of a well-kept strength estimator.

NIST SP 800-63B: at least 8 characters (we ask for 10), no composition rules, any Unicode,
check against a list of commonly used passwords, allow long passphrases. On top of the list,
zxcvbn (Dropbox's estimator, the ``zxcvbn`` package) estimates how many guesses a password takes
from dictionaries, keyboard patterns, repeats, sequences, dates and the person's own e-mail
address and name; a password it scores below ``MIN_ZXCVBN_SCORE`` is refused with its feedback
("Repeats like "abcabcabc" are only slightly harder to guess than "abc"." for
``passwordpassword``).

Every sentence is in the reader's language (domain.i18n): zxcvbn words its feedback in English only,
so each of its sentences is listed here (``ZXCVBN_FEEDBACK``) for our catalogue and translated when
shown.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from zxcvbn import zxcvbn

from .i18n import N_, _
from .normalise import fold
from .organisations import organisation_key

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 takes any length; this only bounds the work per request.
# zxcvbn's scores: 0 too guessable (< 10^3 guesses), 1 very (< 10^6), 2 somewhat (< 10^8),
# 3 safely unguessable (< 10^10), 4 very unguessable. 3 is what the estimator calls safe against
# an online attack with rate limits and a slow hash.
MIN_ZXCVBN_SCORE = 3
# zxcvbn's own bound: its matching grows quickly with the length. A longer password is estimated
# by its first 72 characters (a passphrase that long is strong there already, or refused there).
ESTIMATE_LENGTH = 72

# The most common passwords at or above the minimum length (from public breach-corpus top lists),
# plus words an attacker would try against this site.
COMMON_PASSWORDS = frozenset("""
1234567890 0123456789 12345678910 1111111111 0000000000 1234512345 1q2w3e4r5t 1qaz2wsx3edc
qwertyuiop qwertyuiop1 asdfghjkl1 zxcvbnm123 password12 password123 password1234 passw0rd123
iloveyou12 princess12 football12 baseball12 sunshine12 qwerty1234 qwerty12345 abc1234567
abcdefghij 9876543210 aaaaaaaaaa changeme123 welcome123 letmein123 administrator admin12345
admin123456 superman123 trustno1234 starwars12 dragon1234 monkey1234 master1234 michael123
marketplace marketplace1 marketplace123 password! password!! p@ssw0rd12 p@ssword123 computer12
internet12 whatever12 1234567890a a1234567890 q1w2e3r4t5 qazwsxedcr 123123123123 147258369a
""".split())
# Words of this site an attacker would put in the estimator's dictionary too.
SITE_WORDS = ("marketplace", "ppe", "city", "supplies", "respirator", "hospital", "vetting")

TOO_EASY = N_("This password is easy to guess.")
ADVICE = N_("A few uncommon words together make a good password.")
# Every sentence zxcvbn's feedback may give (zxcvbn/feedback.py, 4.5), as it words it: marked for the
# catalogue and translated when shown (tests/domain/test_password_messages.py checks the list
# against the installed zxcvbn).
ZXCVBN_FEEDBACK = (
    N_("Use a few words, avoid common phrases."),
    N_("No need for symbols, digits, or uppercase letters."),
    N_("Add another word or two. Uncommon words are better."),
    N_("Straight rows of keys are easy to guess."),
    N_("Short keyboard patterns are easy to guess."),
    N_("Use a longer keyboard pattern with more turns."),
    N_('Repeats like "aaa" are easy to guess.'),
    N_('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    N_("Avoid repeated words and characters."),
    N_('Sequences like "abc" or "6543" are easy to guess.'),
    N_("Avoid sequences."),
    N_("Recent years are easy to guess."),
    N_("Avoid recent years."),
    N_("Avoid years that are associated with you."),
    N_("Dates are often easy to guess."),
    N_("Avoid dates and years that are associated with you."),
    N_("This is a top-10 common password."),
    N_("This is a top-100 common password."),
    N_("This is a very common password."),
    N_("This is similar to a commonly used password."),
    N_("A word by itself is easy to guess."),
    N_("Names and surnames by themselves are easy to guess."),
    N_("Common names and surnames are easy to guess."),
    N_("Capitalization doesn't help very much."),
    N_("All-uppercase is almost as easy to guess as all-lowercase."),
    N_("Reversed words aren't much harder to guess."),
    N_("Predictable substitutions like '@' instead of 'a' don't help very much."),
)


# Words of an address written more than one way. "St" is both "Saint" and "Street"
# (organisations.organisation_key tells them apart by position, which a password does not keep).
# Any word of a group among the person's words stands for the whole group.
_SAME_WORDS = tuple(frozenset(group.split()) for group in (
    "st saint street", "w west", "e east", "n north", "s south", "ave avenue", "blvd boulevard",
    "dr drive", "rd road", "ln lane", "hwy highway", "pl place", "ct court", "sq square",
))
_LETTER_RUNS = re.compile(r"[^\W\d_]+")


def personal_words(email: str | None = None, names: Iterable[str | None] = ()) -> list[str]:
    """What a guesser who knows the person tries first: the e-mail address, its local part and
    domain and their pieces, each name (their own, their organisation's, its street and city) and
    each word of it, as written (lower case, at least 3 characters) and in the normal form of
    organisation names (``organisations.organisation_key``: punctuation and accents folded, "St." is
    "Saint" or "Street", "Ctr" is "Center"), short words included there ("W", "3rd", "St")."""
    words: list[str] = []
    for text in [email or "", *(n or "" for n in names)]:
        text = text.strip().lower()
        if not text:
            continue
        words.append(text)
        words += [piece for piece in re.split(r"[\s@._+\-]+", text) if len(piece) >= 3]
        words += [run for word in (*fold(text).split(), *organisation_key(text).split())
                  for run in _LETTER_RUNS.findall(word)]
    present = set(words)
    for group in _SAME_WORDS:
        if group & present:
            words += sorted(group)
    return list(dict.fromkeys(words))


def personal_names(name: str | None, organisation_name: str | None = None, street: str | None = None,
                   city: str | None = None) -> tuple[str | None, ...]:
    """The ``names`` of ``password_problem`` for a person: their name, their organisation's, and its
    address (street, and street with city: "2131 W 3rd St Los Angeles")."""
    address = " ".join(part for part in (street, city) if part) or None
    return name, organisation_name, street, city, address


def _made_of(text: str, words: frozenset[str]) -> bool:
    """Whether ``text`` (letters) is a concatenation of ``words``."""
    reachable = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        reachable[end] = any(reachable[start] and text[start:end] in words for start in range(max(0, end - 40), end))
    return reachable[-1]


def only_personal(password: str, words: Iterable[str]) -> bool:
    """Whether every run of letters in ``password`` is made of the person's own ``words`` (digits
    and punctuation aside), as typed or in the normal form of organisation names: "HarborIndustrial1",
    "maria.garcia.harbor" for Maria Garcia of Harbor Industrial; "Saint Vincent Community Hospital",
    "stvincentcommunityhospital" for St. Vincent Community Hospital; "2131 W 3rd St Los Angeles" for
    its address. zxcvbn scores some of these as strong (it reads "garcia" between dots as random).
    A one-letter word ("W") counts only as a run of its own, never as a piece of a longer one."""
    words = [w for w in words if w.isalpha()]
    whole = frozenset(words)
    pieces = frozenset(w for w in words if len(w) >= 2)
    if not pieces:
        return False
    for form in (fold(password), organisation_key(password)):
        runs = _LETTER_RUNS.findall(form)
        if runs and all(run in whole or _made_of(run, pieces) for run in runs):
            return True
    return False


def password_problem(password: str, *, email: str | None = None, names: Iterable[str | None] = ()) -> str | None:
    """Why ``password`` is not acceptable (a sentence for the field, in the current language), or
    None if it is. ``email`` and ``names`` (the person's name, their organisation's name, its street
    and city: ``personal_names``) are what the estimator must not accept as the password or its
    main part. The one check for registration, password reset and password change."""
    password = unicodedata.normalize("NFKC", password)
    if len(password) < MIN_LENGTH:
        return _("Use at least {count} characters (a few words make a good password).").format(count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most {count} characters.").format(count=MAX_LENGTH)
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        return _("This password is too common; choose one that is hard to guess.")
    if email and lowered in (email.lower(), email.lower().split("@")[0]):
        return _("Do not use your e-mail address as your password.")
    personal = personal_words(email, names)
    if only_personal(password, personal):
        return _("Do not build your password from your name, your organisation's name or address, or your "
                 "e-mail address: they are the first words a guesser tries. A few uncommon words together make "
                 "a good password.")
    estimate = zxcvbn(password[:ESTIMATE_LENGTH], user_inputs=[*personal, *SITE_WORDS],
                      max_length=ESTIMATE_LENGTH)
    if estimate["score"] >= MIN_ZXCVBN_SCORE:
        return None
    feedback = estimate.get("feedback") or {}
    parts = [feedback.get("warning") or TOO_EASY, *(feedback.get("suggestions") or [ADVICE])]
    sentences = [_(p) for p in parts if p]
    return " ".join(s if s.endswith((".", "!", "?")) else s + "." for s in sentences)
