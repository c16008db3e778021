"""Handler plugins: a registered name, a pydantic payload model, a category, the job types it runs
and a default timeout.

A leaf: this module imports no handler. `@handler(...)` marks a function with its `HandlerSpec`
and returns it unchanged; a `Registry` is built from specs (`Registry(specs)`, or
`Registry.from_modules(...)` for every marked function of some modules) and never changes
afterwards. The built-in registry is `jobqueue.wiring.default_registry()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from jobqueue.errors import NotFound
from jobqueue.models.job import Category, Job, JobType

ALL_JOB_TYPES = frozenset(JobType)
_SPEC_ATTRIBUTE = "__jobqueue_handler__"


@dataclass
class JobContext:
    """What a handler gets besides its payload."""

    job: Job
    timeout_seconds: float
    cancelled: threading.Event = field(default_factory=threading.Event)

    @property
    def attempt(self) -> int:
        return self.job.attempts


HandlerFunc = Callable[[Any, JobContext], Any]


@dataclass(frozen=True)
class HandlerSpec:
    name: str
    category: Category
    payload_model: type[BaseModel]
    func: HandlerFunc
    job_types: frozenset[JobType] = ALL_JOB_TYPES
    default_timeout_seconds: int = 30
    description: str = ""

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "category": self.category.value,
            "description": self.description,
            "job_types": sorted(t.value for t in self.job_types),
            "default_timeout_seconds": self.default_timeout_seconds,
            "payload_schema": self.payload_model.model_json_schema(),
        }


def handler(
    name: str,
    category: Category | str,
    payload: type[BaseModel],
    *,
    timeout_seconds: int = 30,
    job_types: Iterable[JobType] = ALL_JOB_TYPES,
    description: str = "",
) -> Callable[[HandlerFunc], HandlerFunc]:
    """Mark `func(payload, ctx)` as the handler `name`; the function is returned unchanged.

    Raises:
        ValueError: `category` is not one of `Category`.
    """
    kind = Category(category)

    def decorate(func: HandlerFunc) -> HandlerFunc:
        spec = HandlerSpec(
            name=name,
            category=kind,
            payload_model=payload,
            func=func,
            job_types=frozenset(job_types),
            default_timeout_seconds=timeout_seconds,
            description=description or _first_line(func.__doc__),
        )
        setattr(func, _SPEC_ATTRIBUTE, spec)
        return func

    return decorate


def spec_of(func: HandlerFunc) -> HandlerSpec:
    """The spec `@handler` gave `func`."""
    spec = getattr(func, _SPEC_ATTRIBUTE, None)
    if not isinstance(spec, HandlerSpec):
        raise ValueError(f"{getattr(func, '__name__', func)!r} is not marked with @handler")
    return spec


def specs_in(module: ModuleType) -> list[HandlerSpec]:
    """The specs of every function of `module` marked with `@handler`, in definition order."""
    return [
        value.__dict__[_SPEC_ATTRIBUTE]
        for value in vars(module).values()
        if callable(value) and isinstance(getattr(value, "__dict__", {}).get(_SPEC_ATTRIBUTE), HandlerSpec)
    ]


class Registry:
    """The handlers by name; immutable once built."""

    def __init__(self, specs: Iterable[HandlerSpec] = ()):
        self._specs: dict[str, HandlerSpec] = {}
        for spec in specs:
            if spec.name in self._specs:
                raise ValueError(f"handler {spec.name!r} registered twice")
            self._specs[spec.name] = spec

    @classmethod
    def from_modules(cls, *modules: ModuleType) -> Registry:
        return cls(spec for module in modules for spec in specs_in(module))

    def get(self, name: str) -> HandlerSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise NotFound(f"no handler named {name!r}", {"handler": name}) from None

    def __contains__(self, name: str) -> bool:
        return name in self._specs

    def all(self) -> list[HandlerSpec]:
        return [self._specs[name] for name in sorted(self._specs)]


def _first_line(doc: str | None) -> str:
    return doc.strip().splitlines()[0] if doc and doc.strip() else ""
