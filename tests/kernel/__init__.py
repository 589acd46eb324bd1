"""Tests of pybpf.kernel: the native backend (the real bpf(2) through ctypes)."""
