"""The compiled code of the methods ``dataclasses`` generates is kept across processes
(``pybpf.code_cache``): a second process compiles none of pybpf's, its classes are the ones ``exec``
would have made, and a damaged table is ignored and replaced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pybpf import code_cache

SRC = Path(__file__).resolve().parent.parent / "src"
PROBE = """
import json, sys
import pybpf
import pybpf.btf.types, pybpf.elf.spec
from pybpf.code_cache import TABLE
print(json.dumps([TABLE.hits, TABLE.compiled]))
"""


def counts(cache: Path) -> list[int]:
    """(texts found compiled, texts compiled) of a fresh process importing a few modules."""
    env = dict(os.environ, PYTHONPATH=str(SRC), PYBPF_CACHE_DIR=str(cache))
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_a_second_process_compiles_none_and_a_damaged_table_is_replaced(tmp_path: Path) -> None:
    first = counts(tmp_path)
    assert first[1] > 50  # pybpf.btf.types' and pybpf.elf.spec's dataclasses, compiled
    assert counts(tmp_path) == [sum(first), 0]
    (table,) = (tmp_path / "code").iterdir()
    data = bytearray(table.read_bytes())
    data[len(data) // 2] ^= 0xFF
    table.write_bytes(bytes(data))
    assert counts(tmp_path) == first  # ignored (CRC-32), compiled again and written back
    assert counts(tmp_path) == [sum(first), 0]


def test_no_disk_table_when_the_cache_is_disabled(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(SRC), PYBPF_CACHE_DIR="")
    probe = "import dataclasses, pybpf\nprint('exec' in vars(dataclasses))"
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False"]


METHODS = """
import dataclasses, hashlib, json, sys
import pybpf
import pybpf.btf.types, pybpf.elf.spec, pybpf.elf.reader
digest = hashlib.sha256()
for module in (pybpf.btf.types, pybpf.elf.spec, pybpf.elf.reader):
    for name, cls in sorted(vars(module).items()):
        if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__:
            for method in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
                code = getattr(getattr(cls, method, None), "__code__", None)
                if code is not None:
                    parts = (code.co_code, code.co_names, code.co_varnames, code.co_flags, code.co_filename)
                    annotations = getattr(cls, method).__annotations__
                    digest.update(repr((name, method, parts, repr(code.co_consts), annotations)).encode())
print(digest.hexdigest())
"""


def test_the_cached_code_makes_the_same_methods(tmp_path: Path) -> None:
    """Without the cache, compiling, and from the cache: the same bytecode, constants, names, flags
    and annotations in every generated method (``exec``'s own compilation, no inherited flags)."""

    def methods(cache: str) -> str:
        env = dict(os.environ, PYTHONPATH=str(SRC), PYBPF_CACHE_DIR=cache)
        done = subprocess.run(
            [sys.executable, "-c", METHODS], env=env, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    plain = methods("")
    assert plain == methods(str(tmp_path)) == methods(str(tmp_path))  # compiled, then cached
    assert code_cache.cache_file() is not None
