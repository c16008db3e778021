"""Scheduling: the cron dialect and its AWS conversion, Scheduler schedules, the dispatcher logic."""
