"""Loading an ``ObjectSpec``: BTF, maps, global data, programs and prog arrays, through ``Backend.bpf`` only.

Mirrors libbpf's ``bpf_object__load`` (tools/lib/bpf/libbpf.c) step by step:

1. ``bpf_object__load_btf``: BPF_BTF_LOAD of the object's BTF; if the kernel refuses it, again sanitized
   (``pybpf.elf.btf_fixup``), and else the object loads without BTF, as libbpf allows.
2. ``bpf_object__create_maps``: a map pinned by name reuses a compatible pin (``bpf_object__reuse_map``,
   EINVAL for a pin whose type, sizes, max_entries, flags or map_extra differ); others are created with
   their BTF key/value types (dropped for the map types libbpf drops them for, and retried without
   BTF if the kernel refuses), a map-in-map with a temporary inner map as its template (a map whose
   ``autocreate`` is off is skipped, and its references poisoned); global data is
   written and ``.rodata``/``.kconfig`` frozen; map-in-map slots filled; pins made.  Perf event arrays
   without ``max_entries`` get one slot per possible CPU, ring buffers a page-aligned power of two.  An
   arena is mapped at once (at its ``map_extra`` address, else where the system puts it: that fixes
   its user address before any program is verified) and its ``__arena`` variables are written through
   the mapping, at the arena's end; the mapping stays with the loaded object (``LoadedObject.arenas``).
3. ``bpf_object__relocate`` + ``bpf_object_load_prog`` for each program: link (``pybpf.elf.link``),
   CO-RE and references (``pybpf.elf.relocate``), then BPF_PROG_LOAD with the object's BTF, func_info
   and line_info, the expected attach type and flags of its section, and an attach BTF id for the
   fentry/fexit/tp_btf/lsm/iter families -- for freplace, the FUNC of that name in the BTF of the target
   program ``attach_prog_fd`` (``libbpf_find_prog_btf_id``), which is passed too.  A refusal is
   retried with a verifier log, growing on ENOSPC
   as libbpf does, and raised as :class:`ProgramLoadError` with the log annotated by ``pybpf.elf.log``.
4. ``bpf_object_init_prog_arrays``: prog-array slots filled with the loaded programs.

Any failure closes everything created so far.  The result is fds; the Pythonic objects around them
belong to ``pybpf.object``.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import mmap
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from pybpf import uapi
from pybpf.btf.encode import encode_btf
from pybpf.btf.ext import encode_func_info, encode_line_info
from pybpf.btf.parse import parse_btf
from pybpf.btf.raw import BTFError
from pybpf.btf.types import BTF, Func, Typedef
from pybpf.elf.btf_fixup import sanitize_btf
from pybpf.elf.core import CoreResult
from pybpf.elf.errors import ELFError
from pybpf.elf.link import LinkedProgram, link_program
from pybpf.elf.log import annotate_log
from pybpf.elf.relocate import relocate_core, relocate_references
from pybpf.elf.sections import SecFlag, find_section_def
from pybpf.elf.spec import MapSpec, ObjectSpec, PinType, ProgramSpec
from pybpf.elf.struct_ops import KernStructOps, init_kern_struct_ops, with_program_fds
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.maps.arena_mapping import ArenaMapping, arena_mmap
from pybpf.maps.percpu import possible_cpus

_Info = TypeVar("_Info", uapi.bpf_prog_info, uapi.bpf_btf_info)
"""The info structs BPF_OBJ_GET_INFO_BY_FD fills here."""

__all__ = ["LoadOptions", "LoadedObject", "ProgramLoadError", "load_spec"]

LOG_BUF_SIZE = 0xFFFFFFFF >> 8
"""libbpf's ``BPF_LOG_BUF_SIZE``: the smallest log buffer it allocates (then doubled on each ENOSPC)."""
MAX_LOG_SIZE = 0xFFFFFFFF // 2
"""libbpf retries on ENOSPC while its buffer is at most ``UINT_MAX / 2``."""
_NO_BTF_TYPES = frozenset(
    {
        uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY,
        uapi.BPF_MAP_TYPE_CGROUP_ARRAY,
        uapi.BPF_MAP_TYPE_STACK_TRACE,
        uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS,
        uapi.BPF_MAP_TYPE_HASH_OF_MAPS,
        uapi.BPF_MAP_TYPE_DEVMAP,
        uapi.BPF_MAP_TYPE_DEVMAP_HASH,
        uapi.BPF_MAP_TYPE_CPUMAP,
        uapi.BPF_MAP_TYPE_XSKMAP,
        uapi.BPF_MAP_TYPE_SOCKMAP,
        uapi.BPF_MAP_TYPE_SOCKHASH,
        uapi.BPF_MAP_TYPE_QUEUE,
        uapi.BPF_MAP_TYPE_STACK,
        uapi.BPF_MAP_TYPE_ARENA,
    }
)
"""``bpf_object__create_map``: map types created without BTF key/value types."""
_MAP_FIXED = 0x10
_ATTACH_BTF = {
    uapi.BPF_TRACE_RAW_TP: ("btf_trace_", Typedef),
    uapi.BPF_TRACE_ITER: ("bpf_iter_", Func),
    uapi.BPF_LSM_MAC: ("bpf_lsm_", Func),
    uapi.BPF_LSM_CGROUP: ("bpf_lsm_", Func),
}
"""``btf_get_kernel_prefix_kind``: the vmlinux BTF name and kind an attach target is found as."""


