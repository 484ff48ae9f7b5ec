"""Password policy: long enough, not one of the passwords every attacker tries first, and not
easy to guess by the estimate of a well-kept strength estimator.

NIST SP 800-63B: at least 8 characters (we ask for 10), no composition rules, any Unicode,
check against a list of commonly used passwords, allow long passphrases. On top of the list,
zxcvbn (Dropbox's estimator, the ``zxcvbn`` package) estimates how many guesses a password takes
from dictionaries, keyboard patterns, repeats, sequences, dates and the person's own e-mail
address and name; a password it scores below ``MIN_ZXCVBN_SCORE`` is refused with its feedback
("Repeats like "abcabcabc" are only slightly harder to guess than "abc"." for
``passwordpassword``).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from zxcvbn import zxcvbn

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

TOO_EASY = "This password is easy to guess."
ADVICE = "A few uncommon words together make a good password."


def personal_words(email: str | None = None, names: Iterable[str | None] = ()) -> list[str]:
    """What a guesser who knows the person tries first: the e-mail address, its local part and
    domain and their pieces, each name and each word of it (lower case, at least 3 characters)."""
    words: list[str] = []
    for text in [email or "", *(n or "" for n in names)]:
        text = text.strip().lower()
        if not text:
            continue
        words.append(text)
        words += [piece for piece in re.split(r"[\s@._+\-]+", text) if len(piece) >= 3]
    return list(dict.fromkeys(words))


def _made_of(text: str, words: frozenset[str]) -> bool:
    """Whether ``text`` (letters) is a concatenation of ``words``."""
    reachable = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        reachable[end] = any(reachable[start] and text[start:end] in words for start in range(max(0, end - 40), end))
    return reachable[-1]


def only_personal(password: str, words: Iterable[str]) -> bool:
    """Whether every run of letters in ``password`` is made of the person's own ``words`` (digits
    and punctuation aside): "HarborIndustrial1", "maria.garcia.harbor" for Maria Garcia of Harbor
    Industrial. zxcvbn scores some of these as strong (it reads "garcia" between dots as random)."""
    pieces = frozenset(w for w in words if w.isalpha() and len(w) >= 3)
    runs = re.findall(r"[^\W\d_]+", password.lower())
    return bool(pieces) and bool(runs) and all(_made_of(run, pieces) for run in runs)


def password_problem(password: str, *, email: str | None = None, names: Iterable[str | None] = ()) -> str | None:
    """Why ``password`` is not acceptable (a sentence for the field), or None if it is.
    ``email`` and ``names`` (the person's name, their organisation's) are what the estimator
    must not accept as the password or its main part."""
    password = unicodedata.normalize("NFKC", password)
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters (a few words make a good password)."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        return "This password is too common; choose one that is hard to guess."
    if email and lowered in (email.lower(), email.lower().split("@")[0]):
        return "Do not use your e-mail address as your password."
    personal = personal_words(email, names)
    if only_personal(password, personal):
        return ("Do not build your password from your name, your organisation's or your e-mail address: "
                "they are the first words a guesser tries. A few uncommon words together make a good password.")
    estimate = zxcvbn(password[:ESTIMATE_LENGTH], user_inputs=[*personal, *SITE_WORDS],
                      max_length=ESTIMATE_LENGTH)
    if estimate["score"] >= MIN_ZXCVBN_SCORE:
        return None
    feedback = estimate.get("feedback") or {}
    parts = [feedback.get("warning") or TOO_EASY, *(feedback.get("suggestions") or [ADVICE])]
    return " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts if p)
