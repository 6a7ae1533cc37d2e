"""The desk on the dashboard: `POST /api/corrections` takes an editor's correction (merge,
move, split, pin, unpin) and answers once the event stage applied it; `GET /api/desk`
tells the page whether it may correct, and why not.

Who may: with `WIREWATCH_EDITOR_TOKEN` set, whoever presents it (`Authorization: Bearer
…`); without one, anyone on a dashboard that listens on loopback only; on a dashboard
that listens beyond loopback without a token, nobody: the page is read-only and says so.
A correction must come as JSON from the page's own origin, so that another site open in
the editor's browser cannot send one (a JSON POST needs a CORS preflight, never granted).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from dataclasses import dataclass
from typing import Any, get_args
from urllib.parse import urlsplit

from aiohttp import web

from pipeline.errors import BrokerError, CorrectionRejected, CorrectionTimeout
from pipeline.newsroom.desk import make_correction, submit
from pipeline.settings import Settings
from pipeline.store import Store
from schemas.messages import CorrectionAction

ACTIONS = set(get_args(CorrectionAction))
APPLY_TIMEOUT_S = 30.0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name, or "0.0.0.0": reachable from elsewhere


@dataclass(frozen=True)
class DeskPolicy:
    """Whether corrections are accepted, and on what condition."""

    token: str | None
    loopback: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> DeskPolicy:
        token = settings.editor_token.get_secret_value() if settings.editor_token else None
        return cls(token, is_loopback(settings.dashboard_host))

    @property
    def editable(self) -> bool:
        return self.token is not None or self.loopback

    def describe(self) -> dict[str, Any]:
        if self.token is not None:
            reason = "corrections need the editor token"
        elif self.loopback:
            reason = "corrections open: the dashboard listens on loopback only"
        else:
            reason = (
                "read-only: this dashboard listens beyond loopback and no editor token is "
                "set (WIREWATCH_EDITOR_TOKEN)"
            )
        return {
            "editable": self.editable,
            "token_required": self.token is not None,
            "reason": reason,
        }

    def allows(self, presented: str | None) -> bool:
        if not self.editable:
            return False
        if self.token is None:
            return True
        return presented is not None and hmac.compare_digest(
            presented.encode(), self.token.encode()
        )


POLICY = web.AppKey("desk_policy", DeskPolicy)
SETTINGS = web.AppKey("desk_settings", Settings)
STORE = web.AppKey("desk_store", Store)


def add_desk_routes(app: web.Application, settings: Settings, store: Store) -> None:
    app[POLICY] = DeskPolicy.from_settings(settings)
    app[SETTINGS] = settings
    app[STORE] = store
    app.router.add_get("/api/desk", desk_info)
    app.router.add_post("/api/corrections", post_correction)


async def desk_info(request: web.Request) -> web.Response:
    return web.json_response(request.app[POLICY].describe())


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _bearer(request: web.Request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


def _text(body: dict[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError(f"{name} must be a string of at most {limit} characters")
    return value


async def post_correction(request: web.Request) -> web.Response:
    policy = request.app[POLICY]
    if not policy.editable:
        return _error(403, policy.describe()["reason"])
    if request.content_type != "application/json":
        return _error(415, "send the correction as application/json")
    if not _same_origin(request):
        return _error(403, "corrections are taken from this dashboard's own page only")
    if not policy.allows(_bearer(request)):
        return _error(401, "a valid editor token is needed (Authorization: Bearer …)")
    try:
        body = await request.json()
        if not isinstance(body, dict) or body.get("action") not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(sorted(ACTIONS))}")
        article_ids = body.get("article_ids") or []
        if not isinstance(article_ids, list) or not all(
            isinstance(a, str) and 0 < len(a) <= 512 for a in article_ids
        ):
            raise ValueError("article_ids must be a list of article ids")
        correction = make_correction(
            body["action"],
            event_id=_text(body, "event_id", 64),
            from_event_id=_text(body, "from_event_id", 64),
            article_ids=article_ids,
            by=_text(body, "by", 200) or "dashboard",
            note=_text(body, "note", 2000) or "",
        )
    except ValueError as exc:
        return _error(400, str(exc))
    settings, store = request.app[SETTINGS], request.app[STORE]
    try:
        record = await asyncio.to_thread(
            submit, settings, store, correction, timeout_s=APPLY_TIMEOUT_S
        )
    except CorrectionRejected as exc:
        return _error(422, str(exc))
    except CorrectionTimeout as exc:
        return _error(504, str(exc))
    except BrokerError as exc:
        return _error(503, str(exc))
    return web.json_response(record)