class ProgramLoadError(BPFError):
    """BPF_PROG_LOAD refused a program of an object: ``log`` is the verifier log with C source lines and the
    object's instruction numbers; ``raw_log`` the log as the kernel (or pybpf) wrote it."""

    def __init__(self, err: int, program: str, section: str, log: str, raw_log: str) -> None:
        reason = os.strerror(err)
        text = f"program '{program}' (section {section}): BPF_PROG_LOAD failed: {reason}"
        if log.strip():
            text += f"\n-- BEGIN PROG LOAD LOG --\n{log.rstrip()}\n-- END PROG LOAD LOG --"
        super().__init__(err, text)
        self.program = program
        self.section = section
        self.log = log
        self.raw_log = raw_log


@dataclass
class LoadOptions:
    """How to load: where to pin, which BTF CO-RE and attach targets resolve against, the log."""

    pin_root: str | None = None
    """Directory for maps pinned by name (None: pinning maps is refused with a clear error)."""
    target_btf: Callable[[], BTF | None] = lambda: None
    """Called once, when a program needs it (CO-RE relocations, attach BTF ids)."""
    log_level: int = 0
    """BPF_PROG_LOAD log level for every load (0: a log is asked for only when a load fails)."""
    programs: frozenset[str] | None = None
    """Load only these programs (None: every program whose ``autoload`` is set)."""


@dataclass
class LoadedObject:
    """The fds of a loaded object (owned: ``close()`` closes them all)."""

    btf_fd: int = -1
    maps: dict[str, int] = field(default_factory=dict)
    programs: dict[str, int] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    """Verifier logs of loaded programs (annotated), when ``log_level`` asked for them."""
    raw_logs: dict[str, str] = field(default_factory=dict)
    """The same logs as the kernel (or pybpf) wrote them: instruction numbers of the loaded program."""
    linked: dict[str, LinkedProgram] = field(default_factory=dict)
    core: dict[str, list[tuple[int, CoreResult]]] = field(default_factory=dict)
    pinned: dict[str, str] = field(default_factory=dict)
    """Map name -> pin path, for maps pinned or reused by name."""
    reused: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    arenas: dict[str, ArenaMapping] = field(default_factory=dict)
    """Map name -> this process's mapping of an arena (libbpf's ``map->mmaped``)."""
    struct_ops: dict[str, bytes] = field(default_factory=dict)
    """struct_ops map name -> the value that registers it (its programs' fds at their members)."""

    def close(self) -> None:
        for mapping in self.arenas.values():
            mapping.close()
        self.arenas.clear()
        for fd in [*self.programs.values(), *self.maps.values(), self.btf_fd]:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.programs.clear()
        self.maps.clear()
        self.btf_fd = -1


