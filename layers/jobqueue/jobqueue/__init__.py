"""jobqueue: the shared library of the serverless multi-tenant job service.

The handler author's API (docs/handlers.md)::

    from jobqueue import JobContext, NonRetryableError, handler

Names are imported on first use, so `import jobqueue.<module>` stays as cheap as the module.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "handler": "jobqueue.registry",
    "JobContext": "jobqueue.registry",
    "Hooks": "jobqueue.registry",
    "on_job_start": "jobqueue.registry",
    "on_job_success": "jobqueue.registry",
    "on_job_failure": "jobqueue.registry",
    "HandlerError": "jobqueue.errors",
    "NonRetryableError": "jobqueue.errors",
    "Category": "jobqueue.models.job",
    "JobType": "jobqueue.models.job",
}

__all__ = [
    "Category",
    "HandlerError",
    "Hooks",
    "JobContext",
    "JobType",
    "NonRetryableError",
    "handler",
    "on_job_failure",
    "on_job_start",
    "on_job_success",
]

if TYPE_CHECKING:
    from jobqueue.errors import HandlerError, NonRetryableError
    from jobqueue.models.job import Category, JobType
    from jobqueue.registry import Hooks, JobContext, handler, on_job_failure, on_job_start, on_job_success


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'jobqueue' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
