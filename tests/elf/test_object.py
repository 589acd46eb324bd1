"""``pybpf.Object`` / ``pybpf.load_object``: the API over an ELF object, on both backends.

Opening gives an editable spec; typed global data before and after loading; maps and programs by name,
typed from BTF; lifetime (close releases everything, pins stay); pinning by name and reuse of a
compatible pin; refusals with the verifier log in C terms; errors that say what to do.
"""

from __future__ import annotations

import ctypes
import errno
import gc
import os
from pathlib import Path

import pytest

import pybpf
from pybpf import BPFError, ELFError, Object, ProgramLoadError, load_object, uapi
from pybpf.elf import PinType
from pybpf.kernel.backend import Backend
from tests.elf.corpus import SIZES, obj_path, sized


def test_open_reads_without_creating_anything(backend: Backend) -> None:
    obj = Object.open(obj_path("xdp_counter"), backend=backend)
    assert obj.loaded is None
    assert set(obj.spec.programs) == {"xdp_count"}
    with pytest.raises(BPFError, match="not loaded yet") as caught:
        _ = obj.maps
    assert caught.value.errno == errno.ENOENT
    obj.close()


@pytest.mark.usefixtures("engine")
def test_load_object_runs_and_counts(backend: Backend) -> None:
    with load_object(obj_path("xdp_counter"), backend=backend) as obj:
        assert isinstance(obj.programs["xdp_count"], pybpf.ObjectProgram)
        for _ in range(3):
            assert obj.programs["xdp_count"].run(sized(64)).retval == 2
        counters = obj.maps["proto_counts"][17]
        assert isinstance(counters, ctypes.Structure)
        assert (counters.packets, counters.bytes) == (3, 192)
        assert obj.bss.total_packets == 3
        assert obj.maps["proto_counts"].key_type is int


@pytest.mark.usefixtures("engine")
def test_rodata_edited_before_load_and_frozen_after(backend: Backend) -> None:
    with Object.open(obj_path("rodata_config"), backend=backend) as obj:
        assert obj.rodata.settings == {"min_len": 60, "verdict_short": 1, "verdict_long": 2, "salt": 0}
        assert obj.rodata.label == b"default"  # a char array reads as a C string
        obj.rodata.settings = {"min_len": 1000, "verdict_short": 3}
        obj.rodata["weights"] = [5, 6, 7, 8]
        assert obj.spec.maps[".rodata"].data is not None
        obj.load()
        assert obj.programs["xdp_config"].run(sized(64)).retval == 3
        assert obj.rodata.settings["min_len"] == 1000
        with pytest.raises(BPFError, match="frozen") as caught:
            obj.rodata.weights = [1, 1, 1, 1]
        assert caught.value.errno == errno.EPERM


@pytest.mark.usefixtures("engine")
def test_bss_and_data_are_live_after_load(backend: Backend) -> None:
    with load_object(obj_path("global_vars"), backend=backend) as obj:
        run = obj.programs["xdp_globals"]
        assert run.run(sized(100)).retval == 7
        obj.data.generation = 3
        assert run.run(sized(50)).retval == 3
        assert obj.data.totals == {"frames": 2, "shortest": 50, "longest": 100}
        assert obj.bss.histogram[3] == 1 and obj.bss.histogram[6] == 1
        assert obj.global_data(".data.last").last_seen_len == 50
        assert "calls" in obj.bss.names() and obj.bss["calls"] == 2
        assert sorted(dir(obj.bss)) == ["calls", "histogram"]


def test_unknown_names_say_what_there_is(backend: Backend) -> None:
    with load_object(obj_path("xdp_counter"), backend=backend) as obj:
        with pytest.raises(KeyError, match="proto_counts"):
            obj.maps["nope"]
        with pytest.raises(KeyError):
            obj.programs["nope"]
        with pytest.raises(AttributeError, match="total_packets"):
            _ = obj.bss.nope
        with pytest.raises(KeyError, match="no global data section"):
            obj.rodata  # noqa: B018


def _fds_are_the_objects(backend: Backend) -> None:
    if backend.name == "user":
        pytest.skip(
            "pybpf's user backend keeps a cached fd per object file it has mapped (pybpf.maps.object)"
        )


def test_close_releases_every_fd(backend: Backend) -> None:
    _fds_are_the_objects(backend)
    gc.collect()
    before = len(os.listdir("/proc/self/fd"))
    obj = load_object(obj_path("tail_calls"), backend=backend)
    assert len(os.listdir("/proc/self/fd")) > before
    obj.close()
    assert len(os.listdir("/proc/self/fd")) == before
    with pytest.raises(BPFError, match="closed"):
        _ = obj.programs
    obj.close()  # twice is fine


