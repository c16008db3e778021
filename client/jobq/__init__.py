"""jobq: the Python client of the jobqueue HTTP API (`Client`, `AsyncClient`) and the `jobq` CLI.

    import jobq

    with jobq.Client() as client:  # JOBQ_URL and JOBQ_API_KEY, or Client(url, api_key)
        job = client.submit("echo", {"hello": "world"})
        print(client.wait(job.id).status)

docs/client.md in the jobqueue repository describes every method, error and command.
"""

from jobq._retry import Backoff
from jobq.async_client import AsyncClient
from jobq.client import Client
from jobq.errors import (
    ApiError,
    BadRequest,
    ConfigurationError,
    Conflict,
    ConnectionError,
    Forbidden,
    IdempotencyConflict,
    InvalidRequest,
    InvalidState,
    JobqError,
    JobTypeNotAllowed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    Unauthorized,
    UnsupportedMediaType,
    WaitTimeout,
)
from jobq.models import *  # noqa: F403 - the response models are part of the public API
from jobq.models import __all__ as _models

__all__ = [
    "ApiError",
    "AsyncClient",
    "Backoff",
    "BadRequest",
    "Client",
    "ConfigurationError",
    "Conflict",
    "ConnectionError",
    "Forbidden",
    "IdempotencyConflict",
    "InvalidRequest",
    "InvalidState",
    "JobTypeNotAllowed",
    "JobqError",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "ServerError",
    "ServiceUnavailable",
    "Unauthorized",
    "UnsupportedMediaType",
    "WaitTimeout",
    *_models,
]
