"""The worker function: claim a job from its queue message, run its handler, record the outcome.

- `process`: one SQS batch through the Powertools batch processor (partial batch responses)
- `claim`: queued -> processing, or a no-op for duplicates, stale and early messages
- `runner`: payload validation and the handler in a thread with a time limit
- `results`: completed / retried / failed / timed_out, written and counted
- `waits`: records that wait: for a tenant's running slot, or for a fresh invocation
"""
