"""Tests of the instruction-set layer: opcode table, encoding, validation, assembly, disassembly."""
