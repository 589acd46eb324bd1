"""``pybpf link``: show, list, pin and detach links, like bpftool link; and read an iterator.

Mirrors tools/bpf/bpftool/link.c: ``link show|list [id N | pinned PATH]`` prints each link as
``ID: TYPE  prog PROG  `` and its type's fields (iter: ``target_name``; tracing: the program's
``prog_type`` and the ``attach_type``, then ``target_obj_id`` / ``target_btf_id``; struct_ops:
``map_id``), ``-j``/``-p`` the same as JSON (``id``, ``type``, ``prog_id`` and the type's fields);
``link pin LINK PATH`` (BPF_OBJ_PIN) and ``link detach LINK`` (BPF_LINK_DETACH).  ``link read LINK``
is pybpf's own: what reads of a new iterator fd of an iterator link yield (bpftool's ``iter pin`` +
``cat``), on stdout.

Links live while an fd or a pin holds them: a link a command creates goes when the command exits,
so these commands find pinned links and links other processes hold.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from typing import Any

from pybpf import libbpf, uapi
from pybpf.cli.commands import command_help
from pybpf.cli.inputs import InputError
from pybpf.cli.listing import live_objects, show
from pybpf.cli.output import add_json_options, usage
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, get_backend
from pybpf.link import LINK_TYPE_NAMES, Link
from pybpf.program import Program, prog_type_name

_ATTACH_TYPE_NAMES = {
    member.value: member.name.removeprefix("BPF_").lower()
    for member in uapi.bpf_attach_type
    if not member.name.startswith("__")
}
"""libbpf's ``libbpf_bpf_attach_type_str`` names ("trace_fentry", "cgroup_inet_ingress", ...)."""


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    link = sub.add_parser(
        "link",
        help=command_help("link"),
        description="Show, pin and detach BPF links through bpf(2) (pybpf's or the kernel's).",
    )
    cmds = link.add_subparsers(dest="link_command", metavar="LINK_COMMAND")
    show = cmds.add_parser("show", aliases=["list"], help="show links (all, or one)")
    show.add_argument("target", nargs="*", metavar="id N | pinned PATH", help="one link (default: all)")
    _common(show)
    show.set_defaults(handler=cmd_show)
    pin = cmds.add_parser("pin", help="pin a link at PATH (BPF_OBJ_PIN)")
    pin.add_argument("target", nargs=2, metavar="id N | pinned PATH")
    pin.add_argument("path", metavar="PATH")
    _common(pin)
    pin.set_defaults(handler=cmd_pin)
    detach = cmds.add_parser("detach", help="detach a link (BPF_LINK_DETACH): the link stays, detached")
    detach.add_argument("target", nargs=2, metavar="id N | pinned PATH")
    _common(detach)
    detach.set_defaults(handler=cmd_detach)
    read = cmds.add_parser("read", help="print what a new iterator of an iterator link yields")
    read.add_argument("target", nargs=2, metavar="id N | pinned PATH")
    _common(read)
    read.set_defaults(handler=cmd_read)
    link.set_defaults(handler=lambda args: usage(link))


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=("user", "native"),
        default=None,
        help="bpf(2) to use: pybpf's (user) or the kernel's (native); default $PYBPF_BACKEND",
    )
    add_json_options(parser)


def _open_link(target: list[str], backend: Backend) -> Link:
    """``id N`` or ``pinned PATH``."""
    if len(target) == 2 and target[0] == "id":
        try:
            link_id = int(target[1], 0)
        except ValueError:
            raise InputError(f"link id must be a number, not {target[1]!r}") from None
        if not 0 <= link_id <= 0xFFFFFFFF:
            raise InputError(f"link id {link_id} is out of range")
        return Link.from_id(link_id, backend=backend)
    if len(target) == 2 and target[0] == "pinned":
        return Link.from_pinned(target[1], backend=backend)
    raise InputError(f"expected 'id N' or 'pinned PATH', got {' '.join(target)!r}")


def describe(link: Link) -> dict[str, Any]:
    """The fields ``bpftool link show --json`` prints, for one link."""
    info = link.info()
    entry: dict[str, Any] = {
        "id": info.id,
        "type": LINK_TYPE_NAMES.get(info.type, f"type {info.type}"),
        "prog_id": info.prog_id,
    }
    if info.type == uapi.BPF_LINK_TYPE_ITER:
        entry["target_name"] = link.target_name()
    elif info.type == uapi.BPF_LINK_TYPE_TRACING:
        try:
            with Program.from_id(info.prog_id, backend=link.backend) as prog:
                entry["prog_type"] = prog_type_name(prog.prog_type)
        except BPFError:
            pass  # the program is gone (bpftool leaves the field out too)
        attach = info.tracing.attach_type
        entry["attach_type"] = _ATTACH_TYPE_NAMES.get(attach, f"type {attach}")
        entry["target_obj_id"] = info.tracing.target_obj_id
        entry["target_btf_id"] = info.tracing.target_btf_id
    elif info.type == uapi.BPF_LINK_TYPE_STRUCT_OPS:
        entry["map_id"] = info.struct_ops.map_id
    return entry


def format_show(entry: dict[str, Any]) -> str:
    """bpftool's plain text: ``ID: TYPE  prog PROG  `` then the type's fields."""
    text = f"{entry['id']}: {entry['type']}  prog {entry['prog_id']}  "
    if "target_name" in entry:
        text += f"target_name {entry['target_name']}  "
    if "attach_type" in entry:
        if "prog_type" in entry:
            text += f"\n\tprog_type {entry['prog_type']}  "
        text += f"attach_type {entry['attach_type']}  "
        if entry["target_obj_id"] or entry["target_btf_id"]:
            text += f"\n\ttarget_obj_id {entry['target_obj_id']}  target_btf_id {entry['target_btf_id']}  "
    if "map_id" in entry:
        text += f"map_id {entry['map_id']}  "
    return text


def cmd_show(args: argparse.Namespace) -> int:
    backend = get_backend(args.backend)
    one = partial(_open_link, args.target, backend) if args.target else None
    next_id = partial(libbpf.bpf_link_get_next_id, backend=backend)
    every = live_objects(next_id, partial(Link.from_id, backend=backend))
    return show(args, one, every, describe, format_show)


def cmd_pin(args: argparse.Namespace) -> int:
    with _open_link(args.target, get_backend(args.backend)) as link:
        link.pin(args.path)
    return 0


def cmd_detach(args: argparse.Namespace) -> int:
    with _open_link(args.target, get_backend(args.backend)) as link:
        link.detach()
    return 0


def cmd_read(args: argparse.Namespace) -> int:
    with _open_link(args.target, get_backend(args.backend)) as link:
        data = link.read_iter()
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    return 0


__all__ = ["add_parsers", "describe", "format_show"]
