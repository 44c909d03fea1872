"""Benchmarks for qbank (run with `make bench`)."""
