"""What every command shares: the global options, the client (made on first use by
`client_factory`, which tests replace), and the translation of errors into exit statuses:
1 for an API or connection error (its code and message on stderr), 2 for a usage error."""

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from jobq.cli.render import err
from jobq.client import Client
from jobq.errors import ApiError, ConfigurationError, JobqError, WaitTimeout

F = TypeVar("F", bound=Callable[..., Any])

ClientFactory = Callable[[str | None, str | None], Client]


def default_factory(url: str | None, api_key: str | None) -> Client:
    return Client(url, api_key)


client_factory: ClientFactory = default_factory
"""Makes the CLI's client from `--url` / `--api-key` (None: the environment). Tests replace it."""


JsonFlag = Annotated[bool, typer.Option("--json", help="Print the API's JSON answer.")]


@dataclass
class State:
    url: str | None = None
    api_key: str | None = None
    json: bool = False
    _client: Client | None = field(default=None, repr=False)

    def client(self) -> Client:
        if self._client is None:
            try:
                self._client = client_factory(self.url, self.api_key)
            except ConfigurationError as error:
                raise fail(f"usage error: {error} (see jobq --help)", code=2) from error
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def state(ctx: typer.Context) -> State:
    """The State of the root command, whatever the depth of the subcommand."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def wants_json(ctx: typer.Context, flag: bool) -> bool:
    return flag or state(ctx).json


def fail(message: str, code: int = 1) -> typer.Exit:
    err().print(message)
    return typer.Exit(code)


def api_errors(command: F) -> F:
    """Run a command; an `ApiError` or a connection failure exits 1 with its code on stderr."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ApiError as error:
            details = f" {json.dumps(error.details, default=str)}" if error.details else ""
            raise fail(f"error: {error.code}: {error.message}{details}") from error
        except WaitTimeout as error:
            raise fail(f"error: timeout: {error}") from error
        except JobqError as error:
            raise fail(f"error: {error}") from error

    return run  # type: ignore[return-value]


def json_argument(value: str | None, option: str) -> Any:
    """A JSON option: the text itself, `@path` for a file's content, `-` for standard input.

    Raises:
        typer.BadParameter: unreadable file or text that is not JSON (exit status 2).
    """
    if value is None:
        return None
    source = value
    try:
        if value == "-":
            source = sys.stdin.read()
        elif value.startswith("@"):
            source = Path(value[1:]).read_text()
    except OSError as error:
        raise typer.BadParameter(f"cannot read {value[1:]}: {error.strerror}", param_hint=option) from error
    try:
        return json.loads(source)
    except ValueError as error:
        raise typer.BadParameter(f"not valid JSON ({error})", param_hint=option) from error


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(value: str | None, option: str) -> int | None:
    """`90`, `90s`, `15m`, `2h` or `1d` as seconds."""
    if value is None:
        return None
    text = value.strip().lower()
    number, unit = (text[:-1], text[-1]) if text[-1:] in _UNITS else (text, "s")
    try:
        amount = float(number)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a duration (90, 90s, 15m, 2h, 1d)", param_hint=option
        ) from None
    return round(amount * _UNITS[unit])
