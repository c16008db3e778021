"""Handler plugins: a registered name, a pydantic payload model, a category, the job types it runs
and a default timeout.

A leaf: this module imports no handler. `@handler(...)` marks a function with its `HandlerSpec`
and returns it unchanged; a `Registry` is built from specs (`Registry(specs)`, or
`Registry.from_modules(...)` for every marked function of some modules) and never changes
afterwards. The built-in registry is `jobqueue.wiring.default_registry()`.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from jobqueue.errors import NotFound
from jobqueue.models.job import Category, Job, JobType

ALL_JOB_TYPES = frozenset(JobType)
_SPEC_ATTRIBUTE = "__jobqueue_handler__"
_HOOK_ATTRIBUTE = "__jobqueue_worker_hook__"
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


@dataclass
class JobContext:
    """What a handler gets besides its payload: the job, its attempt and tenant, the time left,
    and an event set when the job must stop (its time limit passed)."""

    job: Job
    timeout_seconds: float
    cancelled: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)

    @property
    def attempt(self) -> int:
        return self.job.attempts

    @property
    def tenant_id(self) -> str:
        return self.job.tenant_id

    def remaining_seconds(self) -> float:
        """Seconds left before the attempt's time limit (0 when it passed)."""
        return max(0.0, self.timeout_seconds - (time.monotonic() - self.started))


HandlerFunc = Callable[[Any, JobContext], Any]
StartHook = Callable[[Any, JobContext], None]
SuccessHook = Callable[[Any, JobContext, Any], None]
FailureHook = Callable[[Any, JobContext, BaseException], None]


@dataclass(frozen=True)
class Hooks:
    """Called around an attempt: `on_start(payload, ctx)` before the handler, then
    `on_success(payload, ctx, result)` or `on_failure(payload, ctx, error)` (a timeout is a
    `TimeoutError`). A hook that raises is logged and changes nothing about the job."""

    on_start: tuple[StartHook, ...] = ()
    on_success: tuple[SuccessHook, ...] = ()
    on_failure: tuple[FailureHook, ...] = ()

    def __add__(self, other: Hooks) -> Hooks:
        return Hooks(
            self.on_start + other.on_start,
            self.on_success + other.on_success,
            self.on_failure + other.on_failure,
        )


@dataclass(frozen=True)
class HandlerSpec:
    name: str
    category: Category
    payload_model: type[BaseModel]
    func: HandlerFunc
    job_types: frozenset[JobType] = ALL_JOB_TYPES
    default_timeout_seconds: int = 30
    description: str = ""
    estimate_seconds: Callable[[Any], float] | None = None
    hooks: Hooks = Hooks()
    module: str = ""
    # Runs with no other record of the worker's batch beside it (CPU-bound, or not thread-safe).
    run_alone: bool = False

    def default_timeout_for(self, payload: Any) -> int:
        """The timeout of a job of this payload when the submission gives none: the handler's
        estimate for it (rounded up, at least 1 s), else `default_timeout_seconds`."""
        if self.estimate_seconds is None:
            return self.default_timeout_seconds
        return max(1, math.ceil(float(self.estimate_seconds(payload))))

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "category": self.category.value,
            "description": self.description,
            "job_types": sorted(t.value for t in self.job_types),
            "default_timeout_seconds": self.default_timeout_seconds,
            "run_alone": self.run_alone,
            "payload_schema": self.payload_model.model_json_schema(),
        }


