"""``pybpf.Object``: an ELF object that clang compiled, opened, edited and loaded -- libbpf's ``bpf_object``.

Mirrors libbpf's object API (``bpf_object__open_file`` with ``btf_custom_path`` / ``kconfig`` /
``pin_root_path``, ``bpf_object__load``, ``bpf_object__find_map_by_name``,
``bpf_object__find_program_by_name``, the skeleton's ``skel->rodata`` / ``skel->bss``,
``bpf_object__close``) over any backend::

    with pybpf.Object.open("xdp_count.o") as obj:
        obj.rodata.verdict = 1            # a `const volatile` set before load, typed through BTF
        obj.load()
        run = obj.programs["xdp_count"].run(packet)
        print(obj.maps["counts"][0], obj.bss.packets)

``open`` reads the file into ``obj.spec`` (an :class:`~pybpf.elf.ObjectSpec`: plain data, editable until
``load``); ``load`` creates every map and loads every program through ``bpf()`` (pybpf's own or, with
``backend=NativeBackend()``, the kernel's).  Maps are :class:`~pybpf.Map` objects typed from BTF (a
struct key or value reads as a ctypes structure laid out as in C, an unsigned integer as ``int``);
programs are :class:`ObjectProgram` -- a :class:`~pybpf.Program` that names the C source line of a
run-time fault.  A program the verifier refuses raises
:class:`~pybpf.elf.loader.ProgramLoadError` (a ``BPFError``) whose message and ``.log`` show the
verifier log with ``; <C source> @ file.c:NN`` lines and the object's instruction numbers.

Closing the object (or leaving its ``with`` block, or dropping the last reference to it) closes every
map and program fd it holds; pins made by name stay, as in the kernel.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Any

from pybpf import uapi
from pybpf.btf.ctypes_types import ctype_of, field_names, python_type
from pybpf.btf.parse import read_btf_file_once
from pybpf.btf.raw import BTFError
from pybpf.btf.types import BTF, Datasec
from pybpf.elf.collect import read_object
from pybpf.elf.errors import ELFError
from pybpf.elf.externs import kernel_version_code, read_kconfig, resolve_kconfig
from pybpf.elf.link import LinkedProgram
from pybpf.elf.loader import LoadedObject, LoadOptions, ProgramLoadError, load_spec
from pybpf.elf.log import object_insn_name, source_line
from pybpf.elf.spec import MapSpec, ObjectSpec, ProgramSpec
from pybpf.errors import BPFError, ProgramFaultError
from pybpf.kernel.backend import Backend, get_backend
from pybpf.kernel_version import KERNEL_VERSION, KernelVersion
from pybpf.libbpf import bpf_link_create
from pybpf.link import Link
from pybpf.map import Map
from pybpf.objects.files import bpffs_root
from pybpf.program import Program

__all__ = ["GlobalData", "Object", "ObjectProgram", "ProgramLoadError", "load_object", "target_btf"]

VMLINUX_BTF = "/sys/kernel/btf/vmlinux"
KERNEL_PIN_ROOT = "/sys/fs/bpf"
_btf_cache: dict[tuple[str, int, int], BTF] = {}


def target_btf(path: str | os.PathLike[str] | None = None) -> BTF | None:
    """The BTF CO-RE relocations resolve against: ``path`` (a raw BTF file, or an ELF object whose .BTF is
    taken), else the running kernel's ``/sys/kernel/btf/vmlinux``, else None.  Parsed once per file."""
    chosen = os.fspath(path) if path is not None else VMLINUX_BTF
    try:
        st = os.stat(chosen)
    except OSError as exc:
        if path is None:
            return None
        raise ELFError(f"target BTF {chosen}: {exc.strerror}", err=exc.errno or errno.ENOENT) from None
    key = (chosen, st.st_mtime_ns, st.st_size)
    found = _btf_cache.get(key)
    if found is None:
        try:
            with open(chosen, "rb") as f:
                head = f.read(4)
            if head == b"\x7fELF":
                spec = read_object(chosen)
                if spec.btf is None:
                    raise ELFError(f"target BTF {chosen}: the object has no .BTF section")
                found = spec.btf
            else:
                found = read_btf_file_once(chosen)
        except BTFError as exc:
            raise ELFError(f"target BTF {chosen}: {exc}") from None
        except OSError as exc:
            if isinstance(exc, BPFError):
                raise
            raise ELFError(f"target BTF {chosen}: {exc.strerror}", err=exc.errno or errno.EIO) from None
        _btf_cache[key] = found
    return found


