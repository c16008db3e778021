"""The worker: claim a job from its SQS message, run its handler, record the outcome.

- `message`: the SQS message body (ids only; the job record decides everything else)
- `claim`: queued -> processing, or a no-op for duplicates, stale and early messages
- `runner`: payload validation and the handler in a thread with a time limit
- `outcome`: completed / retried / failed / timed_out
- `process`: the per-record function for the Powertools batch processor
- `slots`: the tenant concurrency hook (always grants for now)
"""
