"""Every DynamoDB key of the single table is built here. Tenant items carry the tenant in PK."""

from __future__ import annotations

from datetime import datetime

from jobqueue.ids import shard_of

SWEEP_SHARDS = 8


def tenant_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}"


def job_key(tenant_id: str, job_id: str) -> dict[str, str]:
    return {"PK": tenant_pk(tenant_id), "SK": job_sk(job_id)}


def job_sk(job_id: str) -> str:
    return f"JOB#{job_id}"


JOB_SK_PREFIX = "JOB#"


WAITING_PARTITION = "waiting"  # pending and queued jobs share one status-index partition


def status_index_pk(tenant_id: str, status: str) -> str:
    """The status-index partition of a status. Pending and queued jobs share `waiting`: whether a
    job pending for its time counts as queued depends on the time of the read, and the tenant's
    waiting jobs are bounded by its `max_queued_jobs`, so one partition answers both filters."""
    group = WAITING_PARTITION if status in ("pending", "queued") else status
    return f"T#{tenant_id}#S#{group}"


def sweep_pk(job_id: str) -> str:
    return f"SWEEP#{shard_of(job_id, SWEEP_SHARDS)}"


def sweep_shard_pks() -> list[str]:
    return [f"SWEEP#{i}" for i in range(SWEEP_SHARDS)]


# Sparse GSI2 partition listing every tenant profile, sort key = its next reconciliation time.
TENANTS_INDEX_PK = "TENANTS"


TENANT_PROFILE_PK_PREFIX = "TENANT#"


def tenant_profile_key(tenant_id: str) -> dict[str, str]:
    return {"PK": f"{TENANT_PROFILE_PK_PREFIX}{tenant_id}", "SK": "PROFILE"}


def tenant_of_profile(pk: str) -> str | None:
    """The tenant id of a profile's PK (None: not a profile's)."""
    if pk.startswith(TENANT_PROFILE_PK_PREFIX) and len(pk) > len(TENANT_PROFILE_PK_PREFIX):
        return pk[len(TENANT_PROFILE_PK_PREFIX) :]
    return None


def tenant_counter_key(tenant_id: str, shard: int = 0) -> dict[str, str]:
    """The tenant's counter (`waiting`, `running`, the day's count `day#<yyyy-mm-dd>`); shard 0
    is `COUNTER`, shard i > 0 `COUNTER#<i>`."""
    return {"PK": tenant_pk(tenant_id), "SK": "COUNTER" if shard == 0 else f"COUNTER#{shard}"}


API_KEY_REF_PREFIX = "APIKEY#"


def api_key_ref_key(tenant_id: str, key_id: str) -> dict[str, str]:
    """A tenant's reference to one of its keys (beside its profile): how keys are listed."""
    return {"PK": f"TENANT#{tenant_id}", "SK": f"{API_KEY_REF_PREFIX}{key_id}"}


def api_key_key(key_hash: str) -> dict[str, str]:
    return {"PK": f"KEY#{key_hash}", "SK": "KEY"}


def idempotency_key(tenant_id: str, key_hash: str) -> dict[str, str]:
    return {"PK": tenant_pk(tenant_id), "SK": f"IDEM#{key_hash}"}


# -- job activity (written by the stream function) ---------------------------------------------
SYSTEM_SHARDS = 8
HOUR_SK_PREFIX = "AGG#"
HANDLER_HOUR_SK_PREFIX = "AGGH#"
MINUTE_SK_PREFIX = "AGGM#"
FEED_SK_PREFIX = "EVT#"


def hour_label(hour: datetime) -> str:
    return hour.strftime("%Y-%m-%dT%H")


def minute_label(minute: datetime) -> str:
    return minute.strftime("%Y-%m-%dT%H:%M")


def hour_sk(hour: datetime) -> str:
    """The tenant's tally of one UTC hour (by job type)."""
    return HOUR_SK_PREFIX + hour_label(hour)


def handler_hour_sk(handler: str, hour: datetime) -> str:
    return f"{HANDLER_HOUR_SK_PREFIX}{handler}#{hour_label(hour)}"


def minute_sk(minute: datetime) -> str:
    return MINUTE_SK_PREFIX + minute_label(minute)


def activity_marker_key(tenant_id: str, batch: str) -> dict[str, str]:
    """What a stream batch recorded of a tenant: its last position and pages written."""
    return {"PK": tenant_pk(tenant_id), "SK": f"MARK#{batch}"}


def feed_page_sk(page: str) -> str:
    return FEED_SK_PREFIX + page


def system_shard_of(tenant_id: str) -> int:
    return shard_of(tenant_id, SYSTEM_SHARDS)


def system_hour_key(shard: int, hour: datetime) -> dict[str, str]:
    """Shard `shard` of the system-wide tally of one hour (tenants spread by a hash of their id)."""
    return {"PK": f"SYS#{shard}", "SK": HOUR_SK_PREFIX + hour_label(hour)}


# -- alerts ---------------------------------------------------------------------------------------
ALERT_SK_PREFIX = "ALERT#"


def alert_settings_key(tenant_id: str) -> dict[str, str]:
    """The tenant's alert rules, webhook and `open#<rule>` pointers to open alerts."""
    return {"PK": tenant_pk(tenant_id), "SK": "ALERTS"}


def alert_key(tenant_id: str, alert_id: str) -> dict[str, str]:
    return {"PK": tenant_pk(tenant_id), "SK": ALERT_SK_PREFIX + alert_id}
