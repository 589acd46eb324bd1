"""Pass 2 of BTF verification (``btf_check_all_types``): resolving every type that refers to another.

Mirrors ``kernel/bpf/btf.c``: the depth-first ``btf_resolve`` with its visit states, resolve modes
(RESOLVE_TBD / _PTR / _STRUCT_OR_ARRAY: what counts as a sink), the 32-deep stack ("Exceeded max
resolving depth", E2BIG) and back-edge detection ("Loop detected", EEXIST); each kind's ``resolve``
(modifiers, PTR, VAR, ARRAY, STRUCT/UNION member by member, DATASEC, FUNC, DECL_TAG), each member
kind's ``check_member`` / ``check_kflag_member`` ("Member exceeds struct_size", bitfield rules),
``btf_func_proto_check`` and ``btf_check_type_tags``; the final ``btf_resolve_valid`` sanity check.
"""

from __future__ import annotations

import errno
from collections.abc import Callable

from pybpf.btf.kinds import MODIFIER_KINDS, Kind
from pybpf.btf.raw import RawType
from pybpf.kernel.btf_env import (
    BITS_PER_U128,
    MAX_RESOLVE_DEPTH,
    NEEDS_RESOLVE,
    NOSIZE,
    NOT_VISITED,
    RESOLVE_PTR,
    RESOLVE_SOURCE_ONLY,
    RESOLVE_STRUCT_OR_ARRAY,
    RESOLVE_TBD,
    RESOLVED,
    U32_MAX,
    VISITED,
    BTFEnv,
    BTFVerifyError,
    type_id_size,
)


