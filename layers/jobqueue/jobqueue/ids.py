"""Identifiers: ULIDs for jobs (time-ordered), deterministic ids for cron runs, key ids."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_CROCKFORD[rem])
    return "".join(reversed(chars))


def ulid(moment: datetime) -> str:
    """A 26-character ULID: 48-bit millisecond time then 80 random bits; sorts by time."""
    millis = int(moment.timestamp() * 1000)
    return _encode(millis, 10) + _encode(secrets.randbits(80), 16)


_MAX_MILLIS = 2**48 - 1  # a ULID's time field


def _millis(moment: datetime) -> int:
    """Milliseconds since the epoch, held to what a ULID can say (1970 to the year 10889)."""
    return max(0, min(_MAX_MILLIS, int(moment.timestamp() * 1000)))


def ulid_floor(moment: datetime) -> str:
    """The smallest ULID of a millisecond, for key-range queries (created_after)."""
    return _encode(_millis(moment), 10) + "0" * 16


def ulid_ceiling(moment: datetime) -> str:
    """The largest ULID of a millisecond, for key-range queries (created_before)."""
    return _encode(_millis(moment), 10) + "Z" * 16


def run_id(parent_id: str, slot: datetime) -> str:
    """Deterministic id of a recurring job's run for one cron slot: a duplicate fire maps to it."""
    return f"{parent_id}-{slot.strftime('%Y%m%dT%H%MZ')}"


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key() -> tuple[str, str]:
    """A new (key_id, api_key). The key is shown once; only its hash is stored."""
    key_id = "key_" + secrets.token_hex(6)
    return key_id, "jq_" + secrets.token_urlsafe(32)


def new_signing_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def shard_of(value: str, shards: int) -> int:
    return int(hashlib.blake2b(value.encode(), digest_size=2).hexdigest(), 16) % shards