def test_dropping_the_last_reference_closes_it(backend: Backend) -> None:
    _fds_are_the_objects(backend)
    gc.collect()  # (earlier tests' garbage closes its fds now, not during the count below)
    before = len(os.listdir("/proc/self/fd"))
    load_object(obj_path("xdp_counter"), backend=backend)
    gc.collect()
    assert len(os.listdir("/proc/self/fd")) == before


def test_loading_only_some_programs(backend: Backend) -> None:
    with Object.open(obj_path("multi_prog"), backend=backend) as obj:
        obj.load(programs=["socket_len"])
        assert list(obj.programs) == ["socket_len"]
    with pytest.raises(ELFError, match="no program named 'nope'"):
        Object.open(obj_path("multi_prog"), backend=backend).load(programs=["nope"])


def test_loading_twice_is_refused(backend: Backend) -> None:
    with (
        load_object(obj_path("xdp_counter"), backend=backend) as obj,
        pytest.raises(BPFError, match="already"),
    ):
        obj.load()


def test_verifier_logs_on_request(backend: Backend) -> None:
    with Object.open(obj_path("xdp_counter"), backend=backend) as obj:
        obj.load(log_level=2)
        log = obj.logs["xdp_count"]
        assert "processed" in log
        if backend.name == "native":  # the kernel traces every instruction at level 2
            assert "; if ((void *)(eth + 1) > data_end) @ xdp_counter.c:" in log


def test_a_gpl_helper_in_a_proprietary_program_is_refused(backend: Backend) -> None:
    with pytest.raises(ProgramLoadError) as caught:
        load_object(obj_path("refused_license"), backend=backend)
    error = caught.value
    assert error.errno == errno.EINVAL
    assert error.program == "xdp_printk" and error.section == "xdp"
    assert "cannot call GPL-restricted function from non-GPL compatible program" in error.log
    assert "BPF_PROG_LOAD" in str(error)
    if backend.name == "native":  # pybpf's verifier writes no instruction trace yet (a verifier/ gap)
        assert '; bpf_printk("frame of %u bytes", len); @ refused_license.c:9' in error.log
        assert "6: (85) call bpf_trace_printk#6" in error.log


def test_instruction_numbers_are_the_objects() -> None:
    """Subprograms appended to a program show their own section and offset in a log."""
    from pybpf.elf.link import link_program
    from pybpf.elf.log import annotate_log

    spec = pybpf.Object.open(obj_path("bpf2bpf_calls")).spec
    linked = link_program(spec, spec.programs["xdp_calls_b"])
    program_slots = spec.programs["xdp_calls_b"].slots
    log = f"0: (bf) r6 = r1\n{program_slots}: (bf) r0 = r1\nfrom {program_slots} to 0: R0=1\n"
    out = annotate_log(log, linked)
    first_sub, start = linked.placements[1]
    assert f".text:{first_sub.offset}: (bf) r0 = r1" in out
    assert f"from .text:{first_sub.offset} to {spec.programs['xdp_calls_b'].offset}: R0=1" in out
    assert "@ bpf2bpf_calls.c:" in out
    assert start == program_slots


@pytest.mark.usefixtures("engine")
def test_pinned_maps_are_reused(backend: Backend, pin_dir: Path) -> None:
    with load_object(obj_path("pinned_maps"), backend=backend, pin_root=pin_dir) as first:
        assert first.loaded is not None and first.loaded.pinned == {
            "shared_counts": str(pin_dir / "shared_counts")
        }
        first.programs["xdp_pinned"].run(sized(64))
        assert (pin_dir / "shared_counts").exists()
    with load_object(obj_path("pinned_maps"), backend=backend, pin_root=pin_dir) as second:
        assert second.loaded is not None and second.loaded.reused == {"shared_counts"}
        second.programs["xdp_pinned"].run(sized(64))
        assert second.maps["shared_counts"][0] == 2  # 64 & 15 == 0: both runs counted in the pin
        assert second.maps["private_counts"][0] == 1


def test_an_incompatible_pin_is_refused(backend: Backend, pin_dir: Path) -> None:
    other = pybpf.Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 16, backend=backend)
    other.pin(str(pin_dir / "shared_counts"))
    with pytest.raises(ELFError, match="parameter mismatch") as caught:
        load_object(obj_path("pinned_maps"), backend=backend, pin_root=pin_dir)
    assert caught.value.errno == errno.EINVAL
    other.close()


def test_pinning_needs_a_pin_root_that_exists(backend: Backend, tmp_path: Path) -> None:
    with pytest.raises(BPFError, match="shared_counts"):
        load_object(obj_path("pinned_maps"), backend=backend, pin_root=tmp_path / "missing")


def test_spec_edits_reach_the_kernel(backend: Backend) -> None:
    with Object.open(obj_path("xdp_counter"), backend=backend) as obj:
        obj.spec.maps["proto_counts"].max_entries = 300
        obj.spec.maps["proto_counts"].pinning = PinType.NONE
        obj.load()
        assert obj.maps["proto_counts"].max_entries == 300


