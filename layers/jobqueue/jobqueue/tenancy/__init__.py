"""Tenant bookkeeping over the `TenantCounters` port, one name per operation:

- `admission.admit`: new jobs take waiting places and the day's submissions (all or nothing);
  `Admission.undo` gives them back when the jobs were not written;
- `waiting.take_place` / `waiting.give_back_place`: a job re-joins / leaves the waiting jobs
  outside a submission (a retry by request; a cancel, a dead letter, a blocked dependency);
- `slots.take_slot` / `slots.give_slot`: a job starts / ends (worker, or sweeper for a lost one);
- `reconcile.reconcile_tenant`: the counter set to the truth counted from the job records.

`profiles` caches tenant profiles (limits with overrides); `usage` answers `GET /v1/usage`;
`days`, `shards` and `deferral` are pure rules. See docs/tenancy.md.
"""
