"""Download of an uploaded original: the office for any entity, an entity team for its own."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user

from data.db import store_of
from data.models import Entity, Upload
from etl.storage import read_original

blueprint = Blueprint("files", __name__)


@blueprint.route("/submissions/file/<int:upload_id>")
def original(upload_id: int):
    with store_of(current_app).session() as db:
        upload = db.get(Upload, upload_id)
        if upload is None:
            abort(404)
        entity = db.get(Entity, upload.entity_id).code if upload.entity_id else None
        if not _may_download(entity):
            abort(403)
        data = read_original(Path(current_app.config["UPLOAD_DIR"]), upload.stored_name)
        name = upload.file_name
    return send_file(
        io.BytesIO(data),
        download_name=name,
        as_attachment=True,
        mimetype="application/octet-stream",
    )


def _may_download(entity_code: str | None) -> bool:
    if current_user.role in ("supervisor", "admin"):
        return True
    return current_user.role == "entity" and entity_code == current_user.entity_code
