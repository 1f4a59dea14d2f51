"""Benchmarks (`make bench`, `make bench-scale`): run by hand or by a make target, never by the test suite."""
