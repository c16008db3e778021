"""Tenancy: the per-tenant counters behind the tier limits (see docs/tenancy.md).

`counters` is the DynamoDB adapter (conditional single-item writes, no transactions); `days` and
`shards` are the pure rules it uses (UTC day, TTL, retry-after; shard allowances and probe order).
"""
