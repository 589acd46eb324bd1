"""Differential tests: pybpf against the real Linux kernel, which is the oracle (skipped without bpf(2))."""
