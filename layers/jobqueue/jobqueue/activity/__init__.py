"""Job activity: what the table stream saw happen to jobs, folded into per-tenant aggregates
(hour, handler-hour and minute tallies with latency histograms), the event feed and the
system-wide hourly shards; and the reads that answer from them."""
