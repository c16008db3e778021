"""Handler plugins: a registered name, a pydantic payload model, a category, the job types it
supports and a default timeout."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from jobqueue.errors import NotFound
from jobqueue.models.job import Category, Job, JobType

ALL_JOB_TYPES = frozenset(JobType)


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


class Registry:
    def __init__(self) -> None:
        self._specs: dict[str, HandlerSpec] = {}

    def register(
        self,
        name: str,
        category: Category,
        payload_model: type[BaseModel],
        job_types: frozenset[JobType] = ALL_JOB_TYPES,
        default_timeout_seconds: int = 30,
        description: str = "",
    ) -> Callable[[HandlerFunc], HandlerFunc]:
        """Decorator: `@registry.register("echo", Category.CUSTOM_PROCESSING, EchoPayload)`."""

        def decorate(func: HandlerFunc) -> HandlerFunc:
            if name in self._specs:
                raise ValueError(f"handler {name!r} registered twice")
            self._specs[name] = HandlerSpec(
                name,
                category,
                payload_model,
                func,
                job_types,
                default_timeout_seconds,
                description or _first_line(func.__doc__),
            )
            return func

        return decorate

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


registry = Registry()


def get_registry() -> Registry:
    """The registry with every built-in handler loaded (imported on first use)."""
    import jobqueue.handlers  # noqa: F401  (registers on import)

    return registry
