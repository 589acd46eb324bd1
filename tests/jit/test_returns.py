"""Returns from bpf-to-bpf calls (``pybpf.jit.lower``): each ``exit`` dispatches first on the sites of
the calls of its own function — a direct branch when there is one — then on every site, since an
unverified program may jump into another function's body and exit there, returning to whichever
call pushed the frame (as the interpreter's frame stack does)."""

from __future__ import annotations

import re

from pybpf.isa import assemble
from pybpf.isa.instruction import encode_program, validate_program
from pybpf.isa.program import ProgramView
from pybpf.jit.kinds import LOWERERS
from pybpf.jit.lower import Lowering
from pybpf.vm.translation import translation_for
from tests.jit.harness import both, r0

NESTED = """
    r0 = 0
    call outer
    call outer
    call inner
    exit
outer:
    r0 += 1
    call inner
    r0 *= 3
    exit
inner:
    r0 += 10
    exit
"""

INTO_ANOTHER = """
    r0 = 0
    call f
    call g
    exit
f:
    r0 += 1
    goto body
g:
    r0 += 10
body:
    r0 += 100
    exit
"""


def _module(text: str) -> str:
    program = assemble(text)
    view = ProgramView(program)
    specs = validate_program(program, view)
    leaders = translation_for(encode_program(program), view, specs, resolved={}, helper_ids=set()).leaders
    lowering = Lowering(view, specs, leaders=leaders, resolved={}, helper_ids=set(), lowerers=LOWERERS)
    return str(lowering.lower())


def test_nested_calls_return_to_their_sites() -> None:
    # ((0 + 1 + 10) * 3 + 1 + 10) * 3 + 10
    assert r0(both(assemble(NESTED), budget=None)) == ((0 + 1 + 10) * 3 + 1 + 10) * 3 + 10


def test_an_exit_inside_another_function_returns_to_the_call_that_pushed_the_frame() -> None:
    assert r0(both(assemble(INTO_ANOTHER), budget=None)) == 1 + 100 + 10 + 100
    for budget in range(12):
        both(assemble(INTO_ANOTHER), budget=budget)  # the engines agree wherever the budget ends


def test_each_exit_switches_on_its_own_functions_sites_first() -> None:
    module = _module(NESTED)
    # main's exit: no site of its own (only a frame pushed elsewhere); outer's: its two sites in
    # main; inner's: the one in main and the one in outer
    own = {name: body for name, body in re.findall(r"\n(return_\d+):\n(.*?)\n\n?(?=\S)", module, re.S)}
    cases = sorted(body.count("i64 ") - 1 for body in own.values() if "switch" in body)
    assert cases == [0, 2, 2], own
