#!/usr/bin/env bash
# The main job: set up .venv, then take an XDP program written in C (examples/c/xdp_guard.c), compiled
# by clang (or the committed object), replay a capture through it, show its maps and trace output, show
# a copy with a classic mistake refused at its C line; then the instruction-level tools.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
pybpf=.venv/bin/pybpf
tmp=$(mktemp -d)
export PYBPF_BPFFS=/dev/shm/pybpf-demo-$$
trap 'rm -rf "$tmp" "$PYBPF_BPFFS"' EXIT

echo "== an XDP program in C: examples/c/xdp_guard.c (counts per protocol, drops telnet, answers pings)"
if command -v clang-19 >/dev/null || command -v clang >/dev/null; then
  make -s -C examples/c >/dev/null && echo "   compiled with clang: examples/c/xdp_guard.o, xdp_guard_broken.o"
else
  echo "   no clang here: using the committed examples/c/xdp_guard.o"
fi
echo "== what the object asks for"
$pybpf object show examples/c/xdp_guard.o
echo "== load every program of it (like bpftool prog loadall)"
$pybpf prog load examples/c/xdp_guard.o "$PYBPF_BPFFS/guard" --pinmaps "$PYBPF_BPFFS/guard_maps"
echo "== replay examples/captures/guard.pcap through it: verdicts, maps as C structures, trace output"
$pybpf xdp replay examples/c/xdp_guard.o --pcap examples/captures/guard.pcap
echo "== the same, as JSON (verdict totals)"
$pybpf -j xdp replay examples/c/xdp_guard.o --pcap examples/captures/guard.pcap \
  | .venv/bin/python -c 'import json, sys; d = json.load(sys.stdin); print({k: d[k] for k in ("packets", "verdicts")})'
echo "== the classic mistake: xdp_guard_broken.o uses a map value without the NULL check"
if .venv/bin/python -c 'import sys; from pybpf.kernel.native import kernel_bpf_available as a; sys.exit(not a())'; then
  echo "   the kernel's verifier refuses it, at the C line (native backend):"
  $pybpf prog load examples/c/xdp_guard_broken.o --backend native 2>&1 | tail -4 || true
else
  echo "   (the real bpf(2) is not available here: the kernel's refusal is not shown)"
fi
echo "   pybpf's verifier (value tracking, in progress) refuses it with the kernel's reason:"
$pybpf prog load examples/c/xdp_guard_broken.o 2>&1 | tail -1 || true

echo "== the instruction level"

echo "== assemble examples/fib.s (kernel syntax) to raw eBPF bytes"
$pybpf asm examples/fib.s -o "$tmp/fib.bin"
echo "   $(wc -c < "$tmp/fib.bin") bytes"
echo "== disassemble it (kernel syntax, labels)"
$pybpf disasm "$tmp/fib.bin" --labels --slots
echo "== run it with n = 50 (memory 32 00 00 00)"
$pybpf run "$tmp/fib.bin" --mem "32 00 00 00"
echo "== examples/checksum.ubpf (uBPF syntax) on memory 01 02 03 04 05, traced"
$pybpf run examples/checksum.ubpf --mem "01 02 03 04 05" --trace
echo "== the same program through the conformance-suite plugin protocol"
$pybpf asm examples/checksum.ubpf --hex | .venv/bin/pybpf-conformance-plugin "0102030405"

echo "== programs: an XDP packet counter with a hash map, on pybpf and (when bpf(2) works) the kernel"
.venv/bin/python examples/xdp_counter.py
frame="020000000001 020000000002 0800 $(printf '00%.0s' {1..50})"
echo "== BPF_PROG_TEST_RUN from the command line: examples/xdp_swap_macs.s bounces a frame (XDP_TX)"
$pybpf prog run examples/xdp_swap_macs.s -t xdp --data-in "$frame"
echo "== load and pin it, then show it and dump its translated instructions like bpftool"
$pybpf prog load examples/xdp_swap_macs.s -t xdp --name swap_macs --pin "$PYBPF_BPFFS/swap_macs"
$pybpf prog show pinned "$PYBPF_BPFFS/swap_macs"
$pybpf prog dump xlated pinned "$PYBPF_BPFFS/swap_macs" > "$tmp/xlated.txt"
head -8 "$tmp/xlated.txt"
