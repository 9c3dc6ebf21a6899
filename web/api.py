"""The read API `/api/v1` (docs/api.md): thin routes over `services/`.

Who asks: `Authorization: Bearer TOKEN` (the token's user; a revoked token or an inactive user is
401), else the signed-in browser session. The app's one guard (web/auth.py) leaves `/api/` to this
module, which answers every refusal as JSON `{"error": {"code", "message"}}` (400, 401, 403, 404),
never with the sign-in page. What an actor may see is decided in `services.actors` only.

flask-smorest describes the routes as OpenAPI 3 at `/api/v1/openapi.json`; `/api/v1/docs` is a
plain HTML page drawn from that description on the server (no script, so it works under the app's
Content-Security-Policy, which forbids external and inline scripts)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import flask
import marshmallow as ma
from flask import Flask, current_app, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import HTTPException

from data.cache import results_of
from data.db import store_of
from data.tokens import token_user
from reports.opendata import OBSERVATION_FIELDS
from services import api_view, releases
from services.actors import Actor, Denied
from services.observations import FIELDS, QueryProblem, observations, parse_query
from web.access import current_actor
from web.auth import audit_refusal, limiter
from web.opendata import PUBLIC_RATE

PREFIX = "/api/v1"
API_PATHS = "/api/"
FORMATS = ("json", "csv")
PUBLIC_PATH = f"{PREFIX}/public/observations"
PUBLIC_FIELDS = tuple(name for name, _type, _about in OBSERVATION_FIELDS)
CSV_UNSAFE = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run a cell starting so

MESSAGES = {
    "unauthenticated": _l(
        "Sign in, or send an API token in the Authorization header (Bearer TOKEN)."
    ),
    "bad_token": _l(
        "This API token is not valid: it was revoked, or its account is switched off. Ask the "
        "programme office for a new one."
    ),
    "password_reset": _l("Choose a new password in the tracker first, then try again."),
    "forbidden": _l("Your role does not include this. Ask the programme office if you need it."),
    "not_found": _l("There is nothing at this address. The endpoints are listed at %(docs)s."),
    "bad_status": _l("%(field)s must be approved or all, not %(value)s."),
    "bad_period": _l("%(field)s must be a period such as 2024-Q3 or 2024, not %(value)s."),
    "bad_quarter": _l("%(field)s must be a quarter such as 2024-Q3, not %(value)s."),
    "bad_range": _l("startPeriod %(start)s comes after endPeriod %(end)s: swap them."),
    "bad_moment": _l(
        "%(field)s must be a date or a date and time such as 2025-01-31 or "
        "2025-01-31T12:00:00, not %(value)s."
    ),
    "bad_format": _l("format must be json or csv, not %(value)s."),
    "bad_request": _l("This request cannot be answered as sent: check its parameters."),
    "unknown_entity": _l("There is no entity %(value)s. The entities are at /api/v1/entities."),
    "unknown_kpi": _l("There is no KPI %(value)s. The KPIs are at /api/v1/kpis."),
    "unknown_period": _l(
        "There are no figures for %(value)s. Leave period out for the latest quarter."
    ),
    "too_many": _l("Too many requests from this address. Wait a minute, then try again."),
    "file_damaged": _l(
        "A published file failed its SHA-256 check, so nothing is served from it. The error is "
        "logged for the operators; try again later."
    ),
}

blueprint = Blueprint(
    "api",
    __name__,
    url_prefix=PREFIX,
    description="Read-only: the programme's KPIs, entities, figures and picture, with the same "
    "access as the pages. JSON by default, `?format=csv` for CSV (UTF-8 with a byte-order mark).",
)

# the documentation page and the JSON 404 for unknown addresses: not endpoints of the description
pages = flask.Blueprint("api_pages", __name__, url_prefix=PREFIX)


class ApiError(Exception):
    """A refusal answered as JSON `{"error": {"code", "message", "reason", ...}}`."""

    def __init__(self, status: int, reason: str, **params: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.params = params


# --- schemas: parameters and answers, for the OpenAPI description ---------------------------


class Lenient(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE  # an unknown parameter is ignored, as on the pages


class FormatArgs(Lenient):
    format = ma.fields.String(
        metadata={"description": "`json` (default) or `csv`", "enum": list(FORMATS)}
    )


class ObservationArgs(FormatArgs):
    entity = ma.fields.String(metadata={"description": "entity code, e.g. MOH"})
    kpi = ma.fields.String(metadata={"description": "KPI code, e.g. T1.1"})
    startPeriod = ma.fields.String(
        metadata={"description": "first period (by its end), e.g. 2024-Q1 or 2024"}
    )
    endPeriod = ma.fields.String(metadata={"description": "last period (by its end), e.g. 2025-Q4"})
    status = ma.fields.String(
        metadata={
            "description": "`approved` (default): official figures; `all`: also figures awaiting "
            "review or returned, for roles that see them (the office; an entity team for its own "
            "entity)",
            "enum": ["approved", "all"],
        }
    )
    updatedAfter = ma.fields.String(
        metadata={"description": "only figures submitted or reviewed after this ISO 8601 time"}
    )


class ProgrammeArgs(FormatArgs):
    period = ma.fields.String(
        metadata={"description": "as-of quarter, e.g. 2025-Q4 (default: latest approved)"}
    )
    status = ma.fields.String(
        metadata={
            "description": "`approved` (default) or `all` (the office: with figures awaiting "
            "approval)",
            "enum": ["approved", "all"],
        }
    )


class KpiSchema(ma.Schema):
    code = ma.fields.String()
    track = ma.fields.String()
    name_en = ma.fields.String()
    name_ar = ma.fields.String()
    unit = ma.fields.String()
    direction = ma.fields.String()
    scope = ma.fields.String()
    aggregation = ma.fields.String()
    frequency = ma.fields.String()
    baseline = ma.fields.Float(allow_none=True)
    baseline_year = ma.fields.Integer(allow_none=True)
    target = ma.fields.Float(allow_none=True)
    target_year = ma.fields.Integer(allow_none=True)
    comparator = ma.fields.String()
    owner = ma.fields.String(allow_none=True)
    cycle = ma.fields.String(metadata={"description": "the programme cycle, e.g. 2021-2025"})
    continues = ma.fields.String(
        allow_none=True,
        metadata={"description": "code of the KPI of the cycle before that this one continues"},
    )


class EntitySchema(ma.Schema):
    code = ma.fields.String()
    name_en = ma.fields.String()
    name_ar = ma.fields.String()


class ObservationSchema(ma.Schema):
    entity = ma.fields.String()
    kpi = ma.fields.String()
    period = ma.fields.String()
    value = ma.fields.Float(allow_none=True)
    numerator = ma.fields.Float(allow_none=True)
    denominator = ma.fields.Float(allow_none=True)
    status = ma.fields.String(
        metadata={"description": "of the submission: approved, submitted or returned"}
    )
    revision = ma.fields.Integer()
    approved_at = ma.fields.DateTime(allow_none=True)


class CoverageSchema(ma.Schema):
    reported = ma.fields.Integer()
    expected = ma.fields.Integer()


class ForecastSchema(ma.Schema):
    value = ma.fields.Float(allow_none=True)
    verdict = ma.fields.String()


class ChangeSchema(ma.Schema):
    from_period = ma.fields.String()
    to_period = ma.fields.String()
    before = ma.fields.Float(allow_none=True)
    now = ma.fields.Float(allow_none=True)
    entities_compared = ma.fields.Integer(allow_none=True)


class KpiPictureSchema(ma.Schema):
    code = ma.fields.String()
    track = ma.fields.String()
    period = ma.fields.String(
        allow_none=True, metadata={"description": "the period of `value` (a year for annual KPIs)"}
    )
    value = ma.fields.Float(allow_none=True, metadata={"description": "the national figure"})
    coverage = ma.fields.Nested(CoverageSchema)
    expected = ma.fields.Float(allow_none=True, metadata={"description": "the path's value"})
    status = ma.fields.String()
    progress = ma.fields.Float(allow_none=True)
    forecast = ma.fields.Nested(ForecastSchema)
    change = ma.fields.Nested(
        ChangeSchema,
        allow_none=True,
        metadata={"description": "like for like since the period before; null where none"},
    )


class TrackCountsSchema(ma.Schema):
    code = ma.fields.String()
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class StandingSchema(ma.Schema):
    code = ma.fields.String()
    score = ma.fields.Float(allow_none=True)
    rank = ma.fields.Integer(allow_none=True)
    ranked_among = ma.fields.Integer(metadata={"description": "n in rank r of n"})


class ProgrammeSchema(ma.Schema):
    period = ma.fields.String()
    figures = ma.fields.String(metadata={"description": "approved, or all"})
    kpis = ma.fields.List(ma.fields.Nested(KpiPictureSchema))
    tracks = ma.fields.List(ma.fields.Nested(TrackCountsSchema))
    entities = ma.fields.List(ma.fields.Nested(StandingSchema))
    entities_without_score = ma.fields.Integer()


class ErrorBody(ma.Schema):
    code = ma.fields.Integer()
    message = ma.fields.String()
    reason = ma.fields.String()


class ApiErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBody)


def documented(view):
    """The refusals every endpoint may answer, for the description."""
    for status, what in (
        (400, "a bad parameter"),
        (401, "no session or token"),
        (403, "the role may not"),
        (404, "unknown code"),
    ):
        view = blueprint.alt_response(status, schema=ApiErrorSchema, description=what)(view)
    return view


# --- routes ------------------------------------------------------------------------------------


@blueprint.route("/kpis")
@blueprint.arguments(FormatArgs, location="query", as_kwargs=True)
@blueprint.response(200, KpiSchema(many=True))
@documented
def kpis(format=None):
    """The KPI catalogue, with each KPI's definition in force."""
    _format(format)  # a bad format is refused before any work
    with store_of(current_app).session() as db:
        rows = api_view.kpi_catalogue(db, actor())
    return answer(rows, format, "kpis", api_view.KPI_FIELDS)


