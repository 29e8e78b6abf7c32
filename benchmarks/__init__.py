"""Benchmarks (`make bench` / `python -m benchmarks`); each `bench_<name>.py` is one."""
