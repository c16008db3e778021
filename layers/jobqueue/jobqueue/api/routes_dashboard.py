"""`GET /dashboard`: the web dashboard (docs/dashboard.md), static files of the package folder
`jobqueue/api/dashboard/`: a page, a stylesheet and a script that calls the JSON API with the
key the user types in (kept in the tab's sessionStorage). No key is needed to load them.

The files are read on first request and kept for the life of the process. The page names its
assets with a version (a hash of their content) so they can be cached for good while the page
itself is revalidated on every load.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from jobqueue.errors import NotFound

router = Router()

FOLDER = Path(__file__).with_name("dashboard")
PAGE = "index.html"
ASSETS = {
    "dashboard.css": "text/css; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
}
VERSION_MARK = "__ASSET_VERSION__"

# The page loads only its own script and stylesheet and talks only to this API; SVG charts are
# built through the DOM, so no inline script or style is ever needed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
REVALIDATE = "no-cache"
FOREVER = "public, max-age=31536000, immutable"


@cache
def _read(name: str) -> str:
    return (FOLDER / name).read_text(encoding="utf-8")


@cache
def asset_version() -> str:
    digest = hashlib.sha256()
    for name in sorted(ASSETS):
        digest.update(_read(name).encode())
    return digest.hexdigest()[:12]


@cache
def page() -> str:
    return _read(PAGE).replace(VERSION_MARK, asset_version())


def _answer(content_type: str, body: str, cache_control: str, **headers: str) -> Response:
    return Response(
        status_code=200,
        content_type=content_type,
        body=body,
        headers={**COMMON_HEADERS, "Cache-Control": cache_control, **headers},
    )


@router.get("/dashboard", include_in_schema=False)
def dashboard_page():  # unannotated: Powertools would try to model the return type
    return _answer(
        "text/html; charset=utf-8", page(), REVALIDATE, **{"Content-Security-Policy": CONTENT_SECURITY_POLICY}
    )


@router.get("/dashboard/<asset>", include_in_schema=False)
def dashboard_asset(asset: str):
    content_type = ASSETS.get(asset)
    if content_type is None:
        raise NotFound("no such dashboard file", {"asset": asset, "known": sorted(ASSETS)})
    # Cached for good only when asked for by the current version (as the page asks for it).
    versioned = _query(router).get("v") == asset_version()
    return _answer(content_type, _read(asset), FOREVER if versioned else REVALIDATE)


def _query(router: Router) -> dict[str, Any]:
    return router.current_event.query_string_parameters or {}
