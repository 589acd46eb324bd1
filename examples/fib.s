; Fibonacci numbers in kernel/LLVM syntax, with a bpf-to-bpf call.
; The input memory holds n as a little-endian u32 (r1 = its address, r2 = its length).
    r0 = 0
    if r2 < 4 goto out           ; no input: fib(0)
    r1 = *(u32 *)(r1 + 0)
    call fib
out:
    exit

; u64 fib(u64 n): iterative, keeps its state on the stack to exercise loads and stores
fib:
    r0 = 0
    r2 = 1
    *(u64 *)(r10 - 8) = r1
loop:
    r3 = *(u64 *)(r10 - 8)
    if r3 == 0 goto done
    r3 -= 1
    *(u64 *)(r10 - 8) = r3
    r4 = r0
    r4 += r2
    r0 = r2
    r2 = r4
    goto loop
done:
    exit
