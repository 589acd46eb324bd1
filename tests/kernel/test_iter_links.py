"""Iterator links and BPF_ITER_CREATE, and the commands every link shares, on pybpf and the kernel.

The programs (tests/data/c/iter_links.c) walk the bpf_map and bpf_prog iterators and print the
objects named ``vlk_*``: the same objects on both backends give the same bytes.  The link commands
(BPF_LINK_GET_NEXT_ID / _GET_FD_BY_ID, BPF_OBJ_PIN / _GET, BPF_OBJ_GET_INFO_BY_FD, BPF_LINK_DETACH,
BPF_LINK_UPDATE) are asked of both and must answer alike: the same errnos, the same info.
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pybpf import IterReadError, Link, uapi
from pybpf.btf.kinds import Kind
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.iter_link import read_iter
from pybpf.kernel.native import NativeBackend
from pybpf.libbpf import MapCreateOpts, ProgLoadOpts, bpf_map_create, bpf_obj_get, bpf_obj_pin, bpf_prog_load
from pybpf.object import Object
from pybpf.verifier.kernel_btf import vmlinux_btf

ITERS = Path(__file__).parents[1] / "data" / "c" / "iter_links.o"
pytestmark = pytest.mark.usefixtures("engine")


def errno_of(call: Callable[[], object]) -> int:
    try:
        call()
    except OSError as exc:
        return exc.errno or 0
    return 0


def link_create(backend: Backend, prog_fd: int, attach_type: int = uapi.BPF_TRACE_ITER, **fields: int) -> int:
    attr = uapi.bpf_attr()
    attr.link_create.prog_fd = prog_fd
    attr.link_create.attach_type = attach_type
    for name, value in fields.items():
        setattr(attr.link_create, name, value)
    return backend.bpf(uapi.BPF_LINK_CREATE, attr)


def iter_create(backend: Backend, link_fd: int, flags: int = 0) -> int:
    attr = uapi.bpf_attr()
    attr.iter_create.link_fd, attr.iter_create.flags = link_fd, flags
    return backend.bpf(uapi.BPF_ITER_CREATE, attr)


def read_all(backend: Backend, fd: int, size: int = 1 << 16) -> tuple[bytes, int]:
    """What reads of an iterator fd yield, then the errno that ended them (0: the end)."""
    if isinstance(backend, NativeBackend):
        chunks = []
        try:
            while chunk := os.read(fd, size):
                chunks.append(chunk)
        except OSError as exc:
            return b"".join(chunks), exc.errno or 0
        return b"".join(chunks), 0
    return read_iter(fd, size)


def link_info(backend: Backend, fd: int, name_len: int = 0) -> tuple[uapi.bpf_link_info, bytes]:
    info = uapi.bpf_link_info()
    name = ctypes.create_string_buffer(max(name_len, 1))
    if name_len:
        info.iter.target_name, info.iter.target_name_len = ctypes.addressof(name), name_len
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len = fd, ctypes.sizeof(info)
    attr.info.info = ctypes.addressof(info)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return info, name.raw[:name_len]


@pytest.fixture
def maps(backend: Backend) -> Iterator[list[int]]:
    fds = [
        bpf_map_create(uapi.BPF_MAP_TYPE_HASH, "vlk_hash", 4, 8, 10, backend=backend),
        bpf_map_create(uapi.BPF_MAP_TYPE_ARRAY, "vlk_array", 4, 16, 3, backend=backend),
        bpf_map_create(uapi.BPF_MAP_TYPE_LRU_HASH, "vlk_lru", 8, 8, 7, backend=backend),
    ]
    yield fds
    for fd in fds:
        os.close(fd)


def load(backend: Backend, **rodata: int) -> Object:
    obj = Object.open(ITERS, backend=backend)
    for name, value in rodata.items():
        setattr(obj.rodata, name, value)
    return obj.load()


def test_map_and_prog_iterators_print_the_same(backend: Backend, maps: list[int]) -> None:
    with load(backend) as obj:
        outputs = []
        for name in ("vlk_maps", "vlk_progs"):
            link = link_create(backend, obj.programs[name].fd)
            fd = iter_create(backend, link)
            outputs.append(read_all(backend, fd))
            os.close(fd)
            small = iter_create(backend, link)  # small reads: the same bytes
            assert read_all(backend, small, 7) == outputs[-1]
            os.close(small)
            os.close(link)
    assert outputs == [
        (
            b"vlk_hash type 1 key 4 value 8 max 10 flags 0\n"
            b"vlk_array type 2 key 4 value 16 max 3 flags 0\n"
            b"vlk_lru type 9 key 8 value 8 max 7 flags 0\nmaps done\n",
            0,
        ),
        (
            b"vlk_maps type 26 attach 28\nvlk_count type 26 attach 28\n"
            b"vlk_progs type 26 attach 28\nprogs done\n",
            0,
        ),
    ]


def test_retry_ends_the_read_with_eagain(backend: Backend, maps: list[int]) -> None:
    with load(backend, stop_at=3) as obj:  # returns 1 at vlk_array
        link = link_create(backend, obj.programs["vlk_maps"].fd)
        fd = iter_create(backend, link)
        data, err = read_all(backend, fd)
        os.close(fd)
        os.close(link)
    assert (data, err) == (b"vlk_hash type 1 key 4 value 8 max 10 flags 0\n", errno.EAGAIN)


def test_overflowing_object_is_e2big(backend: Backend, maps: list[int]) -> None:
    with load(backend, big=1) as obj:  # 80 KiB for each map: more than the seq_file's buffer
        link = link_create(backend, obj.programs["vlk_maps"].fd)
        fd = iter_create(backend, link)
        data, err = read_all(backend, fd)
        os.close(fd)
        os.close(link)
    assert (data, err) == (b"", errno.E2BIG)


def test_seq_num_counts_the_objects() -> None:
    """pybpf alone: the kernel's walk sees every map of the machine, so its seq_num differs."""
    backend = UserBackend()
    fds = [bpf_map_create(uapi.BPF_MAP_TYPE_ARRAY, f"vlk_{i}", 4, 4, 1, backend=backend) for i in range(3)]
    with load(backend) as obj:  # its .rodata and .bss maps come after
        link = link_create(backend, obj.programs["vlk_count"].fd)
        fd = iter_create(backend, link)
        assert read_iter(fd)[0] == b"seq 0 session? 1\nseq 1 session? 1\nseq 2 session? 1\n"
        os.close(fd)
        os.close(link)
    for fd in fds:
        os.close(fd)


