"""Password rules (OWASP ASVS 6.2): 12 to 128 characters, any characters, no composition rules,
and not one of the most common passwords (the list shipped in `common_passwords.txt`), not one
character repeated, not the user's own e-mail address.

The same cap applies at creation and at sign-in: a longer password is refused before it is
hashed, so nobody can make the server hash megabytes."""

from __future__ import annotations

from functools import cache
from pathlib import Path

MIN_PASSWORD = 12
MAX_PASSWORD = 128
COMMON_PASSWORDS = Path(__file__).resolve().parent / "common_passwords.txt"
# digits, punctuation and spaces people put around a common word: "Password2025!" is "password"
_DECORATION = "0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

# English text for the command line; the web shows its own translations of the same codes
MESSAGES = {
    "too_short": f"the password needs at least {MIN_PASSWORD} characters",
    "too_long": f"the password can have at most {MAX_PASSWORD} characters",
    "repeated": "the password repeats the same few characters; choose a longer phrase",
    "email": "the password cannot be your e-mail address",
    "common": "the password is one of the most common passwords; choose another",
    "unchanged": "the new password must differ from the current one",
}


def password_problem(password: str, email: str = "") -> str | None:
    """The first rule `password` breaks, as a key of MESSAGES; None when it is acceptable."""
    if len(password) < MIN_PASSWORD:
        return "too_short"
    if len(password) > MAX_PASSWORD:
        return "too_long"
    if _repeats_a_block(password):
        return "repeated"
    lowered = password.lower()
    email = email.strip().lower()
    if email and lowered in (email, email.partition("@")[0]):
        return "email"
    if is_common(lowered):
        return "common"
    return None


def is_common(password: str) -> bool:
    """In the list as written, or once the digits and symbols around it are taken away."""
    lowered = password.lower()
    core = lowered.strip(_DECORATION)
    common = common_passwords()
    return lowered in common or (bool(core) and core in common)


def _repeats_a_block(password: str) -> bool:
    """`aaaaaaaaaaaa`, `abcabcabcabc`: the password is a shorter block written again and again."""
    return (password + password).find(password, 1) < len(password)


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))
