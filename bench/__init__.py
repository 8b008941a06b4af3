"""Benchmarks of the Alma extraction: tap-alma against the original scripts and two lower bounds.

Run with `make bench` (or `python -m bench --help`). Every measured extractor runs in its own child
process, and the sandbox Alma in another, so each process's CPU and peak RSS are its own.
"""
