"""`synchronized`: one lock per fake, held by each public method, so a fake keeps the atomic
check-and-write of the service it stands for when the worker's record threads share it."""

from __future__ import annotations

import functools
import inspect
import threading
from typing import Any, TypeVar

T = TypeVar("T", bound=type)


def synchronized(cls: T) -> T:
    """Wrap every public method of `cls` (its own, not inherited) in the instance's lock."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(member):
            continue
        setattr(cls, name, _locked(member))
    return cls


def _locked(method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _lock_of(self):
            return method(self, *args, **kwargs)

    return wrapper


def _lock_of(instance: Any) -> threading.RLock:
    # dict.setdefault is atomic: two threads get the same lock
    return instance.__dict__.setdefault("_fake_lock", threading.RLock())
