"""freplace links as link objects: their info (BPF_LINK_TYPE_TRACING, the target program and the
replaced function), pins that keep the replacement alive with no fd, ids, the commands they refuse
(detach: EOPNOTSUPP, update: EINVAL, as bpf_tracing_link_lops has neither), and the prog array side
of the EBUSY rule (an extended program cannot become a prog array's member: prog_fd_array_get_ptr).

The kernel pybpf is measured on refuses freplace loads (``test_ext``): these follow its source."""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import UserBackend
from pybpf.libbpf import bpf_map_create, bpf_map_update_elem, bpf_obj_get, bpf_obj_pin
from pybpf.object import Object
from tests.progtypes.test_ext_links import LARGE, engine, extension, target, tc_verdict_id

__all__ = ["engine", "target"]  # fixtures shared with test_ext_links


def link_info(fd: int) -> uapi.bpf_link_info:
    info = uapi.bpf_link_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len = fd, ctypes.sizeof(info)
    attr.info.info = ctypes.addressof(info)
    UserBackend().bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return info


def test_info_detach_update(target: Object) -> None:
    tc = target.programs["tc_target"]
    ext = extension(target, "new_tc_verdict", "tc_target", "tc_verdict")
    try:
        prog = ext.programs["new_tc_verdict"]
        with prog.attach_freplace() as link:
            info = link_info(link.fd)
            assert (info.type, info.prog_id) == (uapi.BPF_LINK_TYPE_TRACING, prog.id)
            assert (info.tracing.attach_type, info.tracing.target_obj_id) == (0, tc.id)
            assert info.tracing.target_btf_id == tc_verdict_id(target)
            attr = uapi.bpf_attr()
            attr.link_detach.link_fd = link.fd
            with pytest.raises(BPFError) as exc:
                UserBackend().bpf(uapi.BPF_LINK_DETACH, attr)
            assert exc.value.errno == errno.EOPNOTSUPP
            attr = uapi.bpf_attr()
            attr.link_update.link_fd, attr.link_update.new_prog_fd = link.fd, prog.fd
            with pytest.raises(BPFError) as exc:
                UserBackend().bpf(uapi.BPF_LINK_UPDATE, attr)
            assert exc.value.errno == errno.EINVAL
    finally:
        ext.close()


def test_pinned_link_keeps_the_replacement(target: Object, _private_bpffs: Path) -> None:
    tc = target.programs["tc_target"]
    ext = extension(target, "new_tc_verdict", "tc_target", "tc_verdict")
    path = str(_private_bpffs / "freplace_link")
    try:
        link = ext.programs["new_tc_verdict"].attach_freplace()
        link_id = link_info(link.fd).id
        bpf_obj_pin(link.fd, path)
        link.close()
        assert tc.run(LARGE).retval == 1  # still replaced: the pin holds the link
        attr = uapi.bpf_attr()
        attr.start_id = 0
        UserBackend().bpf(uapi.BPF_LINK_GET_NEXT_ID, attr)
        assert attr.next_id == link_id
        fd = bpf_obj_get(path)
        assert link_info(fd).id == link_id
        os.close(fd)
        os.unlink(path)
        assert tc.run(LARGE).retval == 2  # the last fd and pin went: the function is restored
    finally:
        ext.close()


def test_extended_program_is_no_prog_array_member(target: Object) -> None:
    tc = target.programs["tc_target"]
    array = bpf_map_create(uapi.BPF_MAP_TYPE_PROG_ARRAY, "progs", 4, 4, 1)
    ext = extension(target, "new_tc_verdict", "tc_target", "tc_verdict")
    key, value = (0).to_bytes(4, "little"), tc.fd.to_bytes(4, "little")
    try:
        with ext.programs["new_tc_verdict"].attach_freplace():
            with pytest.raises(BPFError) as exc:
                bpf_map_update_elem(array, key, value)
            assert exc.value.errno == errno.EBUSY
        bpf_map_update_elem(array, key, value)  # the link went: a member again
    finally:
        os.close(array)
        ext.close()