def load_spec(spec: ObjectSpec, backend: Backend, options: LoadOptions | None = None) -> LoadedObject:
    """Create every map and load every program of ``spec`` through ``backend``."""
    return _Loader(spec, backend, options or LoadOptions()).load()


class _Loader:
    def __init__(self, spec: ObjectSpec, backend: Backend, options: LoadOptions) -> None:
        self.spec = spec
        self.backend = backend
        self.options = options
        self.out = LoadedObject()
        self._target: BTF | None = None
        self._target_loaded = False
        self._struct_ops: dict[str, KernStructOps] = {}
        self._struct_ops_targets: dict[str, int] = {}
        self._func_info = True

    def load(self) -> LoadedObject:
        try:
            self._load_btf()
            self._init_struct_ops()
            created = [m for m in self.spec.maps.values() if m.autocreate]
            for m in created:
                self._create_map(m)
            for m in created:
                if m.is_map_in_map and m.name not in self.out.reused:
                    for slot, target in sorted(m.contents.items()):
                        self._update(m.name, self.out.maps[m.name], slot, self._map_fd(target, m.name))
            for program in self._programs():
                self._load_program(program)
            for m in created:
                if m.map_type == uapi.BPF_MAP_TYPE_PROG_ARRAY:
                    for slot, name in sorted(m.contents.items()):
                        fd = self.out.programs.get(name)
                        if fd is not None:
                            self._update(m.name, self.out.maps[m.name], slot, fd)
            for name, kern in self._struct_ops.items():
                self.out.struct_ops[name] = with_program_fds(kern, self.out.programs)
        except BaseException:
            self.out.close()
            raise
        return self.out

    def _target_btf(self) -> BTF | None:
        if not self._target_loaded:
            self._target = self.options.target_btf()
            self._target_loaded = True
        return self._target

    def _bpf(self, cmd: int, attr: uapi.bpf_attr, what: str) -> int:
        try:
            return self.backend.bpf(cmd, attr)
        except BPFError as exc:
            error = BPFError(
                exc.errno or errno.EINVAL,
                f"{what}: {uapi.bpf_cmd(cmd).name} failed: {os.strerror(exc.errno or errno.EINVAL)}",
            )
            error.log = exc.log
            raise error from None

    # -- BTF ------------------------------------------------------------------------------------------------
    def _load_btf(self) -> None:
        btf = self.spec.btf
        if btf is None:
            return
        try:
            blobs = [encode_btf(btf), encode_btf(sanitize_btf(btf))]
        except BTFError as exc:
            self.out.warnings.append(f"BTF cannot be encoded ({exc}); loading without BTF")
            return
        for sanitized, blob in enumerate(blobs):
            data = ctypes.create_string_buffer(blob, len(blob))
            attr = uapi.bpf_attr()
            attr.btf, attr.btf_size = ctypes.addressof(data), len(blob)
            try:
                self.out.btf_fd = self.backend.bpf(uapi.BPF_BTF_LOAD, attr)
                # the sanitized BTF has no FUNCs: like libbpf without FEAT_BTF_FUNC, programs then go
                # without func_info and line_info (their type ids would name TYPEDEFs)
                self._func_info = not sanitized
                return
            except BPFError as exc:
                self.out.warnings.append(f"BPF_BTF_LOAD refused the object's BTF: {exc.strerror}")
        self.out.warnings.append("loading without BTF (it is optional)")

    # -- struct_ops ------------------------------------------------------------------------------------------
    def _init_struct_ops(self) -> None:
        """``bpf_map__init_kern_struct_ops`` of every struct_ops map: the value in the kernel's layout,
        and each of its programs' attach_btf_id and expected_attach_type."""
        for m in self.spec.maps.values():
            if m.struct_ops is None or not m.autocreate:
                continue
            if self.spec.btf is None or self.out.btf_fd < 0:
                raise ELFError(f"struct_ops map '{m.name}': needs the object's BTF loaded")
            running = kernel_btf()  # libbpf's obj->btf_vmlinux: the running kernel's, never a CO-RE target
            kernel = running.btf if running.from_kernel else None
            kern = init_kern_struct_ops(m.name, m.struct_ops, self.spec.btf, kernel)
            self._struct_ops[m.name] = kern
            for program, (type_id, index) in kern.members.items():
                spec = self.spec.programs.get(program)
                if spec is not None:
                    spec.expected_attach_type = index
                    self._struct_ops_targets[program] = type_id

    # -- maps ------------------------------------------------------------------------------------------------
    def _create_map(self, m: MapSpec) -> None:
        pin_path = None
        if m.pinning == PinType.BY_NAME:
            if self.options.pin_root is None:
                raise ELFError(f"map '{m.name}': pinned by name, but no pin root was given")
            pin_path = os.path.join(self.options.pin_root, m.name)
            reused = self._reuse(m, pin_path)
            if reused is not None:
                self.out.maps[m.name] = reused
                self.out.pinned[m.name] = pin_path
                self.out.reused.add(m.name)
                return
        inner_fd = -1
        if m.inner is not None:
            inner_fd = self._create(m.inner, -1)
        try:
            fd = self._create(m, inner_fd)
        finally:
            if inner_fd >= 0:
                os.close(inner_fd)
        self.out.maps[m.name] = fd
        if m.map_type == uapi.BPF_MAP_TYPE_ARENA:
            self._map_arena(m, fd)
        elif m.data is not None:
            self._update(m.name, fd, 0, bytes(m.data))
            if m.frozen:
                attr = uapi.bpf_attr()
                attr.map_fd = fd
                self._bpf(uapi.BPF_MAP_FREEZE, attr, f"map '{m.name}'")
        if pin_path is not None:
            path = ctypes.create_string_buffer(os.fsencode(pin_path))
            attr = uapi.bpf_attr()
            attr.pathname, attr.bpf_fd = ctypes.addressof(path), fd
            self._bpf(uapi.BPF_OBJ_PIN, attr, f"map '{m.name}': pin at {pin_path}")
            self.out.pinned[m.name] = pin_path

    def _map_arena(self, m: MapSpec, fd: int) -> None:
        """``bpf_object__create_maps`` for an arena: mmap it whole (MAP_FIXED at ``map_extra`` when set),
        then copy the ``.addr_space.1`` bytes to ``data_offset``."""
        size = m.max_entries * mmap.PAGESIZE
        flags = mmap.MAP_SHARED | (_MAP_FIXED if m.map_extra else 0)
        prot = mmap.PROT_READ | mmap.PROT_WRITE
        try:
            if isinstance(self.backend, UserBackend):
                mapping = arena_mmap(fd, size, m.map_extra, prot=prot, flags=flags)
            else:
                mapping = ArenaMapping.of_fd(fd, size, m.map_extra, prot=prot, flags=flags)
        except BPFError as exc:
            err = exc.errno or errno.EINVAL
            raise BPFError(err, f"map '{m.name}': failed to mmap arena: {exc.strerror}") from None
        self.out.arenas[m.name] = mapping
        if m.data is not None and mapping.view is not None:
            mapping.view[m.data_offset : m.data_offset + len(m.data)] = bytes(m.data)

    def _max_entries(self, m: MapSpec) -> int:
        """``map_set_def_max_entries`` / ``adjust_ringbuf_sz``."""
        if m.map_type == uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY and not m.max_entries:
            return possible_cpus()
        if m.map_type in (uapi.BPF_MAP_TYPE_RINGBUF, uapi.BPF_MAP_TYPE_USER_RINGBUF) and m.max_entries:
            size = mmap.PAGESIZE
            while size < m.max_entries and size < 1 << 31:
                size <<= 1
            return size
        return m.max_entries

    def _create(self, m: MapSpec, inner_fd: int) -> int:
        attr = uapi.bpf_attr()
        attr.map_type, attr.key_size, attr.value_size = m.map_type, m.key_size, m.value_size
        attr.max_entries, attr.map_flags = self._max_entries(m), m.flags
        attr.numa_node, attr.map_extra = m.numa_node, m.map_extra
        attr.map_name = m.kernel_name.encode()[: uapi.BPF_OBJ_NAME_LEN - 1]
        if inner_fd >= 0:
            attr.inner_map_fd = inner_fd
        kern = self._struct_ops.get(m.name)
        if kern is not None:  # the kernel's value type; the object's BTF, which the kernel requires
            attr.value_size, attr.btf_vmlinux_value_type_id = len(kern.value), kern.value_type_id
            attr.btf_fd = self.out.btf_fd
            return self._bpf(uapi.BPF_MAP_CREATE, attr, f"map '{m.name}'")
        typed = (
            self.out.btf_fd >= 0 and (m.key_type_id or m.value_type_id) and m.map_type not in _NO_BTF_TYPES
        )
        if typed:
            attr.btf_fd, attr.btf_key_type_id, attr.btf_value_type_id = (
                self.out.btf_fd,
                m.key_type_id,
                m.value_type_id,
            )
            try:
                return self.backend.bpf(uapi.BPF_MAP_CREATE, attr)
            except BPFError as exc:
                self.out.warnings.append(
                    f"map '{m.name}': BPF_MAP_CREATE with BTF failed ({exc.strerror}); retrying without BTF"
                )
            attr.btf_fd = attr.btf_key_type_id = attr.btf_value_type_id = 0
        return self._bpf(uapi.BPF_MAP_CREATE, attr, f"map '{m.name}'")

    def _reuse(self, m: MapSpec, path: str) -> int | None:
        """``bpf_object__reuse_map``: the fd of a compatible pin, None when nothing is pinned there."""
        name = ctypes.create_string_buffer(os.fsencode(path))
        attr = uapi.bpf_attr()
        attr.pathname = ctypes.addressof(name)
        try:
            fd = self.backend.bpf(uapi.BPF_OBJ_GET, attr)
        except BPFError as exc:
            if exc.errno == errno.ENOENT:
                return None
            raise BPFError(
                exc.errno or errno.EINVAL, f"map '{m.name}': BPF_OBJ_GET of pin {path} failed: {exc.strerror}"
            ) from None
        try:
            info = uapi.bpf_map_info()
            attr = uapi.bpf_attr()
            attr.info.bpf_fd, attr.info.info_len, attr.info.info = (
                fd,
                ctypes.sizeof(info),
                ctypes.addressof(info),
            )
            self._bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr, f"map '{m.name}': pin {path}")
            wanted = (m.map_type, m.key_size, m.value_size, self._max_entries(m), m.flags, m.map_extra)
            found = (
                info.type,
                info.key_size,
                info.value_size,
                info.max_entries,
                info.map_flags,
                info.map_extra,
            )
            if wanted != found:
                raise ELFError(
                    f"map '{m.name}': couldn't reuse pinned map at {path}: parameter mismatch "
                    f"(type, key, value, max_entries, flags, extra: {found} != {wanted})"
                )
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _map_fd(self, name: str, owner: str) -> int:
        fd = self.out.maps.get(name)
        if fd is None:
            raise ELFError(f"map '{owner}': initial slot refers to map '{name}', which was not created")
        return fd

    def _update(self, name: str, fd: int, key: int, value: int | bytes) -> None:
        raw = value if isinstance(value, bytes) else value.to_bytes(4, "little")
        key_buf = ctypes.create_string_buffer(key.to_bytes(4, "little"), 4)
        value_buf = ctypes.create_string_buffer(raw, max(len(raw), 1))
        attr = uapi.bpf_attr()
        attr.map_fd, attr.key, attr.value = fd, ctypes.addressof(key_buf), ctypes.addressof(value_buf)
        self._bpf(uapi.BPF_MAP_UPDATE_ELEM, attr, f"map '{name}': initial value of slot {key}")

    # -- programs --------------------------------------------------------------------------------------------
    def _programs(self) -> list[ProgramSpec]:
        wanted = self.options.programs
        if wanted is not None:
            unknown = sorted(wanted - set(self.spec.programs))
            if unknown:
                raise ELFError(
                    f"no program named {', '.join(repr(n) for n in unknown)} in {self.spec.path}",
                    err=errno.ENOENT,
                )
            return [p for p in self.spec.programs.values() if p.name in wanted]
        return [p for p in self.spec.programs.values() if p.autoload]

    def _load_program(self, program: ProgramSpec) -> None:
        where = f"program '{program.name}'"
        if not program.prog_type:
            raise ELFError(f"{where}: section '{program.section}' names no program type libbpf knows")
        linked = link_program(self.spec, program)
        needs_target = bool(linked.core_relos)
        core = relocate_core(linked, self.spec.btf, self._target_btf() if needs_target else None)
        relocate_references(linked, self.spec, self.out.maps)
        self.out.linked[program.name] = linked
        self.out.core[program.name] = core
        code = ctypes.create_string_buffer(bytes(linked.code), len(linked.code))
        license_buf = ctypes.create_string_buffer(program.license.encode("latin-1"))
        attr = uapi.bpf_attr()
        attr.prog_type, attr.insn_cnt, attr.insns = program.prog_type, linked.slots, ctypes.addressof(code)
        attr.license = ctypes.addressof(license_buf)
        attr.kern_version = program.kernel_version
        attr.prog_flags = program.prog_flags
        attr.expected_attach_type = program.expected_attach_type
        attr.prog_name = _kernel_name(program.name)
        attr.attach_btf_id = self._attach_btf_id(program)
        attr.attach_prog_fd = program.attach_prog_fd
        keep: list[object] = [code, license_buf]
        if self.out.btf_fd >= 0:
            attr.prog_btf_fd = self.out.btf_fd
        if self.out.btf_fd >= 0 and self._func_info:
            if linked.func_info:
                raw = encode_func_info(linked.func_info, self.spec.func_info_rec_size)
                buf = ctypes.create_string_buffer(raw, len(raw))
                keep.append(buf)
                attr.func_info, attr.func_info_cnt = ctypes.addressof(buf), len(linked.func_info)
                attr.func_info_rec_size = self.spec.func_info_rec_size
            if linked.line_info:
                raw = encode_line_info(linked.line_info, self.spec.line_info_rec_size)
                buf = ctypes.create_string_buffer(raw, len(raw))
                keep.append(buf)
                attr.line_info, attr.line_info_cnt = ctypes.addressof(buf), len(linked.line_info)
                attr.line_info_rec_size = self.spec.line_info_rec_size
        fd, raw_log = self._prog_load(attr, program, linked, core)
        self.out.programs[program.name] = fd
        if raw_log:
            self.out.logs[program.name] = annotate_log(raw_log, linked, core, list(self.spec.maps))
            self.out.raw_logs[program.name] = raw_log

    def _prog_load(
        self,
        attr: uapi.bpf_attr,
        program: ProgramSpec,
        linked: LinkedProgram,
        core: list[tuple[int, CoreResult]],
    ) -> tuple[int, str]:
        """``bpf_object_load_prog``'s retries: a log only when asked or after a refusal, grown on ENOSPC.
        The fd and the log as written (annotated by the caller)."""
        level = self.options.log_level
        size = 0
        while True:
            log: _LogBuffer | None = None
            if level:  # (libbpf's own buffer: at least 16 MiB, twice the last one's size)
                size = max(LOG_BUF_SIZE, size * 2)
                try:
                    log = _LogBuffer(size)
                except OSError:  # libbpf: the buffer's realloc() failed
                    raise ProgramLoadError(errno.ENOMEM, program.name, program.section, "", "") from None
            attr.log_level = level
            attr.log_size = size if log is not None else 0
            attr.log_buf = log.address if log is not None else 0
            try:
                fd = self.backend.bpf(uapi.BPF_PROG_LOAD, attr)
            except BPFError as exc:
                if level == 0:
                    level = 1
                    continue
                if exc.errno == errno.ENOSPC and size <= MAX_LOG_SIZE:
                    continue
                raw = log.text() if log is not None else exc.log
                if not raw and exc.log:
                    raw = exc.log
                raise ProgramLoadError(
                    exc.errno or errno.EINVAL,
                    program.name,
                    program.section,
                    annotate_log(raw, linked, core, list(self.spec.maps)),
                    raw,
                ) from None
            return fd, log.text() if log is not None else ""

    def _attach_btf_id(self, program: ProgramSpec) -> int:
        if program.name in self._struct_ops_targets:  # set by its struct_ops map
            return self._struct_ops_targets[program.name]
        row = find_section_def(program.section.removeprefix("?"))
        if row is None or not row.flags & SecFlag.ATTACH_BTF:
            return 0
        where = f"program '{program.name}' (section {program.section})"
        if not program.attach_target:
            raise ELFError(f"{where}: no attach target after '/' in the section name")
        if program.prog_type == uapi.BPF_PROG_TYPE_EXT or program.attach_prog_fd:
            if not program.attach_prog_fd:
                raise ELFError(f"{where}: attach program FD is not set")
            return self._prog_btf_id(program, where)
        target = self._target_btf()
        if target is None:
            raise ELFError(
                f"{where}: needs the kernel's BTF for its attach target (none found)", err=errno.ESRCH
            )
        prefix, kind = _ATTACH_BTF.get(program.expected_attach_type, ("", Func))
        name = prefix + program.attach_target.split(":", 1)[-1]
        try:
            return target.find(name, kind)
        except BTFError:
            raise ELFError(f"{where}: {name} is not found in the kernel's BTF", err=errno.ESRCH) from None

    def _prog_btf_id(self, program: ProgramSpec, where: str) -> int:
        name = program.attach_target.split(":", 1)[-1]
        try:
            return find_prog_btf_id(self.backend, program.attach_prog_fd, name)
        except BPFError as exc:
            raise ELFError(f"{where}: {exc.strerror}", err=exc.errno or errno.EINVAL) from None