def test_link_create_and_iter_create_errors(backend: Backend) -> None:
    with load(backend) as obj:
        prog = obj.programs["vlk_maps"].fd
        assert errno_of(lambda: link_create(backend, prog, target_fd=1)) == errno.EINVAL
        assert errno_of(lambda: link_create(backend, prog, flags=1)) == errno.EINVAL
        assert errno_of(lambda: link_create(backend, prog, iter_info_len=8)) == errno.EINVAL
        assert errno_of(lambda: link_create(backend, prog, uapi.BPF_TRACE_FENTRY)) == errno.EINVAL
        big = ctypes.create_string_buffer(64)
        big[40] = b"\1"
        assert (
            errno_of(lambda: link_create(backend, prog, iter_info=ctypes.addressof(big), iter_info_len=64))
            == errno.E2BIG
        )
        link = link_create(backend, prog, iter_info=ctypes.addressof(big), iter_info_len=16)
        assert errno_of(lambda: iter_create(backend, link, flags=1)) == errno.EINVAL
        assert errno_of(lambda: iter_create(backend, prog)) == errno.EINVAL  # a program is no link
        assert errno_of(lambda: iter_create(backend, 9999)) == errno.EBADF
        os.close(link)


def test_link_info(backend: Backend) -> None:
    with load(backend) as obj:
        prog = obj.programs["vlk_progs"]
        link = link_create(backend, prog.fd)
        info, name = link_info(backend, link, 32)
        assert (info.type, info.prog_id, info.iter.target_name_len) == (uapi.BPF_LINK_TYPE_ITER, prog.id, 9)
        assert name == b"bpf_prog".ljust(32, b"\0")
        assert errno_of(lambda: link_info(backend, link, 4)) == errno.ENOSPC
        info = uapi.bpf_link_info()
        info.iter.target_name_len = 8  # a length without a buffer
        attr = uapi.bpf_attr()
        attr.info.bpf_fd, attr.info.info_len, attr.info.info = (
            link,
            ctypes.sizeof(info),
            ctypes.addressof(info),
        )
        assert errno_of(lambda: backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)) == errno.EINVAL
        short = uapi.bpf_link_info()
        attr.info.info_len, attr.info.info = 12, ctypes.addressof(short)
        backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
        assert (attr.info.info_len, short.prog_id, short.iter.target_name_len) == (12, prog.id, 0)
        os.close(link)


