"""Sharded counters: how a limit is split over N shard items and in which order they are tried.

A tenant's counter can be split into `shards` items so that one item does not cap the tenant's
write rate (one item takes at most 1,000 writes/s). Each shard enforces its own allowance; the
allowances add up to the limit exactly, so the shards together never admit more than the limit.
With one shard (the default) everything reduces to the single `COUNTER` item.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence


def allowance(limit: int, shards: int, shard: int) -> int:
    """Shard `shard`'s part of `limit`: an even split, the remainder going to the first shards."""
    if shards < 1 or not 0 <= shard < shards:
        raise ValueError(f"shard {shard} out of range for {shards} shard(s)")
    base, extra = divmod(max(0, limit), shards)
    return base + (1 if shard < extra else 0)


def probe_order(shards: int, pick: Callable[[int], int] | None = None) -> list[int]:
    """Every shard once, starting at a random one (spreads the writes), then in ring order."""
    if shards < 1:
        raise ValueError("shards must be at least 1")
    start = (pick or _random_start)(shards) % shards
    return [(start + i) % shards for i in range(shards)]


def spread(total: int, shards: int) -> list[int]:
    """`total` split over the shards the way `allowance` splits a limit (used by reconciliation),
    so a total within the limit never puts a shard over its allowance."""
    return [allowance(total, shards, i) for i in range(shards)]


def plan_split(n: int, free: Sequence[int]) -> list[tuple[int, int]] | None:
    """Split `n` units over shards with `free[i]` room each: [(shard, units)], or None if it cannot fit.
    Fills the roomiest shards first, so a batch touches as few shards as possible."""
    if n <= 0 or sum(max(0, f) for f in free) < n:
        return None
    plan: list[tuple[int, int]] = []
    left = n
    for shard in sorted(range(len(free)), key=lambda i: -free[i]):
        take = min(left, free[shard])
        if take > 0:
            plan.append((shard, take))
            left -= take
        if left == 0:
            break
    return plan


def _random_start(shards: int) -> int:
    return random.randrange(shards)


def correction(values: Sequence[int], total: int) -> list[int]:
    """New per-shard values that add up to `total` (reconciliation), moving each shard only toward
    its even share: a surplus comes off shards above their share, a shortfall fills shards below
    it, roomiest first. So a total within the limit leaves every shard within its allowance, and
    a reconciliation cut short after some shards leaves a smaller drift of the same sign."""
    target = spread(total, len(values))
    out = list(values)
    drift = sum(values) - total
    if drift > 0:
        excess = [max(0, v - t) for v, t in zip(values, target, strict=True)]
        for shard, units in plan_split(drift, excess) or []:
            out[shard] -= units
    elif drift < 0:
        deficit = [max(0, t - v) for v, t in zip(values, target, strict=True)]
        for shard, units in plan_split(-drift, deficit) or []:
            out[shard] += units
    return out
