"""Tests of pybpf.uapi: the generated bpf(2) ABI types and constants."""
