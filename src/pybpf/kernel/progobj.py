"""Loaded programs as files: what BPF_PROG_LOAD leaves behind and every process can read back.

Mirrors the kernel's ``struct bpf_prog`` as user space sees it through its fd: type, name, tag,
ids, license, the translated ("xlated") instructions, the ids of the maps it uses, load time and
owner.  Like a map (``pybpf.maps.object``) a program is an ``O_TMPFILE`` file in the bpffs-like
root, so dup, fork, SCM_RIGHTS and pins share it and the OS counts its references; the maps it uses
are held by hard links in its reference directory (``pybpf.objects.refs``), so closing a map's fd
after loading does not free a map a program uses.

File layout: the payload at offset 0 — a ``<3Q`` header (lengths of the metadata, of the xlated and
of the original instructions), the metadata as JSON, then both instruction streams — followed by
one trailer page holding the common object header (magic, version, kind) and the payload's SHA-256.

Instructions cannot be modified after load: the file is mode 0400, every fd pybpf hands out for a
program is read-only, and each process checks the digest when it first reads the program (a
changed file gives EINVAL, "not a valid program").  The xlated stream is stored in the kernel's
dump form (``bpf_insn_prepare_dump``): an ``lddw`` of a map holds ``src = BPF_PSEUDO_MAP_FD`` or
``BPF_PSEUDO_MAP_VALUE``, ``imm`` = the map's id and the second ``imm`` = the value offset;
addresses are per process and are resolved by the runner.  Helper calls keep the helper id as
``imm`` (the kernel stores an address offset there; bpftool prints both as ``call name#id``).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import struct
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from pybpf.errors import BPFError
from pybpf.isa.instruction import Instruction, decode_program, encode_program
from pybpf.objects import refs
from pybpf.objects.cache import ObjectCache
from pybpf.objects.files import MAGIC, PAGE, VERSION, allocation_failure, bpffs_root, next_object_id

KIND_PROG = 2
_TRAILER = struct.Struct("<8sII32s")  # magic, version, kind, sha256(payload)
_PAYLOAD = struct.Struct("<3Q")


@dataclass
class ProgMeta:
    """Everything about a loaded program except its instructions (stored as JSON in the file)."""

    prog_type: int
    name: str
    tag: str
    """8-byte hex: the first 8 bytes of the SHA-1 of the instructions with map references zeroed."""
    gpl_compatible: bool
    expected_attach_type: int = 0
    attach_btf_id: int = 0
    """The BTF type it was loaded for: vmlinux's (tracing, LSM, struct_ops), its target's (EXT)."""
    prog_flags: int = 0
    kern_version: int = 0
    load_time: int = 0
    """Nanoseconds since boot (CLOCK_BOOTTIME), as bpf_prog_info.load_time."""
    created_by_uid: int = 0
    map_ids: list[int] = field(default_factory=list)
    subprogs: list[int] = field(default_factory=list)
    verified_insns: int = 0
    max_ctx_offset: int = 0
    max_rdonly_access: int = 0
    max_rdwr_access: int = 0
    """The furthest bytes the program reaches of an iterator's read-only and writable buffers
    (``prog->aux->max_rdonly_access`` / ``max_rdwr_access``): what attaching a map-element iterator
    checks against the map's key and value sizes."""
    btf_id: int = 0
    func_info: str = ""
    """Hex of the func_info records the loader passed, each at its subprogram's final start
    (``adjust_btf_func``)."""
    func_info_rec_size: int = 0
    line_info: str = ""
    """Hex of the line_info records the loader passed, each insn_off moved to where the fixups put its
    instruction in the xlated program (``bpf_adj_linfo``)."""
    line_info_rec_size: int = 0
    slot_map: list[int] = field(default_factory=list)
    """Where each loaded slot (and, last, the end) ended up in the xlated program after the fixups'
    patches; empty when nothing moved.  Maps a run-time fault's pc back to the loader's instruction."""
    proven_accesses: list[int] = field(default_factory=list)
    """The xlated slots of the memory accesses the verifier proved in bounds on every path (the
    kernel's per-instruction ``insn_aux_data`` the JIT reads): every process that runs the program
    compiles them without a run-time check.  Covered by the file's digest like the instructions."""
    probe_loads: list[int] = field(default_factory=list)
    """The xlated slots of the probe loads (the kernel's ``BPF_PROBE_MEM`` loads through untrusted
    kernel pointers): on both engines, reading an address no region holds gives 0, not a fault."""
    arena_accesses: list[int] = field(default_factory=list)
    """The xlated slots of the accesses through arena pointers (the kernel's ``BPF_PROBE_MEM32``):
    the engines reach the program's arena there (``pybpf.vm.arena``)."""
    stack_depths: list[int] = field(default_factory=list)
    """The verifier's stack depth of each subprogram of ``subprogs`` (the kernel's ``stack_depth`` of
    each ``bpf_subprog_info``; ``prog->aux->stack_depth`` the first): what each run of the program
    can reach of its frames, so what the JIT zeroes before a run.  Empty: unknown (all is zeroed)."""
    dst_prog_type: int = 0
    """An freplace program's target's type (``aux->saved_dst_prog_type``; 0 for other programs):
    the type whose helpers it runs with."""
    dst_prog_id: int = 0
    """An freplace program's load-time target (``aux->dst_prog``), until a link attaches it."""
    unreliable: list[int] = field(default_factory=list)
    """Subprograms whose BTF the verifier found unreliable (``func_info_aux[].unreliable``): no
    freplace program may replace them."""
    changes_pkt_data: list[bool] = field(default_factory=list)
    might_sleep: list[bool] = field(default_factory=list)
    """Per subprogram (``subprog_info[]``): it may move the packet, may sleep -- what an freplace
    program replacing it may do."""
    exception_callback: int = 0
    """The xlated slot of the program's own exception callback, which a bpf_throw() runs with the
    cookie (``VerifiedProgram.exception_callback``); 0: none, the program returns the cookie."""
    id: int = 0


