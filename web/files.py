"""Download of an uploaded original: the office for any entity, an entity team for its own
(`services.submissions.original` decides)."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, abort, current_app, send_file

from data.db import store_of
from services import submissions
from services.actors import Denied
from web.access import current_actor
from web.auth import refuse

blueprint = Blueprint("files", __name__)


@blueprint.route("/submissions/file/<int:upload_id>")
def original(upload_id: int):
    folder = Path(current_app.config["UPLOAD_DIR"])
    try:
        with store_of(current_app).session() as db:
            kept = submissions.original(db, current_actor(), folder, upload_id)
    except submissions.NotYours:  # the same answer as no such file, so ids reveal nothing
        refuse(404, upload=upload_id)
    except LookupError:
        abort(404)
    except Denied:
        refuse(403, upload=upload_id)
    return send_file(
        io.BytesIO(kept.data),
        download_name=kept.name,
        as_attachment=True,
        mimetype="application/octet-stream",
    )