class _LogBuffer:
    """A verifier log buffer of ``size`` bytes in anonymous memory: its pages are zero until written, so
    libbpf's 16 MiB (and larger) buffers cost only what the log fills (a ctypes buffer clears them all)."""

    def __init__(self, size: int) -> None:
        self._memory = mmap.mmap(-1, size)
        self._view = ctypes.c_char.from_buffer(self._memory)
        self.address = ctypes.addressof(self._view)

    def text(self) -> str:
        """The NUL-terminated log written into the buffer."""
        end = self._memory.find(b"\0")
        return self._memory[: end if end >= 0 else len(self._memory)].decode(errors="replace")


def _get_info(backend: Backend, fd: int, info: _Info) -> _Info:
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len = fd, ctypes.sizeof(info)
    attr.info.info = ctypes.addressof(info)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return info


def btf_by_id(backend: Backend, btf_id: int) -> BTF:
    """libbpf's ``btf__load_from_kernel_by_id``: BPF_BTF_GET_FD_BY_ID, the raw data through
    BPF_OBJ_GET_INFO_BY_FD (size first, then the bytes), parsed (``BTFError`` for bad data)."""
    attr = uapi.bpf_attr()
    attr.btf_id = btf_id
    fd = backend.bpf(uapi.BPF_BTF_GET_FD_BY_ID, attr)
    try:
        size = _get_info(backend, fd, uapi.bpf_btf_info()).btf_size
        raw = ctypes.create_string_buffer(max(1, size))
        info = uapi.bpf_btf_info()
        info.btf, info.btf_size = ctypes.addressof(raw), size
        _get_info(backend, fd, info)
    finally:
        os.close(fd)
    return parse_btf(raw.raw[:size])


def find_prog_btf_id(backend: Backend, prog_fd: int, name: str) -> int:
    """``libbpf_find_prog_btf_id``: the FUNC ``name`` in the BTF of the loaded program ``prog_fd``
    (EINVAL when it has no BTF, ESRCH when the function is not there, the bpf() errors of the
    lookups)."""
    info = _get_info(backend, prog_fd, uapi.bpf_prog_info())
    if not info.btf_id:
        raise BPFError(errno.EINVAL, f"the target program (fd {prog_fd}) doesn't have BTF")
    try:
        return btf_by_id(backend, info.btf_id).find(name, Func)
    except BTFError:
        raise BPFError(errno.ESRCH, f"{name} is not found in the target program's BTF") from None


def _kernel_name(name: str) -> bytes:
    """The program name the kernel is given: at most 15 characters of [A-Za-z0-9_.]."""
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "_.") else "_" for c in name)
    return cleaned.encode()[: uapi.BPF_OBJ_NAME_LEN - 1]
