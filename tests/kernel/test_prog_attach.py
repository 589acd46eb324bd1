"""BPF_PROG_ATTACH / BPF_PROG_DETACH / BPF_PROG_QUERY on both backends (Linux 6.18's answers).

Sockmaps and sockhashes (``sock_map_get_from_fd``, ``sock_map_prog_detach``,
``sock_map_bpf_prog_query``) are modelled in full; the flow dissector of a network namespace is run
on the kernel in a child process that has its own namespace (never the host's); the other targets
are asked only what pybpf answers exactly (bad attach types, wrong fds, flags).  Nothing here
attaches a program to anything the machine uses.
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Callable, Iterator

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.map import Map
from pybpf.program import Program

SV, SP = uapi.BPF_SK_SKB_STREAM_VERDICT, uapi.BPF_SK_SKB_STREAM_PARSER
MV, KV = uapi.BPF_SK_MSG_VERDICT, uapi.BPF_SK_SKB_VERDICT
NOT_OPEN = 9999


def _errno(call: Callable[[], object]) -> int:
    try:
        call()
    except BPFError as exc:
        return int(exc.errno or 0)
    return 0


def _attr(target: int, prog: int, attach_type: int, flags: int = 0, replace: int = 0) -> uapi.bpf_attr:
    attr = uapi.bpf_attr()
    attr.target_fd, attr.attach_bpf_fd, attr.attach_type = target, prog, attach_type
    attr.attach_flags, attr.replace_bpf_fd = flags, replace
    return attr


def attach(backend: Backend, target: int, prog: int, attach_type: int, **kw: int) -> int:
    return backend.bpf(uapi.BPF_PROG_ATTACH, _attr(target, prog, attach_type, **kw))


def detach(backend: Backend, target: int, prog: int, attach_type: int, **kw: int) -> int:
    return backend.bpf(uapi.BPF_PROG_DETACH, _attr(target, prog, attach_type, **kw))


def query(
    backend: Backend, target: int, attach_type: int, *, flags: int = 0, count: int = 4, ids: bool = True
) -> tuple[int, int, int, list[int]]:
    """(errno or 0, attach_flags, prog_cnt, the id buffer) after BPF_PROG_QUERY, the attr's output
    fields preset to 0x55 and 4 and the buffer to 7s, to see which the command writes."""
    attr = uapi.bpf_attr()
    attr.query.target_fd, attr.query.attach_type, attr.query.query_flags = target, attach_type, flags
    attr.query.attach_flags = 0x55
    buffer = (ctypes.c_uint32 * 4)(7, 7, 7, 7)
    attr.query.prog_ids = ctypes.addressof(buffer) if ids else 0
    attr.query.prog_cnt = count
    code = _errno(lambda: backend.bpf(uapi.BPF_PROG_QUERY, attr))
    return code, attr.query.attach_flags, attr.query.prog_cnt, list(buffer)


class Objects:
    def __init__(self, backend: Backend) -> None:
        self.verdict = Program.load("r0 = 1\nexit", "sk_skb", backend=backend)
        self.parser = Program.load("r0 = 0\nexit", "sk_skb", backend=backend)
        self.typed = Program.load(
            "r0 = 0\nexit", "sk_skb", expected_attach_type=SP, backend=backend
        )  # loaded for the parser: attach does not look at it
        self.msg = Program.load("r0 = 1\nexit", "sk_msg", backend=backend)
        self.filter = Program.load("r0 = 0\nexit", "socket_filter", backend=backend)
        self.sockmap = Map.create(uapi.BPF_MAP_TYPE_SOCKMAP, 4, 8, 4, backend=backend)
        self.sockhash = Map.create(uapi.BPF_MAP_TYPE_SOCKHASH, 4, 8, 4, backend=backend)
        self.array = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1, backend=backend)


@pytest.fixture
def objs(backend: Backend) -> Iterator[Objects]:
    made = Objects(backend)
    yield made
    for obj in vars(made).values():
        obj.close()


@pytest.mark.parametrize("map_kind", ["sockmap", "sockhash"])
def test_attach_query_replace_detach(backend: Backend, objs: Objects, map_kind: str) -> None:
    target = getattr(objs, map_kind).fd
    assert query(backend, target, SV) == (0, 0, 0, [7, 7, 7, 7])
    attach(backend, target, objs.verdict.fd, SV)
    assert query(backend, target, SV) == (0, 0, 1, [objs.verdict.id, 7, 7, 7])
    assert query(backend, target, SV, count=0) == (0, 0, 1, [7, 7, 7, 7])
    assert query(backend, target, SV, ids=False) == (0, 0, 1, [7, 7, 7, 7])
    attach(backend, target, objs.parser.fd, SV)  # replaces
    assert query(backend, target, SV)[3][0] == objs.parser.id
    assert _errno(lambda: detach(backend, target, objs.verdict.fd, SV)) == errno.ENOENT
    detach(backend, target, objs.parser.fd, SV)
    assert query(backend, target, SV) == (0, 0, 0, [7, 7, 7, 7])
    assert _errno(lambda: detach(backend, target, objs.parser.fd, SV)) == errno.ENOENT


def test_each_attach_point(backend: Backend, objs: Objects) -> None:
    target = objs.sockmap.fd
    attach(backend, target, objs.msg.fd, MV)
    attach(backend, target, objs.parser.fd, SP)
    attach(backend, target, objs.typed.fd, SV)  # the expected attach type is not checked
    assert [query(backend, target, t)[3][0] for t in (MV, SP, SV)] == [
        objs.msg.id, objs.parser.id, objs.typed.id,
    ]  # fmt: skip
    assert query(backend, target, KV)[:3] == (errno.EBUSY, 0, 0)
    assert _errno(lambda: attach(backend, target, objs.verdict.fd, KV)) == errno.EBUSY
    detach(backend, target, objs.typed.fd, SV)
    attach(backend, target, objs.verdict.fd, KV)
    assert _errno(lambda: attach(backend, target, objs.parser.fd, SV)) == errno.EBUSY
    assert query(backend, target, SV)[:3] == (errno.EBUSY, 0, 0)
    assert query(backend, target, KV)[:3] == (0, 0, 1)


def test_an_attached_program_is_held_by_the_map(backend: Backend, objs: Objects) -> None:
    prog = Program.load("r0 = 1\nexit", "sk_skb", backend=backend)
    prog_id = prog.id
    objs.sockmap.attach_program(prog, SV)
    prog.close()
    assert objs.sockmap.query_programs(SV) == [prog_id]
    again = Program.from_id(prog_id, backend=backend)
    objs.sockmap.detach_program(again, SV)
    assert objs.sockmap.query_programs(SV) == []


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("sk_skb prog as msg verdict", errno.EINVAL),
        ("sk_msg prog as stream verdict", errno.EINVAL),
        ("socket filter", errno.EINVAL),
        ("allow multi", errno.EINVAL),
        ("replace flag", errno.EINVAL),
        ("unknown flag", errno.EINVAL),
        ("replace fd alone", errno.EINVAL),
        ("relative fd", errno.EINVAL),
        ("expected revision", errno.EINVAL),
        ("attr tail", errno.EINVAL),
        ("closed prog fd", errno.EBADF),
        ("map as prog", errno.EINVAL),
        ("closed target", errno.EBADF),
        ("prog as target", errno.EINVAL),
        ("array target", errno.EOPNOTSUPP),
        ("unknown attach type", errno.EINVAL),
        ("cgroup attach type", errno.EINVAL),
        ("xdp attach type", errno.EINVAL),
        ("fentry attach type", errno.EINVAL),
    ],
)
def test_attach_refusals(backend: Backend, objs: Objects, case: str, expected: int) -> None:
    m, v = objs.sockmap.fd, objs.verdict.fd
    tail = bytearray(bytes(_attr(m, v, SV)))
    tail[40] = 1
    calls: dict[str, Callable[[], object]] = {
        "sk_skb prog as msg verdict": lambda: attach(backend, m, v, MV),
        "sk_msg prog as stream verdict": lambda: attach(backend, m, objs.msg.fd, SV),
        "socket filter": lambda: attach(backend, m, objs.filter.fd, SV),
        "allow multi": lambda: attach(backend, m, v, SV, flags=uapi.BPF_F_ALLOW_MULTI),
        "replace flag": lambda: attach(backend, m, v, SV, flags=uapi.BPF_F_REPLACE, replace=objs.parser.fd),
        "unknown flag": lambda: attach(backend, m, v, SV, flags=8),
        "replace fd alone": lambda: attach(backend, m, v, SV, replace=objs.parser.fd),
        "relative fd": lambda: backend.bpf(uapi.BPF_PROG_ATTACH, _with(m, v, SV, relative_fd=3)),
        "expected revision": lambda: backend.bpf(uapi.BPF_PROG_ATTACH, _with(m, v, SV, expected_revision=3)),
        "attr tail": lambda: backend.bpf(uapi.BPF_PROG_ATTACH, tail),
        "closed prog fd": lambda: attach(backend, m, NOT_OPEN, SV),
        "map as prog": lambda: attach(backend, m, m, SV),
        "closed target": lambda: attach(backend, NOT_OPEN, v, SV),
        "prog as target": lambda: attach(backend, objs.parser.fd, v, SV),
        "array target": lambda: attach(backend, objs.array.fd, v, SV),
        "unknown attach type": lambda: attach(backend, m, v, 200),
        "cgroup attach type": lambda: attach(backend, m, v, uapi.BPF_CGROUP_INET_INGRESS),
        "xdp attach type": lambda: attach(backend, m, objs.filter.fd, uapi.BPF_XDP),
        "fentry attach type": lambda: attach(backend, m, objs.filter.fd, uapi.BPF_TRACE_FENTRY),
    }
    assert _errno(calls[case]) == expected
    assert query(backend, m, SV) == (0, 0, 0, [7, 7, 7, 7])


def _with(target: int, prog: int, attach_type: int, **fields: int) -> uapi.bpf_attr:
    attr = _attr(target, prog, attach_type)
    for name, value in fields.items():
        setattr(attr, name, value)
    return attr


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("wrong program", errno.ENOENT),
        ("sk_msg prog", errno.EINVAL),
        ("flags", errno.EINVAL),
        ("replace fd", errno.EINVAL),
        ("relative fd", errno.EINVAL),
        ("closed prog fd", errno.EBADF),
        ("prog fd 0", errno.EINVAL),
        ("closed target", errno.EBADF),
        ("array target", errno.EOPNOTSUPP),
        ("unknown attach type", errno.EINVAL),
    ],
)
def test_detach_refusals(backend: Backend, objs: Objects, case: str, expected: int) -> None:
    m, p = objs.sockmap.fd, objs.parser.fd
    attach(backend, m, p, SP)
    calls: dict[str, Callable[[], object]] = {
        "wrong program": lambda: detach(backend, m, objs.verdict.fd, SP),
        "sk_msg prog": lambda: detach(backend, m, objs.msg.fd, SP),
        "flags": lambda: detach(backend, m, p, SP, flags=1),
        "replace fd": lambda: detach(backend, m, p, SP, replace=p),
        "relative fd": lambda: backend.bpf(uapi.BPF_PROG_DETACH, _with(m, p, SP, relative_fd=1)),
        "closed prog fd": lambda: detach(backend, m, NOT_OPEN, SP),
        "prog fd 0": lambda: detach(backend, m, 0, SP),
        "closed target": lambda: detach(backend, NOT_OPEN, p, SP),
        "array target": lambda: detach(backend, objs.array.fd, p, SP),
        "unknown attach type": lambda: detach(backend, m, p, 200),
    }
    assert _errno(calls[case]) == expected
    assert query(backend, m, SP)[:3] == (0, 0, 1)


def test_query_refusals(backend: Backend, objs: Objects) -> None:
    m = objs.sockmap.fd
    untouched = [7, 7, 7, 7]
    assert query(backend, m, SV, flags=uapi.BPF_F_QUERY_EFFECTIVE) == (errno.EINVAL, 0x55, 4, untouched)
    assert query(backend, m, SV, flags=2) == (errno.EINVAL, 0x55, 4, untouched)
    assert query(backend, objs.array.fd, SV) == (errno.EOPNOTSUPP, 0, 0, untouched)
    assert query(backend, NOT_OPEN, SV) == (errno.EBADF, 0x55, 4, untouched)
    assert query(backend, objs.parser.fd, SV) == (errno.EINVAL, 0x55, 4, untouched)
    assert query(backend, m, 200) == (errno.EINVAL, 0x55, 4, untouched)
    raw = bytearray(bytes(uapi.bpf_attr()))
    raw[64] = 1  # past query.revision
    assert _errno(lambda: backend.bpf(uapi.BPF_PROG_QUERY, raw)) == errno.EINVAL


def test_other_targets(backend: Backend, objs: Objects) -> None:
    """What pybpf answers as the kernel does for targets it does not model: fds of the wrong kind."""
    cgroup_skb = Program.load("r0 = 1\nexit", "cgroup_skb", backend=backend)
    with open("/dev/null", "rb") as devnull:
        other = devnull.fileno()
        for target in (other, objs.array.fd, NOT_OPEN):  # cgroup_get_from_fd
            assert _errno(
                lambda target=target: attach(backend, target, cgroup_skb.fd, uapi.BPF_CGROUP_INET_INGRESS)
            ) == (errno.EBADF)
            assert _errno(
                lambda target=target: detach(backend, target, cgroup_skb.fd, uapi.BPF_CGROUP_INET_INGRESS)
            ) == (errno.EBADF)
            assert query(backend, target, uapi.BPF_CGROUP_DEVICE)[0] == errno.EBADF
        # lirc: not a lirc device
        lirc_prog = objs.filter.fd
        assert _errno(lambda: attach(backend, other, lirc_prog, uapi.BPF_LIRC_MODE2)) == errno.EINVAL
        assert _errno(lambda: detach(backend, other, lirc_prog, uapi.BPF_LIRC_MODE2)) == errno.EINVAL
        assert query(backend, other, uapi.BPF_LIRC_MODE2)[0] == errno.EINVAL
        # namespace queries need an nsfs fd of a network namespace
        assert query(backend, 0, uapi.BPF_FLOW_DISSECTOR)[0] == errno.EINVAL
        assert query(backend, other, uapi.BPF_SK_LOOKUP)[0] == errno.EINVAL
        assert query(backend, NOT_OPEN, uapi.BPF_FLOW_DISSECTOR)[0] == errno.EBADF
        netns = os.open("/proc/self/ns/net", os.O_RDONLY)
        try:
            assert query(backend, netns, uapi.BPF_SK_LOOKUP) == (0, 0, 0, [7, 7, 7, 7])
            assert query(backend, netns, uapi.BPF_SK_LOOKUP, flags=1)[0] == errno.EINVAL
            flow = Program.load("r0 = 0\nexit", "flow_dissector", backend=backend)
            # a target_fd is EINVAL before the namespace is touched
            assert _errno(lambda: attach(backend, netns, flow.fd, uapi.BPF_FLOW_DISSECTOR)) == errno.EINVAL
            assert _errno(lambda: detach(backend, netns, flow.fd, uapi.BPF_FLOW_DISSECTOR)) == errno.EINVAL
        finally:
            os.close(netns)
    # tcx: no such device
    cls = Program.load("r0 = 0\nexit", "sched_cls", backend=backend)
    assert _errno(lambda: attach(backend, 0x7FFFFFF0, cls.fd, uapi.BPF_TCX_INGRESS)) == errno.ENODEV


def _flow_dissector_story(backend: Backend) -> list[object]:
    """Attach, replace, query and detach flow dissectors in the calling process's namespace."""
    flow = uapi.BPF_FLOW_DISSECTOR
    first = Program.load("r0 = 0\nexit", "flow_dissector", backend=backend)
    second = Program.load("r0 = 0\nexit", "flow_dissector", backend=backend)
    other = Program.load("r0 = 0\nexit", "socket_filter", backend=backend)
    netns = os.open("/proc/self/ns/net", os.O_RDONLY)
    ids = {first.id: "first", second.id: "second"}

    def named(answer: tuple[int, int, int, list[int]]) -> tuple[object, ...]:
        return (*answer[:3], [ids.get(found, found) for found in answer[3]])

    story: list[object] = [named(query(backend, netns, flow))]
    story.append(_errno(lambda: detach(backend, 0, first.fd, flow)))
    for flags, replace in ((1, 0), (8, 0), (0, second.fd)):
        story.append(
            _errno(lambda f=flags, r=replace: attach(backend, 0, first.fd, flow, flags=f, replace=r))
        )
    story.append(_errno(lambda: attach(backend, 0, other.fd, flow)))
    story.append(_errno(lambda: attach(backend, 0, NOT_OPEN, flow)))
    story.append(_errno(lambda: attach(backend, 0, first.fd, flow)))
    story.append(named(query(backend, netns, flow)))
    story.append(_errno(lambda: attach(backend, 0, first.fd, flow)))  # the same again: EINVAL
    story.append(_errno(lambda: attach(backend, 0, second.fd, flow)))  # another replaces it
    story.append(named(query(backend, netns, flow)))
    story.append(named(query(backend, netns, flow, count=0)))
    story.append(_errno(lambda: detach(backend, 0, first.fd, flow)))
    story.append(_errno(lambda: detach(backend, 0, second.fd, flow, flags=1)))
    story.append(_errno(lambda: detach(backend, 0, other.fd, flow)))
    story.append(_errno(lambda: detach(backend, 0, NOT_OPEN, flow)))
    story.append(_errno(lambda: detach(backend, 0, second.fd, flow, replace=first.fd)))  # ignored
    story.append(named(query(backend, netns, flow)))
    os.close(netns)
    return story


