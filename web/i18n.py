"""Language: Flask-Babel catalogues compiled at start, and the choice of language per request.

The choice is `?lang=` when given (remembered in the session and for the signed-in user), else the
session's, else the user's saved language, else the browser's preference.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

from catalogues import SOURCE, compile_catalogues

LANGUAGES = ("en", "ar")
RTL = {"ar"}


def requested_language() -> str | None:
    lang = request.args.get("lang", "").lower()
    return lang if lang in LANGUAGES else None


def select_locale() -> str:
    if lang := requested_language():
        return lang
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    if current_user and current_user.is_authenticated:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES) or "en"


def language() -> str:
    return str(get_locale() or "en")


def direction() -> str:
    return "rtl" if language() in RTL else "ltr"


def init_app(app: Flask, compiled: Path) -> None:
    compile_catalogues(SOURCE, compiled)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(language=language, direction=direction)