def test_programs_know_their_source_lines() -> None:
    with load_object(obj_path("xdp_counter")) as obj:
        program = obj.programs["xdp_count"]
        first = program.spec.line_info[0]
        assert program.source_line(0) == f"; {first.source.strip()} @ xdp_counter.c:{first.line}"
        assert program.section == "xdp"


@pytest.mark.usefixtures("engine")
def test_kconfig_externs_are_resolved(backend: Backend) -> None:
    kconfig = {"CONFIG_HZ": 300, "CONFIG_BPF_SYSCALL": True, "CONFIG_NET_SCHED": "m"}
    with load_object(obj_path("kconfig_externs"), backend=backend, kconfig=kconfig) as obj:
        obj.programs["xdp_kconfig"].run(SIZES[0].data)
        version, hz, syscall, sched, hostname, missing = obj.bss["values"]
        assert (hz, syscall, sched, hostname, missing) == (300, 1, 2, 0, 0)
        if backend.name == "user":
            assert version == (pybpf.KERNEL_VERSION.major << 16) + (pybpf.KERNEL_VERSION.minor << 8)
        else:
            assert version >> 8 == (pybpf.KERNEL_VERSION.major << 8) + pybpf.KERNEL_VERSION.minor
        assert obj.kconfig_data.CONFIG_HZ == 300


@pytest.mark.usefixtures("engine")
def test_kconfig_from_a_file(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text('CONFIG_HZ=1000\n# CONFIG_BPF_SYSCALL is not set\nCONFIG_DEFAULT_HOSTNAME="box"\n')
    with load_object(obj_path("kconfig_externs"), kconfig=config) as obj:
        obj.programs["xdp_kconfig"].run(SIZES[0].data)
        assert obj.bss["values"][1:5] == [1000, 0, 0, ord("b")]


def test_a_strong_kconfig_extern_without_a_value_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ELFError, match="CONFIG_HZ") as caught:
        load_object(obj_path("kconfig_externs"), kconfig={"CONFIG_BPF_SYSCALL": "y"})
    assert caught.value.errno == errno.ESRCH
    with pytest.raises(ELFError, match="not allowed for a bool"):
        load_object(obj_path("kconfig_externs"), kconfig={"CONFIG_HZ": 1, "CONFIG_BPF_SYSCALL": "m"})
    with pytest.raises(ELFError, match="kconfig file"):
        load_object(obj_path("kconfig_externs"), kconfig=tmp_path / "absent")


@pytest.mark.usefixtures("engine")
def test_typed_map_values_follow_btf(backend: Backend) -> None:
    with load_object(obj_path("spin_lock"), backend=backend) as obj:
        obj.programs["tc_locked"].run(sized(64))
        value = obj.maps["stats"][0]
        assert (value.frames, value.bytes, value.largest) == (1, 64, 64)
        assert type(value).__name__ == "locked_stats"


def test_a_missing_null_check_is_refused(backend: Backend) -> None:
    """Both verifiers refuse the load; the kernel's log names the C line (pybpf's does not print
    line info yet)."""
    with pytest.raises(ProgramLoadError) as caught:
        load_object(obj_path("refused_null"), backend=backend)
    assert "R0 invalid mem access 'map_value_or_null'" in caught.value.log
    if backend.name == "native":
        assert "; *count += 1; @ refused_null.c:19" in caught.value.log


def test_pinning_every_program_and_map(backend: Backend, pin_dir: Path) -> None:
    programs, maps = pin_dir / "progs", pin_dir / "maps"
    programs.mkdir()
    maps.mkdir()
    with load_object(obj_path("tail_calls"), backend=backend) as obj:
        assert obj.pin_programs(programs) == {
            n: str(programs / n) for n in ("handle_tcp", "handle_udp", "xdp_dispatch")
        }
        assert set(obj.pin_maps(maps)) == {"handled", "dispatch"}
    again = pybpf.Program.from_pinned(str(programs / "xdp_dispatch"), backend=backend)
    assert again.name == "xdp_dispatch"
    again.close()
    handled = pybpf.Map.from_pinned(str(maps / "handled"), backend=backend)
    assert handled.max_entries == 4
    handled.close()


def test_pin_maps_names_global_data_as_bpffs_allows(backend: Backend, pin_dir: Path) -> None:
    maps = pin_dir / "globals"
    maps.mkdir()
    with load_object(obj_path("global_vars"), backend=backend) as obj:
        pinned = obj.pin_maps(maps)
        sections = [name for name in pinned if name.startswith(".")]
        expected = {".data": "_data", ".data.last": "_data_last", ".bss": "_bss"}
        assert {name: pinned[name] for name in sections} == {k: str(maps / v) for k, v in expected.items()}
        for name in sections:
            with pybpf.Map.from_pinned(pinned[name], backend=backend) as again:
                assert again.value_size == obj.maps[name].value_size