@blueprint.route("/entities")
@blueprint.arguments(FormatArgs, location="query", as_kwargs=True)
@blueprint.response(200, EntitySchema(many=True))
@documented
def entities(format=None):
    """The active entities (ministries and authorities)."""
    _format(format)  # a bad format is refused before any work
    with store_of(current_app).session() as db:
        rows = api_view.entity_list(db, actor())
    return answer(rows, format, "entities", ("code", "name_en", "name_ar"))


@blueprint.route("/observations")
@blueprint.arguments(ObservationArgs, location="query", as_kwargs=True)
@blueprint.response(200, ObservationSchema(many=True))
@documented
def observations_(format=None, **args):
    """Figures per entity, KPI and period: the official figure (latest approved revision) and,
    with `status=all`, a newer revision awaiting review or returned, each row with its status."""
    _format(format)  # a bad format is refused before any work
    query = parse_query(
        entity=args.get("entity"),
        kpi=args.get("kpi"),
        start_period=args.get("startPeriod"),
        end_period=args.get("endPeriod"),
        status=args.get("status"),
        updated_after=args.get("updatedAfter"),
    )
    with store_of(current_app).session() as db:
        rows = [row.public() for row in observations(db, actor(), query)]
    return answer(rows, format, "observations", FIELDS)


