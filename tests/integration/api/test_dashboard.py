"""The dashboard through the api function: the page and its two assets load without a key, with
their content types and caching; other names are a 404 in the error shape; everything the page
loads comes from this API (it must work offline on `make run`), and the script only ever puts
API data into the page as text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

ASSETS = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}


class References(HTMLParser):
    """Every URL the page makes the browser load or send to: src, href and form actions."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href", "action") and value]


def page(api):
    return api.call("api_dashboard", principal=None)


def asset(api, name: str, query: dict[str, str] | None = None):
    return api.call("api_dashboard", path=f"/dashboard/{name}", query=query, principal=None)


def test_the_page_loads_without_a_key_as_html_with_a_content_security_policy(api):
    response = page(api)

    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>jobqueue dashboard</title>" in response.body
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert response.headers["Cache-Control"] == "no-cache"  # a new deploy shows at the next load
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", sorted(ASSETS))
def test_each_asset_the_page_names_loads_with_its_content_type_and_is_cached_for_good(api, name):
    (url,) = [u for u in _references(page(api).body) if u.split("?")[0].endswith(name)]
    path, version = url.split("?v=")

    response = asset(api, name, {"v": version})

    assert path == f"dashboard/{name}"  # relative: the page works under any base path
    assert response.status == 200 and response.headers["Content-Type"] == ASSETS[name]
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert len(response.body) > 1000


def test_an_asset_asked_for_without_the_current_version_is_revalidated(api):
    response = asset(api, "dashboard.js", {"v": "old"})

    assert response.status == 200 and response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("name", ["index.html", "secrets.py", "..%2Fapp.py", "dashboard.JS"])
def test_any_other_name_is_a_404_in_the_error_shape(api, name):
    response = asset(api, name)

    assert response.status == 404 and response.error_code == "not_found"
    assert response.details["known"] == sorted(ASSETS)


def test_the_page_only_loads_files_of_this_api(api):
    html = page(api).body

    urls = _references(html)

    assert urls and all(not re.match(r"^[a-z][a-z0-9+.-]*:|^//", u) or u == "data:," for u in urls), urls
    assert not re.search(r"https?://", html)  # no CDN, no web font, no other host


def test_the_stylesheet_and_the_script_fetch_nothing_from_elsewhere(api):
    css = asset(api, "dashboard.css").body
    js = asset(api, "dashboard.js").body

    assert "@import" not in css and not re.search(r"url\(", css)
    # The only absolute URL in the script is the SVG namespace (a name, never fetched).
    assert set(re.findall(r"https?://[^\s'\"`]+", js)) == {"http://www.w3.org/2000/svg"}
    assert "fetch(BASE + path" in js  # every request goes to this API


def test_the_script_never_writes_markup_and_keeps_the_key_in_the_tab_only(api):
    js = asset(api, "dashboard.js").body

    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js, sink
    assert "sessionStorage" in js
    assert "localStorage" not in js and "document.cookie" not in js


def test_the_routes_stay_out_of_the_openapi_document(api):
    paths = api.call("api_openapi", principal=None).body["paths"]

    assert not [p for p in paths if p.startswith("/dashboard")]


def _references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    return parser.urls
