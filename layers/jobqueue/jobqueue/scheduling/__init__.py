"""Scheduling shared by the functions: the schedules of jobs (`schedules`) and queueing a pending
one-shot whose time has come (`one_shots`, for the dispatcher and the sweeper)."""
