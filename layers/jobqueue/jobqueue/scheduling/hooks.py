"""Admission of recurring-job runs. The tenancy work fills these in (queued and daily limits,
enforced atomically); until then every run is admitted.

The dispatcher calls `admit_run` once per new cron run, before it writes the run. When the run
then turns out to exist already (a duplicate fire racing this one), it calls `release_run` to
give the admission back.
"""

from __future__ import annotations


def admit_run(tenant_id: str) -> bool:
    """Whether the tenant may start one more run now. False records the slot as skipped."""
    return True


def release_run(tenant_id: str) -> None:
    """Give back an admission that `admit_run` granted but that no run used."""
    return None