@blueprint.route("/programme")
@blueprint.arguments(ProgrammeArgs, location="query", as_kwargs=True)
@blueprint.response(200, ProgrammeSchema)
@documented
def programme(format=None, period=None, status=None):
    """The picture the pages show, as data: per KPI the national figure, coverage, path, status,
    progress, forecast and change; status counts per track; entities' scores and ranks. CSV: one
    row per KPI."""
    _format(format)  # a bad format is refused before any work
    who = actor()
    prog = api_view.programme_for(
        store_of(current_app), results_of(current_app), who, period, status
    )
    picture = api_view.programme_picture(prog, who)
    if _format(format) == "csv":
        return csv_answer(
            api_view.programme_rows(picture),
            api_view.PROGRAMME_CSV_FIELDS,
            f"programme-{picture['period']}",
        )
    return json_answer(picture)


class PublicObservationSchema(ma.Schema):
    ENTITY = ma.fields.String(metadata={"description": "entity code; _T: the national figure"})
    INDICATOR = ma.fields.String(metadata={"description": "KPI code"})
    TIME_PERIOD = ma.fields.String()
    OBS_VALUE = ma.fields.Float(allow_none=True)
    UNIT_MEASURE = ma.fields.String()
    NUMERATOR = ma.fields.Float(allow_none=True)
    DENOMINATOR = ma.fields.Float(allow_none=True)
    EDITION = ma.fields.Integer(metadata={"description": "the edition these figures come from"})