class ObjectProgram(Program):
    """A program of a loaded object: a :class:`~pybpf.Program` that also knows its spec and source.

    ``spec`` is its :class:`~pybpf.elf.ProgramSpec`, ``linked`` the instructions as loaded (with the
    subprograms appended), ``section`` its ELF section.  ``run`` adds the C source line (and the object's
    instruction number) to a run-time fault's message, and sets ``.source`` on the exception
    (``fault_located``).
    """

    spec: ProgramSpec
    linked: LinkedProgram

    @property
    def section(self) -> str:
        return self.spec.section

    def source_line(self, slot: int) -> str:
        """``; <C source> @ file.c:NN`` of instruction ``slot`` of the loaded program ("" if unknown)."""
        return source_line(self.linked, slot)

    def fault_located(self, exc: ProgramFaultError) -> None:
        """A run-time fault of ``run`` names its C source line (and the object's instruction number)."""
        pc = None if exc.pc is None else self.loaded_slot(exc.pc)
        if pc is not None and 0 <= pc < self.linked.slots:
            where = object_insn_name(self.linked, pc)
            line = source_line(self.linked, pc)
            exc.source = line  # type: ignore[attr-defined]
            exc.strerror = (
                f"{exc.strerror} (insn {where} of {self.spec.name}{': ' + line[2:] if line else ''})"
            )


