"""The URLs the service POSTs to for a tenant (callbacks, webhooks, alert notifications):
https with a host and no credentials. `WEBHOOK_ALLOW_INSECURE_HTTP=1` (the local stack, tests)
also allows http."""

from __future__ import annotations

from urllib.parse import urlsplit

from jobqueue.settings import get_settings


def check_post_url(value: str) -> str:
    """The URL itself; ValueError when it is not one the service may POST to."""
    parts = urlsplit(value)
    allowed = ("https", "http") if get_settings().webhook_allow_insecure_http else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise ValueError("must be an https:// URL with a host")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials")
    return value