@blueprint.route("/public/observations")
@limiter.limit(PUBLIC_RATE)
@blueprint.doc(security=[])  # no sign-in: the open data, when switched on
@blueprint.arguments(FormatArgs, location="query", as_kwargs=True)
@blueprint.response(200, PublicObservationSchema(many=True))
@documented
def public_observations(format=None):
    """Published figures only, with no sign-in, when the tracker's open data is switched on
    (`OPEN_DATA_PUBLIC=1`; otherwise 404): for each published quarter, the observations of its
    latest edition, as in its open data package (SDMX-CSV columns)."""
    _format(format)  # a bad format is refused before any work
    if not current_app.config.get("OPEN_DATA_PUBLIC"):
        raise ApiError(404, "not_found", docs=f"{PREFIX}/docs")
    folder = Path(current_app.config["RELEASE_DIR"])
    with store_of(current_app).session() as db:
        rows = releases.public_observations(db, folder=folder)
    return answer(rows, format, "observations", PUBLIC_FIELDS)


@pages.route("/docs")
def docs():
    """A readable page of the endpoints, drawn from the OpenAPI description."""
    actor()
    spec = _spec()
    return render_template("api_docs.html", spec=spec, endpoints=_endpoints(spec))


@pages.route("/<path:_rest>")
def unknown(_rest):
    actor()
    raise ApiError(404, "not_found", docs=f"{PREFIX}/docs")


def _spec() -> dict:
    return current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()


def _endpoints(spec: dict) -> list[dict]:
    found = []
    for path, methods in spec.get("paths", {}).items():
        for method, operation in methods.items():
            ok = operation.get("responses", {}).get("200", {})
            schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": operation.get("parameters", []),
                    "fields": _fields(spec, schema),
                }
            )
    return found


def _fields(spec: dict, schema: dict) -> list[str]:
    schema = schema.get("items", schema)
    ref = schema.get("$ref", "")
    target = spec.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
    return list(target.get("properties", {}))


# --- who asks ----------------------------------------------------------------------------------


def actor() -> Actor:
    """The actor `authenticate` found (it has run before every API route)."""
    found = g.get("api_actor")
    if found is None:
        raise ApiError(401, "unauthenticated")
    return found


def authenticate():
    """Before every `/api/` request: the bearer token's user, else the signed-in session."""
    if not request.path.startswith(API_PATHS):
        return None
    if request.path == PUBLIC_PATH and current_app.config.get("OPEN_DATA_PUBLIC"):
        return None  # open data: published figures for anybody (the route checks the setting)
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _space, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "bad_token")
        g.api_actor, g.api_user = _token_actor(token.strip())
        g.actor = g.api_actor  # web.access.current_actor() answers the same for this request
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        raise ApiError(403, "password_reset")
    g.api_actor, g.api_user = current_actor(), current_user
    if g.api_actor is None:
        raise ApiError(401, "unauthenticated")
    return None


def _token_actor(token: str) -> tuple[Actor, SimpleNamespace]:
    with store_of(current_app).transaction() as db:
        user = token_user(db, token)
        try:
            found = Actor.of(user) if user is not None else None
        except (Denied, ValueError):
            found = None
        if found is None:
            raise ApiError(401, "bad_token")
        return found, SimpleNamespace(id=user.id, email=user.email, entity_id=user.entity_id)


# --- answers -----------------------------------------------------------------------------------


def answer(rows: list[dict], format: str | None, name: str, fields: Sequence[str]):
    if _format(format) == "csv":
        return csv_answer(rows, fields, name)
    return json_answer(rows)


def _format(value: str | None) -> str:
    chosen = (value or "json").strip().lower()
    if chosen not in FORMATS:
        raise ApiError(400, "bad_format", value=chosen[:20])
    return chosen