class ResolvePass(BTFEnv):
    """``btf_check_all_types`` and everything it calls."""

    def by_id(self, type_id: int) -> RawType | None:
        return self.types[type_id] if type_id < len(self.types) else None

    def _check_all_types(self) -> None:
        n = len(self.types)
        self.resolved_ids = [0] * n
        self.resolved_sizes = [0] * n
        self.visit = [NOT_VISITED] * n
        self.stack: list[list[int]] = []  # [type_id, next_member]
        self.mode = RESOLVE_TBD
        self.phase_meta = False
        for type_id in range(1, n):
            t = self.types[type_id]
            self.log_type_id = type_id
            if t.kind in NEEDS_RESOLVE and not self.resolved(type_id):
                self._resolve(t, type_id)
            if t.kind == Kind.FUNC_PROTO:
                self._func_proto_check(t)

    def resolved(self, type_id: int) -> bool:
        return self.visit[type_id] == RESOLVED

    def sink(self, t: RawType) -> bool:
        if self.mode == RESOLVE_TBD:
            return t.kind not in NEEDS_RESOLVE
        if self.mode == RESOLVE_PTR:
            return t.kind not in MODIFIER_KINDS and t.kind != Kind.PTR
        return t.kind not in MODIFIER_KINDS and t.kind not in (Kind.ARRAY, Kind.STRUCT, Kind.UNION)

    def push(self, t: RawType, type_id: int) -> int:
        if len(self.stack) == MAX_RESOLVE_DEPTH:
            return -errno.E2BIG
        if self.visit[type_id] != NOT_VISITED:
            return -errno.EEXIST
        self.visit[type_id] = VISITED
        self.stack.append([type_id, 0])
        if self.mode == RESOLVE_TBD:
            if t.kind == Kind.PTR:
                self.mode = RESOLVE_PTR
            elif t.kind in (Kind.STRUCT, Kind.UNION, Kind.ARRAY):
                self.mode = RESOLVE_STRUCT_OR_ARRAY
        return 0

    def pop_resolved(self, resolved_id: int, size: int) -> int:
        type_id = self.stack.pop()[0]
        self.resolved_sizes[type_id] = size
        self.resolved_ids[type_id] = resolved_id
        self.visit[type_id] = RESOLVED
        return 0

    def id_size(self, type_id: int) -> tuple[RawType, int, int] | None:
        return type_id_size(self.types, self.resolved_ids, self.resolved_sizes, type_id)

    def _resolve(self, t: RawType, type_id: int) -> None:
        saved = self.log_type_id
        self.mode = RESOLVE_TBD
        self.push(t, type_id)
        err = 0
        while not err and self.stack:
            top = self.stack[-1]
            self.log_type_id = top[0]
            err = _RESOLVE[self.types[top[0]].kind](self, self.types[top[0]], top)
        self.log_type_id = type_id
        if err == -errno.E2BIG:
            raise self.type_fail(t, f"Exceeded max resolving depth:{MAX_RESOLVE_DEPTH}", errno.E2BIG)
        if err == -errno.EEXIST:
            raise self.type_fail(t, "Loop detected", errno.EEXIST)
        if not self._resolve_valid(t, type_id):
            raise self.type_fail(t, "Invalid resolve state")
        self.log_type_id = saved

    def _resolve_valid(self, t: RawType, type_id: int) -> bool:
        if not self.resolved(type_id):
            return False
        rid, rsize = self.resolved_ids[type_id], self.resolved_sizes[type_id]
        if t.kind in (Kind.STRUCT, Kind.UNION, Kind.DATASEC):
            return not rid and not rsize
        if t.kind in (Kind.DECL_TAG, Kind.FUNC):
            return bool(rid) and not rsize
        if t.kind in MODIFIER_KINDS or t.kind in (Kind.PTR, Kind.VAR):
            r = self.by_id(rid)
            return r is not None and r.kind not in MODIFIER_KINDS and r.kind not in (Kind.VAR, Kind.DATASEC)
        if t.kind == Kind.ARRAY:
            elem_id, _, nelems = t.array
            found = self.id_size(elem_id)
            return (found is not None and found[0].kind not in MODIFIER_KINDS
                    and (nelems * found[2]) & U32_MAX == rsize)  # fmt: skip
        return False

    def _next_or_push(self, next_type: RawType, next_id: int) -> int | None:
        """Push ``next_type`` when it still has to be resolved (the caller returns the result)."""
        if not self.sink(next_type) and not self.resolved(next_id):
            return self.push(next_type, next_id)
        return None

    def _r_modifier(self, t: RawType, top: list[int]) -> int:
        next_id = t.size_type
        nxt = self.by_id(next_id)
        if nxt is None or nxt.kind in RESOLVE_SOURCE_ONLY:
            raise self.type_fail(t, "Invalid type_id")
        pushed = self._next_or_push(nxt, next_id)
        if pushed is not None:
            return pushed
        found = self.id_size(next_id)
        if found is None:
            if self.resolved(next_id):
                next_id = self.resolved_ids[next_id]
                nxt = self.types[next_id]
            if nxt.kind not in (Kind.UNKN, Kind.FWD, Kind.FUNC_PROTO):
                raise self.type_fail(t, "Invalid type_id")
        else:
            next_id = found[1]
        return self.pop_resolved(next_id, 0)

    def _r_ptr_or_var(self, t: RawType, top: list[int]) -> int:
        next_id = t.size_type
        nxt = self.by_id(next_id)
        if nxt is None or nxt.kind in RESOLVE_SOURCE_ONLY:
            raise self.type_fail(t, "Invalid type_id")
        pushed = self._next_or_push(nxt, next_id)
        if pushed is not None:
            return pushed
        if nxt.kind in MODIFIER_KINDS:
            rid = self.resolved_ids[next_id]
            rtype = self.types[rid]
            if rtype.kind == Kind.PTR and not self.sink(rtype) and not self.resolved(rid):
                return self.push(rtype, rid)
        found = self.id_size(next_id)
        if found is None:
            if t.kind == Kind.VAR:
                raise self.type_fail(t, "Invalid type_id")
            if self.resolved(next_id):
                next_id = self.resolved_ids[next_id]
                nxt = self.types[next_id]
            if nxt.kind not in (Kind.UNKN, Kind.FWD, Kind.FUNC_PROTO):
                raise self.type_fail(t, "Invalid type_id")
        else:
            next_id = found[1]
        return self.pop_resolved(next_id, 0)

    def _r_array(self, t: RawType, top: list[int]) -> int:
        elem_id, index_id, nelems = t.array
        index = self.by_id(index_id)
        if index is None or index.kind in NOSIZE or index.kind in RESOLVE_SOURCE_ONLY:
            raise self.type_fail(t, "Invalid index")
        pushed = self._next_or_push(index, index_id)
        if pushed is not None:
            return pushed
        found = self.id_size(index_id)
        if found is None or found[0].kind != Kind.INT or not self._int_regular(found[0]):
            raise self.type_fail(t, "Invalid index")
        elem = self.by_id(elem_id)
        if elem is None or elem.kind in NOSIZE or elem.kind in RESOLVE_SOURCE_ONLY:
            raise self.type_fail(t, "Invalid elem")
        pushed = self._next_or_push(elem, elem_id)
        if pushed is not None:
            return pushed
        found = self.id_size(elem_id)
        if found is None:
            raise self.type_fail(t, "Invalid elem")
        elem, elem_id, elem_size = found
        if elem.kind == Kind.INT and not self._int_regular(elem):
            raise self.type_fail(t, "Invalid array of int")
        if nelems and elem_size > U32_MAX // nelems:
            raise self.type_fail(t, "Array size overflows U32_MAX")
        return self.pop_resolved(elem_id, elem_size * nelems)

    def _int_regular(self, t: RawType) -> bool:
        nr_bits = t.int_bits
        return not (nr_bits % 8 or t.int_offset or (nr_bits + 7) // 8 not in (1, 2, 4, 8, 16))

    def _r_struct(self, t: RawType, top: list[int]) -> int:
        members = t.members()
        if top[1]:
            last = members[top[1] - 1]
            self._check_member(t, last, self.types[last[1]])
        for i in range(top[1], t.vlen):
            member = members[i]
            mtype = self.by_id(member[1])
            if mtype is None or mtype.kind in NOSIZE or mtype.kind in RESOLVE_SOURCE_ONLY:
                raise self.member_fail(t, member, "Invalid member")
            if not self.sink(mtype) and not self.resolved(member[1]):
                top[1] = i + 1
                return self.push(mtype, member[1])
            self._check_member(t, member, mtype)
        return self.pop_resolved(0, 0)

    def _r_datasec(self, t: RawType, top: list[int]) -> int:
        secinfos = t.secinfos()
        for i in range(top[1], t.vlen):
            vsi = secinfos[i]
            var = self.by_id(vsi[0])
            if var is None or var.kind != Kind.VAR:
                raise self._vsi_fail(t, vsi, "Not a VAR kind member")
            if not self.sink(var) and not self.resolved(vsi[0]):
                top[1] = i + 1
                return self.push(var, vsi[0])
            found = self.id_size(var.size_type)
            if found is None:
                raise self._vsi_fail(t, vsi, "Invalid type")
            if vsi[2] < found[2]:
                raise self._vsi_fail(t, vsi, "Invalid size")
        return self.pop_resolved(0, 0)

    def _r_func(self, t: RawType, top: list[int]) -> int:
        proto = self.by_id(t.size_type)
        if proto is None or proto.kind != Kind.FUNC_PROTO:
            raise self.type_fail(t, "Invalid type_id")
        for i, (name_off, type_id) in enumerate(proto.params()):
            if not name_off and type_id:
                raise self.type_fail(t, f"Invalid arg#{i + 1}")
        return self.pop_resolved(t.size_type, 0)

    def _r_decl_tag(self, t: RawType, top: list[int]) -> int:
        nxt = self.by_id(t.size_type)
        if nxt is None or nxt.kind not in (Kind.FUNC, Kind.STRUCT, Kind.UNION, Kind.VAR, Kind.TYPEDEF):
            raise self.type_fail(t, "Invalid type_id")
        pushed = self._next_or_push(nxt, t.size_type)
        if pushed is not None:
            return pushed
        idx = t.component_idx
        if idx != -1:
            if nxt.kind in (Kind.VAR, Kind.TYPEDEF):
                raise self.type_fail(t, "Invalid component_idx")
            if nxt.kind in (Kind.STRUCT, Kind.UNION):
                vlen = nxt.vlen
            else:
                proto = self.by_id(nxt.size_type)
                vlen = proto.vlen if proto is not None else 0
            if idx >= vlen:
                raise self.type_fail(t, "Invalid component_idx")
        return self.pop_resolved(t.size_type, 0)

    def _r_unsupported(self, t: RawType, top: list[int]) -> int:
        raise self.type_fail(t, "Unsupported resolve", details=False)

    # --- member checks (check_member / check_kflag_member of the member's kind) -----------------
    def _check_member(self, st: RawType, member: tuple[int, int, int], mtype: RawType) -> None:
        if st.kind_flag:
            self._check_kflag_member(st, member, mtype)
        else:
            self._check_plain_member(st, member, mtype)

    def _check_plain_member(self, st: RawType, member: tuple[int, int, int], mtype: RawType) -> None:
        k, off, size = mtype.kind, member[2], st.size_type
        if k in MODIFIER_KINDS:
            found = self.id_size(member[1])
            if found is None:
                raise self.member_fail(st, member, "Invalid member")
            self._check_plain_member(st, (member[0], found[1], member[2]), found[0])
            return
        if k == Kind.INT:
            if U32_MAX - off < mtype.int_offset:
                raise self.member_fail(st, member, "bits_offset exceeds U32_MAX")
            off += mtype.int_offset
            nr_copy = mtype.int_bits + off % 8
            if nr_copy > BITS_PER_U128:
                raise self.member_fail(st, member, "nr_copy_bits exceeds 128")
            if size < off // 8 or size - off // 8 < (nr_copy + 7) // 8:
                raise self.member_fail(st, member, "Member exceeds struct_size")
            return
        if k == Kind.FLOAT:
            align = min(8, mtype.size_type) * 8
            if off % align:
                raise self.member_fail(st, member, "Member is not properly aligned")
            if off // 8 + mtype.size_type > size:
                raise self.member_fail(st, member, "Member exceeds struct_size")
            return
        if k not in (Kind.PTR, Kind.ARRAY, Kind.STRUCT, Kind.UNION, Kind.ENUM, Kind.ENUM64):
            raise self.type_fail(st, "Unsupported check_member", details=False)
        if off % 8:
            raise self.member_fail(st, member, "Member is not byte aligned")
        if k == Kind.PTR:
            msize = 8
        elif k == Kind.ARRAY:
            found = self.id_size(member[1])
            msize = found[2] if found is not None else 0
        else:
            msize = mtype.size_type
        if (size - off // 8) & U32_MAX < msize:
            raise self.member_fail(st, member, "Member exceeds struct_size")

    def _check_kflag_member(self, st: RawType, member: tuple[int, int, int], mtype: RawType) -> None:
        k = mtype.kind
        bitfield, off, size = st.bitfield_size(member[2]), st.bit_offset(member[2]), st.size_type
        if k in MODIFIER_KINDS:
            found = self.id_size(member[1])
            if found is None:
                raise self.member_fail(st, member, "Invalid member")
            self._check_kflag_member(st, (member[0], found[1], member[2]), found[0])
            return
        if k == Kind.INT:
            if not self._int_regular(mtype):
                raise self.member_fail(st, member, "Invalid member base type")
            int_bits = mtype.int_bits
            if not bitfield:
                if off % 8:
                    raise self.member_fail(st, member, "Invalid member offset")
                bitfield = int_bits
            elif bitfield > int_bits:
                raise self.member_fail(st, member, "Invalid member bitfield_size")
            nr_copy = bitfield + off % 8
            if nr_copy > BITS_PER_U128:
                raise self.member_fail(st, member, "nr_copy_bits exceeds 128")
            if size < off // 8 or size - off // 8 < (nr_copy + 7) // 8:
                raise self.member_fail(st, member, "Member exceeds struct_size")
            return
        if k in (Kind.ENUM, Kind.ENUM64):
            int_bits = 32
            if not bitfield:
                if off % 8:
                    raise self.member_fail(st, member, "Member is not byte aligned")
                bitfield = int_bits
            elif bitfield > int_bits:
                raise self.member_fail(st, member, "Invalid member bitfield_size")
            if size < (off + bitfield + 7) // 8:
                raise self.member_fail(st, member, "Member exceeds struct_size")
            return
        if k not in (Kind.PTR, Kind.ARRAY, Kind.STRUCT, Kind.UNION, Kind.FLOAT):
            raise self.type_fail(st, "Unsupported check_kflag_member", details=False)
        if bitfield:
            raise self.member_fail(st, member, "Invalid member bitfield_size")
        self._check_plain_member(st, member, mtype)

    # --- FUNC_PROTO and type tags ------------------------------------------------------------------
    def _func_proto_check(self, t: RawType) -> None:
        if t.size_type:
            ret = self.by_id(t.size_type)
            if ret is None:
                raise self.type_fail(t, "Invalid return type")
            if ret.kind in NEEDS_RESOLVE and not self.resolved(t.size_type):
                self._resolve(ret, t.size_type)
            if self.id_size(t.size_type) is None:
                raise self.type_fail(t, "Invalid return type")
        n = t.vlen
        if not n:
            return
        args = t.params()
        if not args[-1][1]:
            if args[-1][0]:
                raise self.type_fail(t, f"Invalid arg#{n}")
            n -= 1
        for i in range(n):
            name_off, type_id = args[i]
            arg = self.by_id(type_id)
            if arg is None:
                raise self.type_fail(t, f"Invalid arg#{i + 1}")
            if name_off and (not self.offset_valid(name_off) or not self.valid_identifier(name_off)):
                raise self.type_fail(t, f"Invalid arg#{i + 1}")
            if arg.kind in NEEDS_RESOLVE and not self.resolved(type_id):
                self._resolve(arg, type_id)
            if self.id_size(type_id) is None:
                raise self.type_fail(t, f"Invalid arg#{i + 1}")

    def _check_type_tags(self) -> None:
        good = 0
        for i in range(1, len(self.types)):
            t: RawType | None = self.types[i]
            assert t is not None
            if t.kind not in MODIFIER_KINDS:
                continue
            in_tags = t.kind == Kind.TYPE_TAG
            cur, limit = i, 32
            while t is not None and t.kind in MODIFIER_KINDS:
                if not limit:
                    raise self.plain_fail("Max chain length or cycle detected", errno.ELOOP)
                limit -= 1
                if t.kind == Kind.TYPE_TAG:
                    if not in_tags:
                        raise self.plain_fail("Type tags don't precede modifiers")
                elif in_tags:
                    in_tags = False
                if cur <= good:
                    break
                cur = t.size_type
                t = self.by_id(cur)
                if t is None:
                    raise BTFVerifyError(errno.EINVAL, "type tag chain leaves the BTF")
            good = i


_RESOLVE: dict[int, Callable[[ResolvePass, RawType, list[int]], int]] = {
    Kind.TYPEDEF: ResolvePass._r_modifier,
    Kind.VOLATILE: ResolvePass._r_modifier,
    Kind.CONST: ResolvePass._r_modifier,
    Kind.RESTRICT: ResolvePass._r_modifier,
    Kind.TYPE_TAG: ResolvePass._r_modifier,
    Kind.PTR: ResolvePass._r_ptr_or_var,
    Kind.VAR: ResolvePass._r_ptr_or_var,
    Kind.ARRAY: ResolvePass._r_array,
    Kind.STRUCT: ResolvePass._r_struct,
    Kind.UNION: ResolvePass._r_struct,
    Kind.DATASEC: ResolvePass._r_datasec,
    Kind.FUNC: ResolvePass._r_func,
    Kind.DECL_TAG: ResolvePass._r_decl_tag,
}
"""Each kind's ``resolve`` (``btf_kind_operations``); the others have none (``btf_df_resolve``)."""
for _kind in Kind:
    _RESOLVE.setdefault(_kind, ResolvePass._r_unsupported)
