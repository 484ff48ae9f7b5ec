"""Password policy: long enough, not one of the passwords every attacker tries first.

NIST SP 800-63B: at least 8 characters (we ask for 10), no composition rules, any Unicode,
check against a list of commonly used passwords, allow long passphrases.
"""
from __future__ import annotations

import unicodedata

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 takes any length; this only bounds the work per request.

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


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """Why ``password`` is not acceptable, or None if it is."""
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
    return None
