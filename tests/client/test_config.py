"""The URL and key come from the arguments or JOBQ_URL / JOBQ_API_KEY; without them, a clear error."""

from __future__ import annotations

import httpx
import pytest

import jobq
from tests.client import samples
from tests.client.conftest import FakeApi


def test_the_environment_supplies_url_and_key(api: FakeApi, monkeypatch):
    monkeypatch.setenv("JOBQ_URL", "http://env.test/stage/")
    monkeypatch.setenv("JOBQ_API_KEY", "jq_from_env")
    api.on("GET", "/stage/v1/health", samples.HEALTH)

    with jobq.Client(transport=httpx.MockTransport(api)) as client:
        client.health()

    assert str(api.last.url) == "http://env.test/stage/v1/health"
    assert api.last.headers["Authorization"] == "Bearer jq_from_env"
    assert api.last.headers["User-Agent"].startswith("jobq-python")


def test_arguments_win_over_the_environment(api: FakeApi, monkeypatch):
    monkeypatch.setenv("JOBQ_URL", "http://env.test")
    monkeypatch.setenv("JOBQ_API_KEY", "jq_from_env")
    api.on("GET", "/v1/health", samples.HEALTH)

    jobq.Client("http://arg.test", "jq_arg", transport=httpx.MockTransport(api)).health()

    assert api.last.url.host == "arg.test" and api.last.headers["Authorization"] == "Bearer jq_arg"


@pytest.mark.parametrize("cls", [jobq.Client, jobq.AsyncClient])
def test_without_url_or_key_the_error_says_what_to_set(monkeypatch, cls):
    monkeypatch.delenv("JOBQ_URL", raising=False)
    monkeypatch.delenv("JOBQ_API_KEY", raising=False)

    with pytest.raises(jobq.ConfigurationError, match=r"JOBQ_URL.*JOBQ_API_KEY"):
        cls()
    with pytest.raises(jobq.ConfigurationError, match="JOBQ_API_KEY"):
        cls("http://api.test")
    with pytest.raises(jobq.ConfigurationError, match="http"):
        cls("api.test", "k")