class ProgObject:
    """A loaded program as this process sees it (read from its file once, then cached)."""

    _cache: ClassVar[ObjectCache[tuple[int, int, bytes], ProgObject]] = ObjectCache("prog", 256)
    """What this process read, by file (``pybpf.objects.cache``)."""

    def __init__(
        self,
        meta: ProgMeta,
        xlated: list[Instruction],
        original: list[Instruction],
        key: tuple[int, int, bytes],
    ):
        self.meta = meta
        self.xlated = xlated
        self.original = original
        self.key = key
        self.runtime: Any = None
        """The per-process runner state (``pybpf.kernel.prog_run``), built on first run."""

    @property
    def id(self) -> int:
        return self.meta.id

    @property
    def prog_type(self) -> int:
        return self.meta.prog_type

    # --- creation ---------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        meta: ProgMeta,
        xlated: list[Instruction],
        original: list[Instruction],
        map_fds: list[int],
        btf_fd: int | None = None,
    ) -> int:
        """Write a new program file; returns a read-only, close-on-exec fd marked as a user.

        ``map_fds`` are fds of the maps in ``meta.map_ids`` (same order); the program's reference
        directory links them so they live as long as the program; so does the BTF ``meta.btf_id``
        (``prog->aux->btf``), open as ``btf_fd``.
        """
        root = bpffs_root()
        meta.id = next_object_id("prog", root)
        record = {f.name: getattr(meta, f.name) for f in fields(meta)}  # (asdict() deep-copies the lists)
        text = json.dumps(record, separators=(",", ":")).encode()
        xlated_raw, original_raw = encode_program(xlated), encode_program(original)
        payload = (
            _PAYLOAD.pack(len(text), len(xlated_raw), len(original_raw)) + text + xlated_raw + original_raw
        )
        size = (len(payload) + PAGE - 1) // PAGE * PAGE
        fd = refs.new_object_file(root, 0o400)
        try:
            os.ftruncate(fd, size + PAGE)
            os.pwrite(fd, payload, 0)
            trailer = _TRAILER.pack(MAGIC, VERSION, KIND_PROG, hashlib.sha256(payload).digest())
            os.pwrite(fd, trailer, size)
            refs.register_holder(root, "prog", meta.id, fd)
            for map_id, map_fd in zip(meta.map_ids, map_fds, strict=True):
                refs.add_ref(root, ("prog", meta.id), ("map", map_id), map_fd)
            if btf_fd is not None and meta.btf_id:
                refs.add_ref(root, ("prog", meta.id), ("btf", meta.btf_id), btf_fd)
            # marked before ``fd`` closes: never a moment without a user (see ``refs.new_object_file``)
            readonly = refs.hold(os.open(f"/proc/self/fd/{fd}", os.O_RDONLY | os.O_CLOEXEC))
            key = _identity(readonly, os.fstat(readonly))
        except OSError as exc:
            raise allocation_failure(exc, "cannot store the program") from exc
        finally:
            os.close(fd)
        # what ``_read`` would make of the file just written, without decoding it again (a million
        # instructions take seconds): the metadata through its JSON, the instructions as they are
        # (immutable values, which encode and decode to the same)
        obj = cls(ProgMeta(**json.loads(text)), list(xlated), list(original), key)
        cls._cache.remember(key, obj, root, meta.id)
        return readonly

    # --- lookup -----------------------------------------------------------------------------
    @classmethod
    def from_fd(cls, fd: int) -> ProgObject:
        """The program ``fd`` refers to; EBADF for a closed fd (or no fd number at all: a u32 from
        an attr past INT_MAX is a negative int to the kernel), EINVAL for anything else."""
        if not 0 <= fd <= 0x7FFFFFFF:
            raise BPFError(errno.EBADF, f"fd {fd} is not open")
        try:
            st = os.fstat(fd)
        except OSError as exc:
            raise BPFError(errno.EBADF, f"fd {fd} is not open") from exc
        key = _identity(fd, st)
        found = cls._cache.get(key)
        if found is not None:
            return found
        obj = cls._read(fd, st, key)
        return cls._cache.remember(key, obj, bpffs_root(), obj.id)

    @classmethod
    def _read(cls, fd: int, st: os.stat_result, key: tuple[int, int, bytes]) -> ProgObject:
        invalid = BPFError(errno.EINVAL, f"fd {fd} is not a bpf program")
        if not stat.S_ISREG(st.st_mode) or st.st_size < 2 * PAGE or st.st_size % PAGE:
            raise invalid
        try:
            trailer = os.pread(fd, _TRAILER.size, st.st_size - PAGE)
            magic, _, kind, digest = _TRAILER.unpack(trailer)
            if magic != MAGIC or kind != KIND_PROG:
                raise invalid
            head = os.pread(fd, _PAYLOAD.size, 0)
            lengths = _PAYLOAD.unpack(head)
            payload = os.pread(fd, _PAYLOAD.size + sum(lengths), 0)
        except (OSError, struct.error):
            raise invalid from None
        if hashlib.sha256(payload).digest() != digest:
            raise BPFError(errno.EINVAL, f"fd {fd}: program file was modified after load")
        text_end = _PAYLOAD.size + lengths[0]
        xlated_end = text_end + lengths[1]
        meta = ProgMeta(**json.loads(payload[_PAYLOAD.size : text_end]))
        xlated = decode_program(payload[text_end:xlated_end])
        original = decode_program(payload[xlated_end:])
        return cls(meta, xlated, original, key)

    def open_map(self, map_id: int) -> int:
        """A new fd for map ``map_id`` of this program (through its reference directory)."""
        return refs.open_ref(bpffs_root(), ("prog", self.id), ("map", map_id))


