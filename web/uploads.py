"""Checking an uploaded workbook: the browser posts the file here so that it can show the bytes
going up, then the submissions page reads the stored report. Who may send it for which entity is
`services.submissions`' question; this route only adapts HTTP to it."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, request
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from data.db import store_of
from services import submissions
from services.actors import Action, Denied, EntityRequired, may
from web.access import current_actor
from web.auth import refuse
from web.lockout import signin_limits

blueprint = Blueprint("uploads", __name__)


@blueprint.route("/submissions/check", methods=["POST"])
def check():
    """Keep and check one file (a dry run); answer with the upload's id."""
    actor = current_actor()
    if not may(actor, Action.UPLOAD):
        refuse(403)
    upload = request.files.get("file")
    if upload is None:
        abort(400)
    if not _within_upload_limit(actor.user_id):
        return jsonify(error={"code": 429, "message": "too many files in a short time"}), 429
    folder = Path(current_app.config["UPLOAD_DIR"])
    try:
        outcome = submissions.check(
            store_of(current_app),
            actor,
            folder,
            upload.read(),
            upload.filename or "upload.xlsx",
            request.form.get("entity"),
            request.form.get("period"),
        )
    except Denied as denied:
        refuse(403, entity=denied.entity or "")
    except EntityRequired:
        abort(400)
    return jsonify(upload_id=outcome.upload_id)


def _within_upload_limit(user_id: int) -> bool:
    """UPLOAD_ATTEMPTS per user, counted where the sign-in limits are (shared by every worker)."""
    limit = parse(current_app.config["UPLOAD_ATTEMPTS"])
    return FixedWindowRateLimiter(signin_limits().storage).hit(limit, "upload", str(user_id))