def test_flow_dissector_of_a_namespace(backend: Backend) -> None:
    """Run in a child process that, on the kernel, has a network namespace of its own."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (the child)
        code = 0
        try:
            os.close(read_end)
            if backend.name == "native":
                libc = ctypes.CDLL(None, use_errno=True)
                if libc.unshare(0x40000000) != 0:  # CLONE_NEWNET
                    os.write(write_end, b"skip")
                    os._exit(0)
            os.write(write_end, repr(_flow_dissector_story(backend)).encode())
        except BaseException as exc:  # reported to the parent
            os.write(write_end, f"error {exc!r}".encode())
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        told = reader.read().decode()
    os.waitpid(pid, 0)
    if told == "skip":
        pytest.skip("no network namespace of its own for the child")
    empty, untouched = [7, 7, 7, 7], [7, 7, 7, 7]
    assert told == repr([
        (0, 0, 0, empty),
        errno.ENOENT,
        errno.EINVAL, errno.EINVAL, errno.EINVAL,
        errno.EINVAL, errno.EBADF,
        0,
        (0, 0, 1, ["first", 0, 0, 0]),
        errno.EINVAL,
        0,
        (0, 0, 1, ["second", 0, 0, 0]),
        (0, 0, 1, untouched),
        errno.ENOENT, errno.EINVAL, errno.EINVAL, errno.EBADF,
        0,
        (0, 0, 0, empty),
    ])  # fmt: skip


def test_a_map_lets_its_programs_go_with_its_last_fd() -> None:
    """``sock_map_release_progs``: the last fd of the map gone, its programs are no longer held
    (pybpf collects them at the next collection; the kernel frees them asynchronously)."""
    from pybpf.kernel.backend import UserBackend
    from pybpf.kernel.progobj import get_next_id

    backend = UserBackend()
    sockmap = Map.create(uapi.BPF_MAP_TYPE_SOCKMAP, 4, 8, 4, backend=backend)
    prog = Program.load("r0 = 1\nexit", "sk_skb", backend=backend)
    prog_id = prog.id
    sockmap.attach_program(prog, SV)
    prog.close()
    assert get_next_id(prog_id - 1) == prog_id  # held by the map
    sockmap.close()
    with pytest.raises(BPFError) as refused:
        get_next_id(prog_id - 1)
    assert refused.value.errno == errno.ENOENT


def test_query_into_a_bad_buffer(backend: Backend, objs: Objects) -> None:
    """The id goes to ``prog_ids`` before ``prog_cnt`` is written: EFAULT leaves ``prog_cnt`` as it was."""
    attach(backend, objs.sockmap.fd, objs.verdict.fd, SV)
    attr = uapi.bpf_attr()
    attr.query.target_fd, attr.query.attach_type = objs.sockmap.fd, SV
    attr.query.attach_flags, attr.query.prog_ids, attr.query.prog_cnt = 0x55, 8, 4
    assert _errno(lambda: backend.bpf(uapi.BPF_PROG_QUERY, attr)) == errno.EFAULT
    assert (attr.query.attach_flags, attr.query.prog_cnt) == (0, 4)


FLAG_CHECKS = [
    ("attach", "SK_SKB_STREAM_VERDICT", "attach_flags", 1, "EBADF"),
    ("attach", "SK_SKB_STREAM_VERDICT", "attach_flags", 4, "EBADF"),
    ("attach", "SK_SKB_STREAM_VERDICT", "attach_flags", 8, "EINVAL"),
    ("attach", "SK_SKB_STREAM_VERDICT", "attach_flags", 64, "EBADF"),
    ("attach", "SK_SKB_STREAM_VERDICT", "attach_flags", 128, "EINVAL"),
    ("attach", "SK_SKB_STREAM_VERDICT", "attach_flags", 8192, "EINVAL"),
    ("attach", "SK_SKB_STREAM_VERDICT", "relative_fd", 5, "EINVAL"),
    ("attach", "SK_SKB_STREAM_VERDICT", "expected_revision", 5, "EINVAL"),
    ("detach", "SK_SKB_STREAM_VERDICT", "attach_flags", 1, "EINVAL"),
    ("detach", "SK_SKB_STREAM_VERDICT", "attach_flags", 4, "EINVAL"),
    ("detach", "SK_SKB_STREAM_VERDICT", "attach_flags", 8, "EINVAL"),
    ("detach", "SK_SKB_STREAM_VERDICT", "attach_flags", 64, "EINVAL"),
    ("detach", "SK_SKB_STREAM_VERDICT", "attach_flags", 128, "EINVAL"),
    ("detach", "SK_SKB_STREAM_VERDICT", "attach_flags", 8192, "EINVAL"),
    ("detach", "SK_SKB_STREAM_VERDICT", "relative_fd", 5, "EINVAL"),
    ("detach", "SK_SKB_STREAM_VERDICT", "expected_revision", 5, "EINVAL"),
    ("attach", "FLOW_DISSECTOR", "attach_flags", 1, "EBADF"),
    ("attach", "FLOW_DISSECTOR", "attach_flags", 4, "EBADF"),
    ("attach", "FLOW_DISSECTOR", "attach_flags", 8, "EINVAL"),
    ("attach", "FLOW_DISSECTOR", "attach_flags", 64, "EBADF"),
    ("attach", "FLOW_DISSECTOR", "attach_flags", 128, "EINVAL"),
    ("attach", "FLOW_DISSECTOR", "attach_flags", 8192, "EINVAL"),
    ("attach", "FLOW_DISSECTOR", "relative_fd", 5, "EINVAL"),
    ("attach", "FLOW_DISSECTOR", "expected_revision", 5, "EINVAL"),
    ("detach", "FLOW_DISSECTOR", "attach_flags", 1, "EINVAL"),
    ("detach", "FLOW_DISSECTOR", "attach_flags", 4, "EINVAL"),
    ("detach", "FLOW_DISSECTOR", "attach_flags", 8, "EINVAL"),
    ("detach", "FLOW_DISSECTOR", "attach_flags", 64, "EINVAL"),
    ("detach", "FLOW_DISSECTOR", "attach_flags", 128, "EINVAL"),
    ("detach", "FLOW_DISSECTOR", "attach_flags", 8192, "EINVAL"),
    ("detach", "FLOW_DISSECTOR", "relative_fd", 5, "EINVAL"),
    ("detach", "FLOW_DISSECTOR", "expected_revision", 5, "EINVAL"),
    ("attach", "LIRC_MODE2", "attach_flags", 1, "EBADF"),
    ("attach", "LIRC_MODE2", "attach_flags", 4, "EBADF"),
    ("attach", "LIRC_MODE2", "attach_flags", 8, "EINVAL"),
    ("attach", "LIRC_MODE2", "attach_flags", 64, "EBADF"),
    ("attach", "LIRC_MODE2", "attach_flags", 128, "EINVAL"),
    ("attach", "LIRC_MODE2", "attach_flags", 8192, "EINVAL"),
    ("attach", "LIRC_MODE2", "relative_fd", 5, "EINVAL"),
    ("attach", "LIRC_MODE2", "expected_revision", 5, "EINVAL"),
    ("detach", "LIRC_MODE2", "attach_flags", 1, "EINVAL"),
    ("detach", "LIRC_MODE2", "attach_flags", 4, "EINVAL"),
    ("detach", "LIRC_MODE2", "attach_flags", 8, "EINVAL"),
    ("detach", "LIRC_MODE2", "attach_flags", 64, "EINVAL"),
    ("detach", "LIRC_MODE2", "attach_flags", 128, "EINVAL"),
    ("detach", "LIRC_MODE2", "attach_flags", 8192, "EINVAL"),
    ("detach", "LIRC_MODE2", "relative_fd", 5, "EINVAL"),
    ("detach", "LIRC_MODE2", "expected_revision", 5, "EINVAL"),
    ("attach", "TRACE_FENTRY", "attach_flags", 1, "EBADF"),
    ("attach", "TRACE_FENTRY", "attach_flags", 4, "EBADF"),
    ("attach", "TRACE_FENTRY", "attach_flags", 8, "EINVAL"),
    ("attach", "TRACE_FENTRY", "attach_flags", 64, "EBADF"),
    ("attach", "TRACE_FENTRY", "attach_flags", 128, "EINVAL"),
    ("attach", "TRACE_FENTRY", "attach_flags", 8192, "EINVAL"),
    ("attach", "TRACE_FENTRY", "relative_fd", 5, "EINVAL"),
    ("attach", "TRACE_FENTRY", "expected_revision", 5, "EINVAL"),
    ("detach", "TRACE_FENTRY", "attach_flags", 1, "EINVAL"),
    ("detach", "TRACE_FENTRY", "attach_flags", 4, "EINVAL"),
    ("detach", "TRACE_FENTRY", "attach_flags", 8, "EINVAL"),
    ("detach", "TRACE_FENTRY", "attach_flags", 64, "EINVAL"),
    ("detach", "TRACE_FENTRY", "attach_flags", 128, "EINVAL"),
    ("detach", "TRACE_FENTRY", "attach_flags", 8192, "EINVAL"),
    ("detach", "TRACE_FENTRY", "relative_fd", 5, "EINVAL"),
    ("detach", "TRACE_FENTRY", "expected_revision", 5, "EINVAL"),
    ("attach", "CGROUP_DEVICE", "attach_flags", 1, "EBADF"),
    ("attach", "CGROUP_DEVICE", "attach_flags", 4, "EBADF"),
    ("attach", "CGROUP_DEVICE", "attach_flags", 8, "EBADF"),
    ("attach", "CGROUP_DEVICE", "attach_flags", 64, "EBADF"),
    ("attach", "CGROUP_DEVICE", "attach_flags", 128, "EINVAL"),
    ("attach", "CGROUP_DEVICE", "attach_flags", 8192, "EBADF"),
    ("attach", "CGROUP_DEVICE", "relative_fd", 5, "EBADF"),
    ("attach", "CGROUP_DEVICE", "expected_revision", 5, "EBADF"),
    ("detach", "CGROUP_DEVICE", "attach_flags", 1, "EINVAL"),
    ("detach", "CGROUP_DEVICE", "attach_flags", 4, "EINVAL"),
    ("detach", "CGROUP_DEVICE", "attach_flags", 8, "EINVAL"),
    ("detach", "CGROUP_DEVICE", "attach_flags", 64, "EINVAL"),
    ("detach", "CGROUP_DEVICE", "attach_flags", 128, "EINVAL"),
    ("detach", "CGROUP_DEVICE", "attach_flags", 8192, "EINVAL"),
    ("detach", "CGROUP_DEVICE", "relative_fd", 5, "EINVAL"),
    ("detach", "CGROUP_DEVICE", "expected_revision", 5, "EBADF"),
]
"""(command, attach type, attr field, value, Linux 6.18's errno) with a sockmap fd as the target and a
closed program fd: the flag checks of ``bpf_prog_attach`` / ``bpf_prog_detach`` for each kind of
target (cgroups take 6.16's ordering flags, ``relative_fd`` and ``expected_revision``), and which
come before the program lookup (EBADF) or the target's own refusal."""


@pytest.mark.parametrize("case", FLAG_CHECKS, ids=lambda case: "-".join(map(str, case[:4])))
def test_flag_checks(backend: Backend, case: tuple[str, str, str, int, str]) -> None:
    command, attach_type, field, value, expected = case
    with Map.create(uapi.BPF_MAP_TYPE_SOCKMAP, 4, 8, 4, backend=backend) as sockmap:
        attr = _attr(sockmap.fd, NOT_OPEN, getattr(uapi, f"BPF_{attach_type}"))
        setattr(attr, field, value)
        cmd = uapi.BPF_PROG_ATTACH if command == "attach" else uapi.BPF_PROG_DETACH
        assert errno.errorcode.get(_errno(lambda: backend.bpf(cmd, attr))) == expected
