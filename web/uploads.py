"""Checking an uploaded workbook: the browser posts the file here so that it can show the bytes
going up, then the submissions page reads the stored report. Access is checked here, as for a
callback: an uploader's role, and an entity team only for its own entity."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, request
from flask_login import current_user
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from data.db import store_of
from etl.ingest import Incoming, ingest_isolated
from web.access import OFFICE
from web.lockout import signin_limits

blueprint = Blueprint("uploads", __name__)
UPLOADERS = OFFICE | {"entity"}


@blueprint.route("/submissions/check", methods=["POST"])
def check():
    """Keep and check one file (a dry run); answer with the upload's id."""
    if current_user.role not in UPLOADERS:
        abort(403)
    entity = acting_entity(request.form.get("entity"))
    upload = request.files.get("file")
    if upload is None:
        abort(400)
    if not _within_upload_limit():
        return jsonify(error={"code": 429, "message": "too many files in a short time"}), 429
    incoming = Incoming(
        upload.read(),
        upload.filename or "upload.xlsx",
        entity,
        request.form.get("period") or None,
    )
    folder = Path(current_app.config["UPLOAD_DIR"])
    outcome = ingest_isolated(store_of(current_app), [incoming], current_user.id, folder)[0]
    return jsonify(upload_id=outcome.upload_id)


def _within_upload_limit() -> bool:
    """UPLOAD_ATTEMPTS per user, counted where the sign-in limits are (shared by every worker)."""
    limit = parse(current_app.config["UPLOAD_ATTEMPTS"])
    return FixedWindowRateLimiter(signin_limits().storage).hit(
        limit, "upload", str(current_user.id)
    )


def acting_entity(requested: str | None) -> str:
    """Whose upload this is: an entity team's own (another is refused); the office names it."""
    if current_user.role == "entity":
        if requested and requested.upper() != current_user.entity_code:
            abort(403)
        return current_user.entity_code
    if not requested:
        abort(400)
    return requested.upper()