def handler(
    name: str,
    category: Category | str,
    payload: type[BaseModel],
    *,
    timeout_seconds: int = 30,
    job_types: Iterable[JobType | str] = ALL_JOB_TYPES,
    description: str = "",
    estimate_seconds: Callable[[Any], float] | None = None,
    on_start: StartHook | None = None,
    on_success: SuccessHook | None = None,
    on_failure: FailureHook | None = None,
    run_alone: bool = False,
) -> Callable[[HandlerFunc], HandlerFunc]:
    """Mark `func(payload, ctx)` as the handler `name`; the function is returned unchanged.

    Args:
        name: the name jobs are submitted with (`{"handler": name}`).
        category: one of `Category` (`notification`, `scheduled`, `maintenance`, `cleanup`,
            `data_sync`, `custom_processing`): tenants are allowed categories by their tier.
        payload: the pydantic model a job's payload is validated with (422 at submission).
        timeout_seconds: the default time limit of an attempt (1-900).
        job_types: the job types it may run as (default all).
        description: shown by `GET /v1/handlers` (default the docstring's first line).
        estimate_seconds: `f(payload) -> seconds`: the default time limit for that payload.
        on_start, on_success, on_failure: this handler's lifecycle hooks (see `Hooks`).
        run_alone: the worker runs a batch's records side by side in threads (they mostly wait
            on I/O); True runs this handler's jobs with nothing else beside them: for a
            CPU-bound handler (threads share one interpreter lock) or one that is not
            thread-safe.

    Raises:
        ValueError: a bad name, category, job type or timeout (at import of the module).
    """
    if not _NAME.match(name or ""):
        raise ValueError(f"handler name {name!r}: use a-z, 0-9, _ and - (at most 64, starting with a letter)")
    try:
        kind = Category(category)
    except ValueError:
        allowed = ", ".join(c.value for c in Category)
        raise ValueError(f"handler {name!r}: category {category!r} is not one of {allowed}") from None
    if not (isinstance(payload, type) and issubclass(payload, BaseModel)):
        raise ValueError(f"handler {name!r}: payload must be a pydantic model class")
    if not 1 <= timeout_seconds <= 900:
        raise ValueError(f"handler {name!r}: timeout_seconds must be 1-900")
    types = frozenset(JobType(t) for t in job_types)
    hooks = Hooks(
        on_start=(on_start,) if on_start else (),
        on_success=(on_success,) if on_success else (),
        on_failure=(on_failure,) if on_failure else (),
    )

    def decorate(func: HandlerFunc) -> HandlerFunc:
        spec = HandlerSpec(
            name=name,
            category=kind,
            payload_model=payload,
            func=func,
            job_types=types,
            default_timeout_seconds=timeout_seconds,
            description=description or _first_line(func.__doc__),
            estimate_seconds=estimate_seconds,
            hooks=hooks,
            module=getattr(func, "__module__", "") or "",
            run_alone=bool(run_alone),
        )
        setattr(func, _SPEC_ATTRIBUTE, spec)
        return func

    return decorate


def _worker_hook(kind: str) -> Callable[[Any], Any]:
    def mark(func: Any) -> Any:
        setattr(func, _HOOK_ATTRIBUTE, kind)
        return func

    return mark


on_job_start = _worker_hook("on_start")
"""Mark `func(payload, ctx)` as a worker-wide hook run before every job's handler."""
on_job_success = _worker_hook("on_success")
"""Mark `func(payload, ctx, result)` as a worker-wide hook run after every job that succeeded."""
on_job_failure = _worker_hook("on_failure")
"""Mark `func(payload, ctx, error)` as a worker-wide hook run after every attempt that failed."""


def hooks_in(module: ModuleType) -> Hooks:
    """The worker-wide hooks `module` marks with `@on_job_start` / `_success` / `_failure`."""
    found: dict[str, list[Any]] = {"on_start": [], "on_success": [], "on_failure": []}
    for value in vars(module).values():
        kind = getattr(value, "__dict__", {}).get(_HOOK_ATTRIBUTE) if callable(value) else None
        if kind in found and getattr(value, "__module__", None) == module.__name__:
            found[kind].append(value)
    return Hooks(tuple(found["on_start"]), tuple(found["on_success"]), tuple(found["on_failure"]))


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
    """The handlers by name and the worker-wide hooks; immutable once built."""

    def __init__(self, specs: Iterable[HandlerSpec] = (), hooks: Hooks | None = None):
        self._specs: dict[str, HandlerSpec] = {}
        self.hooks = hooks or Hooks()
        for spec in specs:
            known = self._specs.get(spec.name)
            if known is not None:
                where = " and ".join(sorted({known.module or "?", spec.module or "?"}))
                raise ValueError(f"handler {spec.name!r} registered twice (in {where})")
            self._specs[spec.name] = spec

    @classmethod
    def from_modules(cls, *modules: ModuleType) -> Registry:
        hooks = Hooks()
        for module in modules:
            hooks = hooks + hooks_in(module)
        return cls((spec for module in modules for spec in specs_in(module)), hooks)

    def hooks_for(self, spec: HandlerSpec) -> Hooks:
        """The worker-wide hooks, then the handler's own."""
        return self.hooks + spec.hooks

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
