"""Where the client finds the API URL and key: the arguments, else `JOBQ_URL` / `JOBQ_API_KEY`."""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version

from jobq.errors import ConfigurationError

URL_ENV = "JOBQ_URL"
KEY_ENV = "JOBQ_API_KEY"
DEFAULT_TIMEOUT = 30.0

try:
    USER_AGENT = f"jobq-python/{version('jobq')}"
except PackageNotFoundError:  # imported from a source tree that was not installed
    USER_AGENT = "jobq-python"


def resolve(url: str | None, api_key: str | None) -> tuple[str, str]:
    """The base URL (without a trailing slash) and the API key; raises `ConfigurationError`."""
    url = url or os.environ.get(URL_ENV)
    api_key = api_key or os.environ.get(KEY_ENV)
    missing = []
    if not url:
        missing.append(f"the API URL (url=... or {URL_ENV})")
    if not api_key:
        missing.append(f"an API key (api_key=... or {KEY_ENV})")
    if missing:
        raise ConfigurationError("jobq needs " + " and ".join(missing))
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"the API URL must start with http:// or https://, not {url!r}")
    return url.rstrip("/"), api_key


def headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT, "Accept": "application/json"}
