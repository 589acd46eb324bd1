#!/usr/bin/env bash
# The main job: set up .venv, then assemble example programs, run them and show their disassembly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
pybpf=.venv/bin/pybpf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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
export PYBPF_BPFFS=/dev/shm/pybpf-demo-$$
trap 'rm -rf "$tmp" "$PYBPF_BPFFS"' EXIT
frame="020000000001 020000000002 0800 $(printf '00%.0s' {1..50})"
echo "== BPF_PROG_TEST_RUN from the command line: examples/xdp_swap_macs.s bounces a frame (XDP_TX)"
$pybpf prog run examples/xdp_swap_macs.s -t xdp --data-in "$frame"
echo "== load and pin it, then show it and dump its translated instructions like bpftool"
$pybpf prog load examples/xdp_swap_macs.s -t xdp --name swap_macs --pin "$PYBPF_BPFFS/swap_macs"
$pybpf prog show pinned "$PYBPF_BPFFS/swap_macs"
$pybpf prog dump xlated pinned "$PYBPF_BPFFS/swap_macs" | head -8
