"""Tests of pybpf.btf: the BTF type model and the raw BTF parser."""