class GlobalData:
    """Typed access to the variables of one global-data section (``.rodata``, ``.bss``, ``.data.*``...).

    ``obj.rodata.limit`` reads a variable, ``obj.rodata.limit = 10`` writes it: before ``load`` into the
    section's initial bytes (``obj.spec.maps[".rodata"].data``), after it into the live map (a frozen
    ``.rodata`` refuses with EPERM, as the kernel does).  Integers read as ``int``, ``char`` arrays as
    ``bytes``, other arrays as lists and structs as dicts; writes take the same (or a ctypes object).
    Variables whose names are not identifiers (``func.var`` statics) are reached as ``data["func.var"]``.
    """

    def __init__(self, obj: Object, section: str) -> None:
        spec = obj.spec.maps.get(section)
        if spec is None or spec.data is None:
            raise KeyError(f"no global data section {section!r} in {obj.spec.path}")
        btf = obj.spec.btf
        if btf is None or not spec.value_type_id or not isinstance(btf[spec.value_type_id], Datasec):
            raise ELFError(f"section {section!r} has no BTF DATASEC: compile with -g for typed access")
        object.__setattr__(self, "_obj", obj)
        object.__setattr__(self, "_spec", spec)
        object.__setattr__(self, "_ctype", ctype_of(btf, spec.value_type_id))

    def names(self) -> list[str]:
        """The section's variables, in offset order."""
        return field_names(self._ctype)

    def raw(self) -> bytes:
        """The section's current bytes (initial ones before load, the map's after)."""
        live = self._obj._map_or_none(self._spec.name)
        if live is None:
            assert self._spec.data is not None
            return bytes(self._spec.data)
        return bytes(live.lookup(0))

    def as_dict(self) -> dict[str, Any]:
        value = self._ctype.from_buffer_copy(self.raw())
        return {name: _to_python(getattr(value, name)) for name in self.names()}

    def __getitem__(self, name: str) -> Any:
        if name not in self.names():
            raise KeyError(f"no variable {name!r} in {self._spec.name} (has: {', '.join(self.names())})")
        return _to_python(getattr(self._ctype.from_buffer_copy(self.raw()), name))

    def __setitem__(self, name: str, value: Any) -> None:
        if name not in self.names():
            raise KeyError(f"no variable {name!r} in {self._spec.name} (has: {', '.join(self.names())})")
        live = self._obj._map_or_none(self._spec.name)
        if live is None:
            assert self._spec.data is not None
            _assign(self._ctype.from_buffer(self._spec.data), name, value)
            return
        current = self._ctype.from_buffer_copy(self.raw())
        _assign(current, name, value)
        try:
            live.update(0, bytes(current))
        except BPFError as exc:
            if exc.errno == errno.EPERM and self._spec.frozen:
                raise BPFError(
                    errno.EPERM, f"{self._spec.name} is frozen once loaded (set it before load())"
                ) from None
            raise

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(str(exc)) from None

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            self[name] = value
        except KeyError as exc:
            raise AttributeError(str(exc)) from None

    def __dir__(self) -> list[str]:
        return [n for n in self.names() if n.isidentifier()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __repr__(self) -> str:
        return f"<GlobalData {self._spec.name} {self.as_dict()!r}>"


def _to_python(value: Any) -> Any:
    if isinstance(value, bytes):
        return value
    if isinstance(value, ctypes.Array):
        if value._type_ is ctypes.c_char:
            return bytes(value)
        return [_to_python(v) for v in value]
    if isinstance(value, (ctypes.Structure, ctypes.Union)):
        return {name: _to_python(getattr(value, name)) for name in field_names(type(value))}
    return value


def _assign(target: Any, name: str, value: Any) -> None:
    current = getattr(target, name)
    if isinstance(current, (ctypes.Structure, ctypes.Union)) and isinstance(value, Mapping):
        for key, item in value.items():
            _assign(current, key, item)
        return
    if isinstance(current, ctypes.Array) and not isinstance(value, (bytes, ctypes.Array)):
        items = list(value)
        if len(items) > len(current):
            raise ValueError(f"{name}: {len(items)} items for an array of {len(current)}")
        for i, item in enumerate(items):
            current[i] = item
        return
    setattr(target, name, value)


class _Maps(Mapping[str, Map]):
    def __init__(self, obj: Object) -> None:
        self._obj = obj

    def __getitem__(self, name: str) -> Map:
        return self._obj._map(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._obj._live_maps)

    def __len__(self) -> int:
        return len(self._obj._live_maps)


class Object:
    """An ELF BPF object: ``spec`` until :meth:`load`, then live ``maps`` and ``programs`` too."""

    def __init__(
        self,
        spec: ObjectSpec | str | os.PathLike[str] | bytes,
        *,
        backend: Backend | None = None,
        btf_custom_path: str | os.PathLike[str] | None = None,
        kconfig: str | os.PathLike[str] | Mapping[str, object] | None = None,
        pin_root: str | os.PathLike[str] | None = None,
    ) -> None:
        """``spec``: an :class:`ObjectSpec` already read, or the ELF file's path (or its bytes), read
        here as :meth:`open` does."""
        self.spec = spec if isinstance(spec, ObjectSpec) else read_object(spec)
        self.backend: Backend = backend if backend is not None else get_backend()
        self.btf_custom_path = btf_custom_path
        self.kconfig = kconfig
        if pin_root is None:
            pin_root = KERNEL_PIN_ROOT if self.backend.name == "native" else bpffs_root()
        self.pin_root = os.fspath(pin_root)
        self.loaded: LoadedObject | None = None
        self._live_maps: dict[str, Map] = {}
        self._live_programs: dict[str, ObjectProgram] = {}
        self._closed = False

    # -- opening and loading ---------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | bytes,
        *,
        btf_custom_path: str | os.PathLike[str] | None = None,
        kconfig: str | os.PathLike[str] | Mapping[str, object] | None = None,
        pin_root: str | os.PathLike[str] | None = None,
        backend: Backend | None = None,
    ) -> Object:
        """Read the ELF object at ``path`` (or its bytes) into ``.spec``; nothing is created yet.

        ``btf_custom_path``: the BTF CO-RE resolves against (default ``/sys/kernel/btf/vmlinux``);
        ``kconfig``: a kconfig file (or a mapping ``{"CONFIG_HZ": 250}``) for ``__kconfig`` externs
        (default: the running kernel's, when present); ``pin_root``: where maps pinned by name go
        (default ``/sys/fs/bpf`` for the kernel, pybpf's bpffs root otherwise).
        """
        spec = read_object(path)
        return cls(spec, backend=backend, btf_custom_path=btf_custom_path, kconfig=kconfig, pin_root=pin_root)

    def load(self, *, log_level: int = 0, programs: list[str] | None = None) -> Object:
        """Create the maps and load the programs (``programs``: only these); returns ``self``.

        ``log_level``: ask every BPF_PROG_LOAD for a verifier log (kept, annotated, in ``logs``).  A refused
        program raises ``ProgramLoadError``; whatever was created is closed again.
        """
        if self._closed:
            raise BPFError(errno.EBADF, "object is closed")
        if self.loaded is not None:
            raise BPFError(errno.EBUSY, f"{self.spec.path} is already loaded")
        if self.spec.externs:
            resolve_kconfig(self.spec, self._kconfig_values(), self._kernel_version_code())
        options = LoadOptions(
            pin_root=self.pin_root,
            target_btf=lambda: target_btf(self.btf_custom_path),
            log_level=log_level,
            programs=frozenset(programs) if programs is not None else None,
        )
        loaded = load_spec(self.spec, self.backend, options)
        try:
            for name, fd in loaded.maps.items():
                self._live_maps[name] = self._wrap_map(self.spec.maps[name], fd)
            for name, fd in loaded.programs.items():
                program = ObjectProgram(os.dup(fd), backend=self.backend)
                program.spec = self.spec.programs[name]
                program.linked = loaded.linked[name]
                program.log = loaded.logs.get(name, "")
                self._live_programs[name] = program
        except BaseException:
            self._close_live()
            loaded.close()
            raise
        self.loaded = loaded
        return self

    def set_attach_target(self, program: str, target: int | Program, func_name: str | None = None) -> None:
        """libbpf's ``bpf_program__set_attach_target``: load ``program`` (an freplace one) against
        function ``func_name`` (default: the one its section names) of the loaded program ``target``
        (a program or its fd).  Before :meth:`load` only (EBUSY after); ENOENT for an unknown program."""
        if self.loaded is not None:
            raise BPFError(errno.EBUSY, f"{self.spec.path} is already loaded")
        spec = self.spec.programs.get(program)
        if spec is None:
            raise BPFError(errno.ENOENT, f"no program named {program!r} in {self.spec.path}")
        fd = target if isinstance(target, int) else target.fd
        if fd <= 0:
            raise BPFError(errno.EINVAL, f"attach target fd {fd} is not a program fd")
        spec.attach_prog_fd = fd
        if func_name is not None:
            spec.attach_target = func_name

    def _kconfig_values(self) -> dict[str, str]:
        needs_config = any(e.name.startswith("CONFIG_") for e in self.spec.externs.values())
        return read_kconfig(self.kconfig) if needs_config or self.kconfig is not None else {}

    def _kernel_version_code(self) -> int:
        if self.backend.name == "native":
            release = os.uname().release
            version = KernelVersion.parse(release)
            patch = release.split(".")[2] if release.count(".") >= 2 else "0"
            digits = "".join(c for c in patch.split("-")[0] if c.isdigit()) or "0"
            return kernel_version_code(version.major, version.minor, int(digits))
        return kernel_version_code(KERNEL_VERSION.major, KERNEL_VERSION.minor)

    def _wrap_map(self, spec: MapSpec, fd: int) -> Map:
        key_type = value_type = None
        btf = self.spec.btf
        if btf is not None:
            key_type = python_type(btf, spec.key_type_id, spec.key_size)
            value_type = python_type(btf, spec.value_type_id, spec.value_size)  # per CPU on per-CPU maps
        return Map(os.dup(fd), backend=self.backend, key_type=key_type, value_type=value_type)

    # -- live objects ----------------------------------------------------------------------------------
    @property
    def maps(self) -> Mapping[str, Map]:
        """The live maps by name (C name, or the section name for global data: ``.rodata``)."""
        self._require_loaded()
        return _Maps(self)

    @property
    def programs(self) -> Mapping[str, ObjectProgram]:
        """The loaded programs by function name."""
        self._require_loaded()
        return dict(self._live_programs)

    @property
    def logs(self) -> dict[str, str]:
        """Verifier logs of the loads (when ``load(log_level=...)`` asked for them), annotated."""
        return dict(self.loaded.logs) if self.loaded is not None else {}

    @property
    def warnings(self) -> list[str]:
        """What the loader worked around (BTF refused, a map created without BTF ...)."""
        return list(self.loaded.warnings) if self.loaded is not None else []

    @property
    def btf(self) -> BTF | None:
        """The object's BTF (as finalized for loading)."""
        return self.spec.btf

    def _require_loaded(self) -> None:
        if self._closed:
            raise BPFError(errno.EBADF, "object is closed")
        if self.loaded is None:
            raise BPFError(
                errno.ENOENT,
                f"{self.spec.path} is not loaded yet: call load() (the maps and "
                "programs described before loading are in .spec)",
            )

    def _map(self, name: str) -> Map:
        self._require_loaded()
        found = self._live_maps.get(name)
        if found is None:
            known = ", ".join(sorted(self._live_maps))
            raise KeyError(f"no map {name!r} in {self.spec.path} (maps: {known})")
        return found

    def _map_or_none(self, name: str) -> Map | None:
        return self._live_maps.get(name) if self.loaded is not None else None

    def attach_struct_ops(self, name: str) -> Link | None:
        """libbpf's ``bpf_map__attach_struct_ops``: register the struct_ops map ``name`` (a
        ``.struct_ops`` variable) with its programs -- a BPF_MAP_UPDATE_ELEM of key 0 with the value
        the load prepared.  A ``.struct_ops.link`` map (BPF_F_LINK) is registered by a link
        (BPF_LINK_CREATE with BPF_STRUCT_OPS), which is returned: the registration lasts while the
        link does (``Link.update_map`` moves it to another map, ``Link.detach`` ends it); None for a
        plain map, which a delete unregisters.  KeyError for a map that is no struct_ops map of the
        object."""
        self._require_loaded()
        assert self.loaded is not None
        value = self.loaded.struct_ops.get(name)
        if value is None:
            raise KeyError(f"no struct_ops map {name!r} in {self.spec.path}")
        target = self._map(name)
        target.update(0, value)
        if not self.spec.maps[name].flags & uapi.BPF_F_LINK:
            return None
        fd = bpf_link_create(target.fd, 0, uapi.BPF_STRUCT_OPS, backend=self.backend)
        return Link(fd, backend=self.backend)

    # -- pins --------------------------------------------------------------------------------------------
    def pin_programs(self, directory: str | os.PathLike[str]) -> dict[str, str]:
        """``bpf_object__pin_programs``: pin every loaded program at ``directory/<name>`` (what
        ``bpftool prog loadall OBJ DIR`` leaves); returns name -> path.  The directory must exist."""
        self._require_loaded()
        pinned = {}
        for name, program in self._live_programs.items():
            path = os.path.join(os.fspath(directory), name)
            program.pin(path)
            pinned[name] = path
        return pinned

    def pin_maps(self, directory: str | os.PathLike[str]) -> dict[str, str]:
        """``bpf_object__pin_maps``: pin every map at ``directory/<name>``, skipping maps already pinned by
        name; returns name -> path.  The name is made a valid bpffs name as libbpf's ``sanitize_pin_path``
        does (bpffs refuses a '.' in a name: global data ``.rodata`` pins as ``_rodata``)."""
        self._require_loaded()
        assert self.loaded is not None
        pinned = dict(self.loaded.pinned)
        for name, live in self._live_maps.items():
            if name not in pinned:
                path = os.path.join(os.fspath(directory), pin_name(name))
                live.pin(path)
                pinned[name] = path
        return pinned

    # -- global data -------------------------------------------------------------------------------------
    def global_data(self, section: str) -> GlobalData:
        """Typed access to the variables of a global-data section (``.data.counters`` ...)."""
        return GlobalData(self, section)

    @property
    def rodata(self) -> GlobalData:
        return GlobalData(self, ".rodata")

    @property
    def data(self) -> GlobalData:
        return GlobalData(self, ".data")

    @property
    def bss(self) -> GlobalData:
        return GlobalData(self, ".bss")

    @property
    def kconfig_data(self) -> GlobalData:
        """The resolved ``__kconfig`` externs (after load)."""
        return GlobalData(self, ".kconfig")

    # -- lifetime ----------------------------------------------------------------------------------------
    def _close_live(self) -> None:
        for item in [*self._live_programs.values(), *self._live_maps.values()]:
            with contextlib.suppress(OSError):
                item.close()
        self._live_programs.clear()
        self._live_maps.clear()

    def close(self) -> None:
        """Close every map and program fd of the object (pins stay)."""
        if self._closed:
            return
        self._closed = True
        self._close_live()
        if self.loaded is not None:
            self.loaded.close()

    def __enter__(self) -> Object:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "loaded" if self.loaded is not None else "open"
        return (
            f"<Object {self.spec.path} {state}: {len(self.spec.programs)} programs, "
            f"{len(self.spec.maps)} maps, backend={self.backend.name}>"
        )


def pin_name(name: str) -> str:
    """A map's name as a bpffs file name: '.' (refused by bpffs' ``bpf_lookup``) and '/' become '_'."""
    return name.replace(".", "_").replace("/", "_")


def load_object(
    path: str | os.PathLike[str] | bytes,
    *,
    btf_custom_path: str | os.PathLike[str] | None = None,
    kconfig: str | os.PathLike[str] | Mapping[str, object] | None = None,
    pin_root: str | os.PathLike[str] | None = None,
    backend: Backend | None = None,
    log_level: int = 0,
) -> Object:
    """``Object.open(path, ...).load()``: read the ELF object and load it in one step."""
    obj = Object.open(
        path, btf_custom_path=btf_custom_path, kconfig=kconfig, pin_root=pin_root, backend=backend
    )
    try:
        return obj.load(log_level=log_level)
    except BaseException:
        obj.close()
        raise
