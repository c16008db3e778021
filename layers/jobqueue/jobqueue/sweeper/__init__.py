"""The sweeper function: on every tick, the jobs whose sweep deadline has passed, and a few
tenants' counter reconciliation.

- `leases`: processing past its lease (the worker was lost) -> retried or timed out; queued past
  its dispatch check (its message was lost) -> re-sent, the next check pushed out;
- `pending`: pending past its check (the api may have died between writing and arming it) ->
  queued, settled from its parents, or its cron schedules created again;
- `reconcile`: tenants' waiting/running counters set to the truth counted from their jobs;
- `tick`: one tick over all of it, bounded by `max_jobs` and by the time left.

Every change is a conditional write on the job's status, its attempt count and its sweep
deadline, so a worker finishing at the same moment, or a duplicate tick, wins or no-ops cleanly.
"""