def json_answer(payload, status: int = 200):
    try:
        body = json.dumps(payload, ensure_ascii=False, allow_nan=False, default=_iso)
    except ValueError:  # a non-finite number somewhere: null it, as CSV leaves it empty
        body = json.dumps(_plain(payload), ensure_ascii=False, allow_nan=False)
    return current_app.response_class(body, status=status, mimetype="application/json")


def _iso(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _plain(value):
    """JSON-ready: times as ISO 8601, a non-finite number as null."""
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def csv_answer(rows: Iterable[dict], fields: Sequence[str], name: str):
    """UTF-8 with a byte-order mark (Excel then reads Arabic right); text that a spreadsheet would
    run as a formula is quoted with a leading apostrophe."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([_cell(row.get(field)) for field in fields])
    response = current_app.response_class(out.getvalue().encode("utf-8"), status=200)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _cell(value) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(CSV_UNSAFE):
        return "'" + value
    return str(value)


# --- errors ------------------------------------------------------------------------------------


def error_answer(status: int, reason: str, **params: str):
    template = MESSAGES.get(reason, MESSAGES["bad_request"])
    body = {
        "error": {
            "code": status,
            "message": str(template % params if params else template),
            "reason": reason,
            **params,
        }
    }
    response = json_answer(body, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
    return response


def on_api_error(error: ApiError):
    if error.status == 403:
        _record_refusal(error.reason)
    return error_answer(error.status, error.reason, **error.params)


# raised by the services within the API's routes (the pages handle their own)
@blueprint.errorhandler(Denied)
def on_denied(error: Denied):
    _record_refusal(error.action, error.entity)
    return error_answer(403, "forbidden")


@blueprint.errorhandler(releases.FileDamaged)
def on_file_damaged(error: releases.FileDamaged):
    """A stored edition no longer matches its SHA-256: answer nothing from it, loudly."""
    current_app.logger.error("release file %s does not match its SHA-256", error)
    return error_answer(503, "file_damaged")


@blueprint.errorhandler(QueryProblem)
def on_query_problem(error: QueryProblem):
    return error_answer(error.status, error.code, **error.params)


def on_http_error(error: HTTPException):
    """JSON for the API's paths (a wrong method, a webargs error); elsewhere Flask's own answer."""
    if not request.path.startswith(API_PATHS):
        return error
    status = 400 if error.code == 422 else error.code or 400
    if status == 429:
        return error_answer(429, "too_many")
    return error_answer(
        status,
        "not_found" if status == 404 else "bad_request",
        **({"docs": f"{PREFIX}/docs"} if status == 404 else {}),
    )


def _record_refusal(action: str, entity: str | None = None) -> None:
    """A refusal of access is an audit event, as on the pages (`access.refused`)."""
    query = request.query_string.decode(errors="replace")
    actor = g.get("api_actor")
    role = str(actor.role) if actor else ""
    audit_refusal(
        g.get("api_user"), 403, action=action, entity=entity or "", query=query, role=role
    )


class TrackerApi(Api):
    """flask-smorest's Api without its app-wide error handler: the pages keep their own error
    pages; the API's refusals are answered by `on_http_error` and the handlers above."""

    def _register_error_handlers(self):
        self._app.register_error_handler(HTTPException, on_http_error)


def init_app(app: Flask) -> None:
    app.config.update(
        API_TITLE="GDT Programme Tracker read API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = TrackerApi(app, spec_kwargs={"servers": [{"url": "/"}]})
    api.spec.components.security_scheme("bearerToken", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme(
        "browserSession", {"type": "apiKey", "in": "cookie", "name": "session"}
    )
    api.spec.options["security"] = [{"bearerToken": []}, {"browserSession": []}]
    from web import api_budget, api_initiatives  # noqa: F401  (their routes join `blueprint`)

    api.register_blueprint(blueprint)
    app.register_blueprint(pages)
    # any other address under /api/ (a /api/v2, say): JSON 404, never a page of the app
    app.add_url_rule("/api/", "api_unknown_root", unknown, defaults={"_rest": ""})
    app.add_url_rule("/api/<path:_rest>", "api_unknown", unknown)
    app.before_request(authenticate)
    app.register_error_handler(ApiError, on_api_error)
