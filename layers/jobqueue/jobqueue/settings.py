"""Settings read from the environment on first use, never at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from jobqueue.models.job import QueueBand
from jobqueue.models.tenant import BUS_EVENTS, DEFAULT_BUS_EVENTS, BusEvents

# A job's timeout stays this far below the worker function's timeout.
JOB_TIMEOUT_MARGIN_SECONDS = 15


@dataclass(frozen=True)
class Settings:
    table_name: str
    queue_urls: dict[QueueBand, str]
    dead_letter_queue_url: str
    admin_key_hash: str
    event_bus_name: str
    schedule_group_name: str
    scheduler_role_arn: str
    dispatcher_function_arn: str
    stage: str
    dispatch_grace_seconds: int
    lease_grace_seconds: int
    idempotency_table_name: str = ""
    schedule_dead_letter_queue_arn: str = ""
    email_from: str = ""
    webhook_signing_secret: str = ""
    webhook_allow_private: bool = False
    webhook_allow_insecure_http: bool = False
    worker_timeout_seconds: int = 300
    # The deployment's lifecycle events on the bus (a tenant's `bus_events` overrides it).
    lifecycle_events: BusEvents = DEFAULT_BUS_EVENTS
    # How many records of a batch the worker runs side by side (1: one after the other).
    worker_record_concurrency: int = 10

    @property
    def max_job_timeout_seconds(self) -> int:
        """The ceiling of any job's timeout: the worker's own timeout minus a margin (the
        worker's safety margin plus the time to write the outcome)."""
        return max(1, self.worker_timeout_seconds - JOB_TIMEOUT_MARGIN_SECONDS)

    def queue_url(self, band: QueueBand) -> str:
        url = self.queue_urls.get(band)
        if not url:
            raise RuntimeError(f"QUEUE_URL_{band.value.upper()} is not set")
        return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ
    return Settings(
        table_name=env.get("JOBS_TABLE_NAME", ""),
        queue_urls={
            band: env[f"QUEUE_URL_{band.value.upper()}"]
            for band in QueueBand
            if env.get(f"QUEUE_URL_{band.value.upper()}")
        },
        dead_letter_queue_url=env.get("DEAD_LETTER_QUEUE_URL", ""),
        admin_key_hash=env.get("ADMIN_KEY_HASH", ""),
        event_bus_name=env.get("EVENT_BUS_NAME", ""),
        schedule_group_name=env.get("SCHEDULE_GROUP_NAME", ""),
        scheduler_role_arn=env.get("SCHEDULER_ROLE_ARN", ""),
        dispatcher_function_arn=env.get("DISPATCHER_FUNCTION_ARN", ""),
        stage=env.get("STAGE", "dev"),
        dispatch_grace_seconds=int(env.get("DISPATCH_GRACE_SECONDS", "300")),
        lease_grace_seconds=int(env.get("LEASE_GRACE_SECONDS", "30")),
        idempotency_table_name=env.get("IDEMPOTENCY_TABLE_NAME", ""),
        schedule_dead_letter_queue_arn=env.get("SCHEDULE_DEAD_LETTER_QUEUE_ARN", ""),
        email_from=env.get("EMAIL_FROM", ""),
        webhook_signing_secret=env.get("WEBHOOK_SIGNING_SECRET", ""),
        webhook_allow_private=env.get("WEBHOOK_ALLOW_PRIVATE", "") == "1",
        # Test switch only: lets the webhook handler talk plain http to a local server.
        webhook_allow_insecure_http=env.get("WEBHOOK_ALLOW_INSECURE_HTTP", "") == "1",
        worker_timeout_seconds=int(env.get("WORKER_TIMEOUT_SECONDS", "300")),
        lifecycle_events=_bus_events(env.get("LIFECYCLE_EVENTS") or DEFAULT_BUS_EVENTS),
        worker_record_concurrency=max(1, int(env.get("WORKER_RECORD_CONCURRENCY", "10"))),
    )


def _bus_events(value: str) -> BusEvents:
    if value not in BUS_EVENTS:
        raise ValueError(f"LIFECYCLE_EVENTS={value!r}: expected one of {', '.join(BUS_EVENTS)}")
    return value  # type: ignore[return-value]
