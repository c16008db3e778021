"""Faults injected into ports: a port whose named methods raise or run a stand-in, the rest going
to the real one. Use cases take their ports as arguments, so a test hands this in; nothing is
patched."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from jobqueue.ports import Ports


class Faulty:
    def __init__(self, inner: Any, **replacements: Callable[..., Any]):
        self._inner = inner
        self._replacements = replacements
        self.calls: dict[str, int] = dict.fromkeys(replacements, 0)

    def __getattr__(self, name: str) -> Any:
        replacement = self._replacements.get(name)
        if replacement is None:
            return getattr(self._inner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return replacement(*args, **kwargs)

        return counted


def raising(error: BaseException) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise error

    return fail


def replace_ports(ports: Ports, **changes: Any) -> Ports:
    return dataclasses.replace(ports, **changes)