def test_ids_pins_and_fds(backend: Backend, pin_dir: Path) -> None:
    with load(backend) as obj:
        link = link_create(backend, obj.programs["vlk_maps"].fd)
        link_id = link_info(backend, link)[0].id
        attr = uapi.bpf_attr()
        attr.start_id = link_id - 1
        backend.bpf(uapi.BPF_LINK_GET_NEXT_ID, attr)
        assert attr.next_id == link_id
        attr.start_id = 0x7FFFFFFF
        assert errno_of(lambda: backend.bpf(uapi.BPF_LINK_GET_NEXT_ID, attr)) == errno.EINVAL
        by_id = uapi.bpf_attr()
        by_id.link_id = link_id
        again = backend.bpf(uapi.BPF_LINK_GET_FD_BY_ID, by_id)
        assert link_info(backend, again)[0].id == link_id
        os.close(again)
        by_id.open_flags = uapi.BPF_F_RDONLY
        assert errno_of(lambda: backend.bpf(uapi.BPF_LINK_GET_FD_BY_ID, by_id)) == errno.EINVAL
        by_id.open_flags, by_id.link_id = 0, 0
        assert errno_of(lambda: backend.bpf(uapi.BPF_LINK_GET_FD_BY_ID, by_id)) == errno.ENOENT
        path = str(pin_dir / "vlk_link")
        bpf_obj_pin(link, path, backend=backend)
        os.close(link)
        assert errno_of(lambda: bpf_obj_get(path, uapi.BPF_F_RDONLY, backend=backend)) == errno.EINVAL
        pinned = bpf_obj_get(path, backend=backend)
        assert link_info(backend, pinned)[0].id == link_id
        fd = iter_create(backend, pinned)  # the pin kept the link and its program
        assert read_all(backend, fd)[0].endswith(b"maps done\n")
        os.close(fd)
        os.close(pinned)
        os.unlink(path)


def test_detach_and_update(backend: Backend) -> None:
    with load(backend) as obj:
        maps_prog, count_prog = obj.programs["vlk_maps"], obj.programs["vlk_count"]
        progs_prog = obj.programs["vlk_progs"]
        link = link_create(backend, maps_prog.fd)
        detach = uapi.bpf_attr()
        detach.link_detach.link_fd = link
        assert errno_of(lambda: backend.bpf(uapi.BPF_LINK_DETACH, detach)) == errno.EOPNOTSUPP
        detach.link_detach.link_fd = maps_prog.fd
        assert errno_of(lambda: backend.bpf(uapi.BPF_LINK_DETACH, detach)) == errno.EINVAL

        def update(new: int, flags: int = 0, old: int = 0, fd: int = link) -> int:
            attr = uapi.bpf_attr()
            attr.link_update.link_fd, attr.link_update.new_prog_fd = fd, new
            attr.link_update.flags, attr.link_update.old_prog_fd = flags, old
            return errno_of(lambda: backend.bpf(uapi.BPF_LINK_UPDATE, attr))

        assert update(count_prog.fd, flags=2) == errno.EINVAL
        assert update(count_prog.fd, old=maps_prog.fd) == errno.EINVAL
        assert update(progs_prog.fd) == errno.EINVAL  # another target
        assert update(count_prog.fd, uapi.BPF_F_REPLACE, progs_prog.fd) == errno.EPERM
        assert update(count_prog.fd, uapi.BPF_F_REPLACE, 9999) == errno.EBADF
        assert update(count_prog.fd, fd=maps_prog.fd) == errno.EINVAL
        assert update(count_prog.fd, uapi.BPF_F_REPLACE, maps_prog.fd) == 0
        assert link_info(backend, link)[0].prog_id == count_prog.id
        assert update(maps_prog.fd) == 0
        assert link_info(backend, link)[0].prog_id == maps_prog.id
        os.close(link)