def _identity(fd: int, st: os.stat_result) -> tuple[int, int, bytes]:
    """What names one program file: (device, inode, content digest).  tmpfs reuses inode numbers
    once a file is gone, so the inode alone could name a program that was freed and replaced."""
    try:
        digest = os.pread(fd, _TRAILER.size, st.st_size - PAGE)[-32:] if st.st_size >= PAGE else b""
    except OSError:
        digest = b""
    return st.st_dev, st.st_ino, digest


def prog_get_type(fd: int, prog_type: int) -> ProgObject:
    """``bpf_prog_get_type``: the program ``fd`` refers to, if of ``prog_type``; EBADF for no open
    fd (a u32 past INT_MAX included), EINVAL for a file that is no program, or one of another type."""
    prog = ProgObject.from_fd(fd)
    if prog.prog_type != prog_type:
        raise BPFError(errno.EINVAL, f"fd {fd} is a program of type {prog.prog_type}, not {prog_type}")
    return prog


def is_prog_fd(fd: int) -> bool:
    """Whether ``fd`` refers to a pybpf program file (cheap trailer check, no caching)."""
    try:
        ProgObject.from_fd(fd)
    except BPFError:
        return False
    return True


def get_next_id(start_id: int) -> int:
    """BPF_PROG_GET_NEXT_ID: the smallest live program id above ``start_id`` (ENOENT: none).

    Scope: every program of this bpffs root still alive in any process (its reference directory
    exists), after collecting those nobody uses any more.
    """
    return refs.next_id(bpffs_root(), "prog", start_id)


def get_fd_by_id(prog_id: int, open_flags: int, token_fd: int) -> int:
    """BPF_PROG_GET_FD_BY_ID: a new read-only, close-on-exec fd for program ``prog_id``."""
    if open_flags or token_fd:
        raise BPFError(errno.EINVAL, "open_flags/token_fd are not used for programs")
    return refs.open_holder(bpffs_root(), "prog", prog_id, os.O_RDONLY)
