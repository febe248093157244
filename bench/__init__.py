"""Benchmarks of the pmo kernel and services, each beside a raw baseline measured in the same run.

Run everything with `python -m bench` (or `make bench`); `--only NAME` picks cases, `--quick`
shrinks them for a CI smoke run. See docs/benchmarks.md.
"""
