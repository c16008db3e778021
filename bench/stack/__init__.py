"""The parts of `make bench` (`python -m bench.local_stack`): the stack's throughput and the raw
moto substrate's doing the same AWS calls (`throughput`, `recording`, `substrate`), latencies and
a flood by one tenant (`latency`), cold starts (`cold_start`), and the pure arithmetic of the
report (`report`, unit-tested in tests/unit/test_bench_report.py)."""