def test_a_link_is_shared_with_a_child(backend: Backend) -> None:
    """A forked child holds the link through the fd it inherited: it creates iterators from it, and
    the link lives after the parent closed its fd until the child's goes."""
    with load(backend) as obj:
        link = link_create(backend, obj.programs["vlk_progs"].fd)
        link_id = link_info(backend, link)[0].id
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 1
            try:
                os.close(read)
                os.read(os.open("/dev/null", os.O_RDONLY), 1)
                fd = iter_create(backend, link)
                os.write(write, read_all(backend, fd)[0])
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        os.close(link)
        output = b""
        while chunk := os.read(read, 4096):
            output += chunk
        os.close(read)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert output.endswith(b"progs done\n")
        by_id = uapi.bpf_attr()
        by_id.link_id = link_id  # every fd closed: gone (the kernel frees it when the last goes)
        assert errno_of(lambda: backend.bpf(uapi.BPF_LINK_GET_FD_BY_ID, by_id)) == errno.ENOENT


def test_program_attach_iter_and_link_api(backend: Backend, maps: list[int]) -> None:
    with load(backend, stop_at=3) as obj:
        with obj.programs["vlk_progs"].attach_iter() as link:
            assert link.target_name() == "bpf_prog"
            assert link.read_iter().endswith(b"vlk_progs type 26 attach 28\nprogs done\n")
            with pytest.raises(BPFError) as exc:
                link.detach()
            assert exc.value.errno == errno.EOPNOTSUPP
        with obj.programs["vlk_maps"].attach_iter() as link:
            with pytest.raises(IterReadError) as failed:
                link.read_iter()
            assert failed.value.errno == errno.EAGAIN
            assert failed.value.partial == b"vlk_hash type 1 key 4 value 8 max 10 flags 0\n"
            link.update_program(obj.programs["vlk_count"], old=obj.programs["vlk_maps"])
            assert link.info().prog_id == obj.programs["vlk_count"].id
            with Link.from_id(link.id, backend=backend) as again:
                assert again.target_name() == "bpf_map"


def test_link_commands_on_other_fds(backend: Backend) -> None:
    """Any fd that is no link is EINVAL for the link commands (a write-only map fd, a pipe), a
    closed one EBADF."""
    opts = MapCreateOpts(map_flags=uapi.BPF_F_WRONLY)
    write_only = bpf_map_create(uapi.BPF_MAP_TYPE_ARRAY, "vlk_wo", 4, 4, 1, opts, backend=backend)
    read, write = os.pipe()
    try:
        for fd in (write_only, read, write):
            attr = uapi.bpf_attr()
            attr.link_detach.link_fd = fd
            assert errno_of(lambda a=attr: backend.bpf(uapi.BPF_LINK_DETACH, a)) == errno.EINVAL  # type: ignore[misc]
            assert errno_of(lambda f=fd: iter_create(backend, f)) == errno.EINVAL  # type: ignore[misc]
        attr = uapi.bpf_attr()
        attr.link_detach.link_fd = 0x7FFFFFF0
        assert errno_of(lambda: backend.bpf(uapi.BPF_LINK_DETACH, attr)) == errno.EBADF
    finally:
        for fd in (write_only, read, write):
            os.close(fd)


def _iter_program(backend: Backend, target: str) -> int:
    """``r0 = 0; exit`` as an iterator of ``target`` (its bpf_iter_<target> function's id)."""
    btf = vmlinux_btf()
    assert btf is not None
    func = next(i for i in btf.ids_by_name(f"bpf_iter_{target}") if btf[i].kind == Kind.FUNC)
    insns = assemble("r0 = 0\nexit\n", "kernel")
    opts = ProgLoadOpts(expected_attach_type=uapi.BPF_TRACE_ITER, attach_btf_id=func)
    return bpf_prog_load(
        uapi.BPF_PROG_TYPE_TRACING, "vlk_task", "GPL", insns, len(insns), opts, backend=backend
    )


def test_targets_pybpf_does_not_serve(backend: Backend) -> None:
    """The task iterator walks the kernel's tasks: the kernel links it, pybpf (which has no tasks to
    walk) answers ENOENT, the kernel's answer for a target it lacks."""
    prog = _iter_program(backend, "task")
    try:
        result = errno_of(lambda: os.close(link_create(backend, prog)))
        assert result == (0 if isinstance(backend, NativeBackend) else errno.ENOENT)
    finally:
        os.close(prog)
