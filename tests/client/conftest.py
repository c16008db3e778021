"""A fake jobqueue API behind `httpx.MockTransport`, a fake clock, and clients and a CLI runner
wired to them (no network, no real sleeping)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

import jobq
from jobq.cli import app
from jobq.cli import state as cli_state

BASE_URL = "http://api.test"
KEY = "jq_test_key"


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    error: Exception | None = None  # raised instead of answering (a transport failure)
    text: str | None = None  # a body that is not JSON


class FakeApi:
    """Answers per (method, path): queued answers are used in turn, the last one repeats.
    A request with no answer configured fails the test. Every request is recorded."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], list[Answer]] = {}
        self.requests: list[httpx.Request] = []

    def on(self, method: str, path: str, *answers: Answer | Any, status: int = 200) -> FakeApi:
        queue = self.answers.setdefault((method, path), [])
        queue.extend(a if isinstance(a, Answer) else Answer(status, a) for a in answers)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.answers.get((request.method, request.url.path))
        if not queue:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if answer.error is not None:
            raise answer.error
        if answer.text is not None:
            return httpx.Response(answer.status, text=answer.text, headers=answer.headers)
        content = b"" if answer.body is None else json.dumps(answer.body).encode()
        headers = {"Content-Type": "application/json", **answer.headers}
        return httpx.Response(answer.status, content=content, headers=headers)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)

    def queries(self) -> list[dict[str, str]]:
        return [dict(r.url.params) for r in self.requests]


def sends(api: FakeApi, client, call, method, path, query, body, answer, check) -> None:
    """The call sends exactly this request, with the key, and reads the answer so that `check` holds."""
    api.on(method, path, answer)

    result = call(client)

    request = api.last
    assert (request.method, request.url.path, dict(request.url.params)) == (method, path, query)
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert (request.content and api.body()) == (body if body is not None else b"")
    assert check(result)


class FakeClock:
    """Monotonic time that only moves when the code under test sleeps; records each sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


NO_JITTER = jobq.Backoff(base=0.5, cap=8.0, max_retry_after=60.0, jitter=lambda: 1.0)


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(api: FakeApi, clock: FakeClock) -> jobq.Client:
    return jobq.Client(
        BASE_URL, KEY, transport=httpx.MockTransport(api), backoff=NO_JITTER, sleep=clock.sleep, clock=clock
    )


@pytest.fixture
def async_client(api: FakeApi, clock: FakeClock) -> jobq.AsyncClient:
    return jobq.AsyncClient(
        BASE_URL,
        KEY,
        transport=httpx.MockTransport(api),
        backoff=NO_JITTER,
        sleep=clock.async_sleep,
        clock=clock,
    )


@pytest.fixture
def cli(api: FakeApi, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Runs `jobq ARGS...` in-process against the fake API (JOBQ_URL and JOBQ_API_KEY set)."""
    monkeypatch.setenv("JOBQ_URL", BASE_URL)
    monkeypatch.setenv("JOBQ_API_KEY", KEY)
    monkeypatch.setenv("COLUMNS", "200")  # Rich would wrap long lines at 80 columns

    def factory(url: str | None, key: str | None) -> jobq.Client:
        transport = httpx.MockTransport(api)
        return jobq.Client(url, key, transport=transport, backoff=NO_JITTER, sleep=clock.sleep, clock=clock)

    monkeypatch.setattr(cli_state, "client_factory", factory)
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return run
