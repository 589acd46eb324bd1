# Theme: the last kfuncs of Linux 6.18's vmlinux BTF that pybpf lacked (session 18): the crypto
# contexts (kernel/bpf/crypto.c: create/acquire/release in SYSCALL programs, encrypt/decrypt in tc and
# XDP), bpf_cgroup_read_xattr (the common set, KF_RCU, a constant name, a dynptr value), the task
# user copies (sleepable, trusted task), the rstat kfuncs (the tracing hook), and the kfuncs no type
# this kernel loads may call: bpf_sock_destroy (socket iterators), the fs xattr kfuncs (LSM),
# net/bpf/test_run.c's fmod_ret targets; its release kfuncs take only referenced objects.

=== kfuncs_rest/crypto_create_release
type: syscall
flags: sleepable
desc: bpf_crypto_ctx_create of zeroed params (NULL at run time), released when not NULL
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 56) = r1
    *(u64 *)(r10 - 64) = r1
    *(u64 *)(r10 - 72) = r1
    *(u64 *)(r10 - 80) = r1
    *(u64 *)(r10 - 88) = r1
    *(u64 *)(r10 - 96) = r1
    *(u64 *)(r10 - 104) = r1
    *(u64 *)(r10 - 112) = r1
    *(u64 *)(r10 - 120) = r1
    *(u64 *)(r10 - 128) = r1
    *(u64 *)(r10 - 136) = r1
    *(u64 *)(r10 - 144) = r1
    *(u64 *)(r10 - 152) = r1
    *(u64 *)(r10 - 160) = r1
    *(u64 *)(r10 - 168) = r1
    *(u64 *)(r10 - 176) = r1
    *(u64 *)(r10 - 184) = r1
    *(u64 *)(r10 - 192) = r1
    *(u64 *)(r10 - 200) = r1
    *(u64 *)(r10 - 208) = r1
    *(u64 *)(r10 - 216) = r1
    *(u64 *)(r10 - 224) = r1
    *(u64 *)(r10 - 232) = r1
    *(u64 *)(r10 - 240) = r1
    *(u64 *)(r10 - 248) = r1
    *(u64 *)(r10 - 256) = r1
    *(u64 *)(r10 - 264) = r1
    *(u64 *)(r10 - 272) = r1
    *(u64 *)(r10 - 280) = r1
    *(u64 *)(r10 - 288) = r1
    *(u64 *)(r10 - 296) = r1
    *(u64 *)(r10 - 304) = r1
    *(u64 *)(r10 - 312) = r1
    *(u64 *)(r10 - 320) = r1
    *(u64 *)(r10 - 328) = r1
    *(u64 *)(r10 - 336) = r1
    *(u64 *)(r10 - 344) = r1
    *(u64 *)(r10 - 352) = r1
    *(u64 *)(r10 - 360) = r1
    *(u64 *)(r10 - 368) = r1
    *(u64 *)(r10 - 376) = r1
    *(u64 *)(r10 - 384) = r1
    *(u64 *)(r10 - 392) = r1
    *(u64 *)(r10 - 400) = r1
    *(u64 *)(r10 - 408) = r1
    *(u32 *)(r10 - 416) = r1
    r1 = r10
    r1 += -408
    r2 = 408
    r3 = r10
    r3 += -416
    call kfunc(bpf_crypto_ctx_create)

    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_crypto_ctx_release)
out:
    r0 = 0
    exit

=== kfuncs_rest/crypto_create_leak
type: syscall
flags: sleepable
desc: a created context never released: an unreleased reference
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 56) = r1
    *(u64 *)(r10 - 64) = r1
    *(u64 *)(r10 - 72) = r1
    *(u64 *)(r10 - 80) = r1
    *(u64 *)(r10 - 88) = r1
    *(u64 *)(r10 - 96) = r1
    *(u64 *)(r10 - 104) = r1
    *(u64 *)(r10 - 112) = r1
    *(u64 *)(r10 - 120) = r1
    *(u64 *)(r10 - 128) = r1
    *(u64 *)(r10 - 136) = r1
    *(u64 *)(r10 - 144) = r1
    *(u64 *)(r10 - 152) = r1
    *(u64 *)(r10 - 160) = r1
    *(u64 *)(r10 - 168) = r1
    *(u64 *)(r10 - 176) = r1
    *(u64 *)(r10 - 184) = r1
    *(u64 *)(r10 - 192) = r1
    *(u64 *)(r10 - 200) = r1
    *(u64 *)(r10 - 208) = r1
    *(u64 *)(r10 - 216) = r1
    *(u64 *)(r10 - 224) = r1
    *(u64 *)(r10 - 232) = r1
    *(u64 *)(r10 - 240) = r1
    *(u64 *)(r10 - 248) = r1
    *(u64 *)(r10 - 256) = r1
    *(u64 *)(r10 - 264) = r1
    *(u64 *)(r10 - 272) = r1
    *(u64 *)(r10 - 280) = r1
    *(u64 *)(r10 - 288) = r1
    *(u64 *)(r10 - 296) = r1
    *(u64 *)(r10 - 304) = r1
    *(u64 *)(r10 - 312) = r1
    *(u64 *)(r10 - 320) = r1
    *(u64 *)(r10 - 328) = r1
    *(u64 *)(r10 - 336) = r1
    *(u64 *)(r10 - 344) = r1
    *(u64 *)(r10 - 352) = r1
    *(u64 *)(r10 - 360) = r1
    *(u64 *)(r10 - 368) = r1
    *(u64 *)(r10 - 376) = r1
    *(u64 *)(r10 - 384) = r1
    *(u64 *)(r10 - 392) = r1
    *(u64 *)(r10 - 400) = r1
    *(u64 *)(r10 - 408) = r1
    *(u32 *)(r10 - 416) = r1
    r1 = r10
    r1 += -408
    r2 = 408
    r3 = r10
    r3 += -416
    call kfunc(bpf_crypto_ctx_create)

    r0 = 0
    exit

=== kfuncs_rest/crypto_create_unchecked_release
type: syscall
flags: sleepable
desc: the release of a maybe-NULL context
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 56) = r1
    *(u64 *)(r10 - 64) = r1
    *(u64 *)(r10 - 72) = r1
    *(u64 *)(r10 - 80) = r1
    *(u64 *)(r10 - 88) = r1
    *(u64 *)(r10 - 96) = r1
    *(u64 *)(r10 - 104) = r1
    *(u64 *)(r10 - 112) = r1
    *(u64 *)(r10 - 120) = r1
    *(u64 *)(r10 - 128) = r1
    *(u64 *)(r10 - 136) = r1
    *(u64 *)(r10 - 144) = r1
    *(u64 *)(r10 - 152) = r1
    *(u64 *)(r10 - 160) = r1
    *(u64 *)(r10 - 168) = r1
    *(u64 *)(r10 - 176) = r1
    *(u64 *)(r10 - 184) = r1
    *(u64 *)(r10 - 192) = r1
    *(u64 *)(r10 - 200) = r1
    *(u64 *)(r10 - 208) = r1
    *(u64 *)(r10 - 216) = r1
    *(u64 *)(r10 - 224) = r1
    *(u64 *)(r10 - 232) = r1
    *(u64 *)(r10 - 240) = r1
    *(u64 *)(r10 - 248) = r1
    *(u64 *)(r10 - 256) = r1
    *(u64 *)(r10 - 264) = r1
    *(u64 *)(r10 - 272) = r1
    *(u64 *)(r10 - 280) = r1
    *(u64 *)(r10 - 288) = r1
    *(u64 *)(r10 - 296) = r1
    *(u64 *)(r10 - 304) = r1
    *(u64 *)(r10 - 312) = r1
    *(u64 *)(r10 - 320) = r1
    *(u64 *)(r10 - 328) = r1
    *(u64 *)(r10 - 336) = r1
    *(u64 *)(r10 - 344) = r1
    *(u64 *)(r10 - 352) = r1
    *(u64 *)(r10 - 360) = r1
    *(u64 *)(r10 - 368) = r1
    *(u64 *)(r10 - 376) = r1
    *(u64 *)(r10 - 384) = r1
    *(u64 *)(r10 - 392) = r1
    *(u64 *)(r10 - 400) = r1
    *(u64 *)(r10 - 408) = r1
    *(u32 *)(r10 - 416) = r1
    r1 = r10
    r1 += -408
    r2 = 408
    r3 = r10
    r3 += -416
    call kfunc(bpf_crypto_ctx_create)

    r1 = r0
    call kfunc(bpf_crypto_ctx_release)
    r0 = 0
    exit

=== kfuncs_rest/crypto_create_not_sleepable
type: syscall
desc: a SYSCALL program that is not sleepable cannot be loaded at all
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 56) = r1
    *(u64 *)(r10 - 64) = r1
    *(u64 *)(r10 - 72) = r1
    *(u64 *)(r10 - 80) = r1
    *(u64 *)(r10 - 88) = r1
    *(u64 *)(r10 - 96) = r1
    *(u64 *)(r10 - 104) = r1
    *(u64 *)(r10 - 112) = r1
    *(u64 *)(r10 - 120) = r1
    *(u64 *)(r10 - 128) = r1
    *(u64 *)(r10 - 136) = r1
    *(u64 *)(r10 - 144) = r1
    *(u64 *)(r10 - 152) = r1
    *(u64 *)(r10 - 160) = r1
    *(u64 *)(r10 - 168) = r1
    *(u64 *)(r10 - 176) = r1
    *(u64 *)(r10 - 184) = r1
    *(u64 *)(r10 - 192) = r1
    *(u64 *)(r10 - 200) = r1
    *(u64 *)(r10 - 208) = r1
    *(u64 *)(r10 - 216) = r1
    *(u64 *)(r10 - 224) = r1
    *(u64 *)(r10 - 232) = r1
    *(u64 *)(r10 - 240) = r1
    *(u64 *)(r10 - 248) = r1
    *(u64 *)(r10 - 256) = r1
    *(u64 *)(r10 - 264) = r1
    *(u64 *)(r10 - 272) = r1
    *(u64 *)(r10 - 280) = r1
    *(u64 *)(r10 - 288) = r1
    *(u64 *)(r10 - 296) = r1
    *(u64 *)(r10 - 304) = r1
    *(u64 *)(r10 - 312) = r1
    *(u64 *)(r10 - 320) = r1
    *(u64 *)(r10 - 328) = r1
    *(u64 *)(r10 - 336) = r1
    *(u64 *)(r10 - 344) = r1
    *(u64 *)(r10 - 352) = r1
    *(u64 *)(r10 - 360) = r1
    *(u64 *)(r10 - 368) = r1
    *(u64 *)(r10 - 376) = r1
    *(u64 *)(r10 - 384) = r1
    *(u64 *)(r10 - 392) = r1
    *(u64 *)(r10 - 400) = r1
    *(u64 *)(r10 - 408) = r1
    *(u32 *)(r10 - 416) = r1
    r1 = r10
    r1 += -408
    r2 = 408
    r3 = r10
    r3 += -416
    call kfunc(bpf_crypto_ctx_create)

    r0 = 0
    exit

=== kfuncs_rest/crypto_create_xdp
type: xdp
desc: XDP has no crypt_init set
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 56) = r1
    *(u64 *)(r10 - 64) = r1
    *(u64 *)(r10 - 72) = r1
    *(u64 *)(r10 - 80) = r1
    *(u64 *)(r10 - 88) = r1
    *(u64 *)(r10 - 96) = r1
    *(u64 *)(r10 - 104) = r1
    *(u64 *)(r10 - 112) = r1
    *(u64 *)(r10 - 120) = r1
    *(u64 *)(r10 - 128) = r1
    *(u64 *)(r10 - 136) = r1
    *(u64 *)(r10 - 144) = r1
    *(u64 *)(r10 - 152) = r1
    *(u64 *)(r10 - 160) = r1
    *(u64 *)(r10 - 168) = r1
    *(u64 *)(r10 - 176) = r1
    *(u64 *)(r10 - 184) = r1
    *(u64 *)(r10 - 192) = r1
    *(u64 *)(r10 - 200) = r1
    *(u64 *)(r10 - 208) = r1
    *(u64 *)(r10 - 216) = r1
    *(u64 *)(r10 - 224) = r1
    *(u64 *)(r10 - 232) = r1
    *(u64 *)(r10 - 240) = r1
    *(u64 *)(r10 - 248) = r1
    *(u64 *)(r10 - 256) = r1
    *(u64 *)(r10 - 264) = r1
    *(u64 *)(r10 - 272) = r1
    *(u64 *)(r10 - 280) = r1
    *(u64 *)(r10 - 288) = r1
    *(u64 *)(r10 - 296) = r1
    *(u64 *)(r10 - 304) = r1
    *(u64 *)(r10 - 312) = r1
    *(u64 *)(r10 - 320) = r1
    *(u64 *)(r10 - 328) = r1
    *(u64 *)(r10 - 336) = r1
    *(u64 *)(r10 - 344) = r1
    *(u64 *)(r10 - 352) = r1
    *(u64 *)(r10 - 360) = r1
    *(u64 *)(r10 - 368) = r1
    *(u64 *)(r10 - 376) = r1
    *(u64 *)(r10 - 384) = r1
    *(u64 *)(r10 - 392) = r1
    *(u64 *)(r10 - 400) = r1
    *(u64 *)(r10 - 408) = r1
    *(u32 *)(r10 - 416) = r1
    r1 = r10
    r1 += -408
    r2 = 408
    r3 = r10
    r3 += -416
    call kfunc(bpf_crypto_ctx_create)

    r0 = 0
    exit

=== kfuncs_rest/crypto_create_short_params
type: syscall
flags: sleepable
desc: params of 400 bytes on the stack with params__sz 408: past the initialised stack
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 56) = r1
    *(u64 *)(r10 - 64) = r1
    *(u64 *)(r10 - 72) = r1
    *(u64 *)(r10 - 80) = r1
    *(u64 *)(r10 - 88) = r1
    *(u64 *)(r10 - 96) = r1
    *(u64 *)(r10 - 104) = r1
    *(u64 *)(r10 - 112) = r1
    *(u64 *)(r10 - 120) = r1
    *(u64 *)(r10 - 128) = r1
    *(u64 *)(r10 - 136) = r1
    *(u64 *)(r10 - 144) = r1
    *(u64 *)(r10 - 152) = r1
    *(u64 *)(r10 - 160) = r1
    *(u64 *)(r10 - 168) = r1
    *(u64 *)(r10 - 176) = r1
    *(u64 *)(r10 - 184) = r1
    *(u64 *)(r10 - 192) = r1
    *(u64 *)(r10 - 200) = r1
    *(u64 *)(r10 - 208) = r1
    *(u64 *)(r10 - 216) = r1
    *(u64 *)(r10 - 224) = r1
    *(u64 *)(r10 - 232) = r1
    *(u64 *)(r10 - 240) = r1
    *(u64 *)(r10 - 248) = r1
    *(u64 *)(r10 - 256) = r1
    *(u64 *)(r10 - 264) = r1
    *(u64 *)(r10 - 272) = r1
    *(u64 *)(r10 - 280) = r1
    *(u64 *)(r10 - 288) = r1
    *(u64 *)(r10 - 296) = r1
    *(u64 *)(r10 - 304) = r1
    *(u64 *)(r10 - 312) = r1
    *(u64 *)(r10 - 320) = r1
    *(u64 *)(r10 - 328) = r1
    *(u64 *)(r10 - 336) = r1
    *(u64 *)(r10 - 344) = r1
    *(u64 *)(r10 - 352) = r1
    *(u64 *)(r10 - 360) = r1
    *(u64 *)(r10 - 368) = r1
    *(u64 *)(r10 - 376) = r1
    *(u64 *)(r10 - 384) = r1
    *(u64 *)(r10 - 392) = r1
    *(u64 *)(r10 - 400) = r1
    *(u32 *)(r10 - 416) = r1
    r1 = r10
    r1 += -400
    r2 = 408
    r3 = r10
    r3 += -416
    call kfunc(bpf_crypto_ctx_create)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_crypto_ctx_release)
out:
    r0 = 0
    exit

=== kfuncs_rest/crypto_acquire_twice
type: syscall
flags: sleepable
desc: acquire a second reference, release both
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 56) = r1
    *(u64 *)(r10 - 64) = r1
    *(u64 *)(r10 - 72) = r1
    *(u64 *)(r10 - 80) = r1
    *(u64 *)(r10 - 88) = r1
    *(u64 *)(r10 - 96) = r1
    *(u64 *)(r10 - 104) = r1
    *(u64 *)(r10 - 112) = r1
    *(u64 *)(r10 - 120) = r1
    *(u64 *)(r10 - 128) = r1
    *(u64 *)(r10 - 136) = r1
    *(u64 *)(r10 - 144) = r1
    *(u64 *)(r10 - 152) = r1
    *(u64 *)(r10 - 160) = r1
    *(u64 *)(r10 - 168) = r1
    *(u64 *)(r10 - 176) = r1
    *(u64 *)(r10 - 184) = r1
    *(u64 *)(r10 - 192) = r1
    *(u64 *)(r10 - 200) = r1
    *(u64 *)(r10 - 208) = r1
    *(u64 *)(r10 - 216) = r1
    *(u64 *)(r10 - 224) = r1
    *(u64 *)(r10 - 232) = r1
    *(u64 *)(r10 - 240) = r1
    *(u64 *)(r10 - 248) = r1
    *(u64 *)(r10 - 256) = r1
    *(u64 *)(r10 - 264) = r1
    *(u64 *)(r10 - 272) = r1
    *(u64 *)(r10 - 280) = r1
    *(u64 *)(r10 - 288) = r1
    *(u64 *)(r10 - 296) = r1
    *(u64 *)(r10 - 304) = r1
    *(u64 *)(r10 - 312) = r1
    *(u64 *)(r10 - 320) = r1
    *(u64 *)(r10 - 328) = r1
    *(u64 *)(r10 - 336) = r1
    *(u64 *)(r10 - 344) = r1
    *(u64 *)(r10 - 352) = r1
    *(u64 *)(r10 - 360) = r1
    *(u64 *)(r10 - 368) = r1
    *(u64 *)(r10 - 376) = r1
    *(u64 *)(r10 - 384) = r1
    *(u64 *)(r10 - 392) = r1
    *(u64 *)(r10 - 400) = r1
    *(u64 *)(r10 - 408) = r1
    *(u32 *)(r10 - 416) = r1
    r1 = r10
    r1 += -408
    r2 = 408
    r3 = r10
    r3 += -416
    call kfunc(bpf_crypto_ctx_create)

    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_crypto_ctx_acquire)
    if r0 == 0 goto one
    r1 = r0
    call kfunc(bpf_crypto_ctx_release)
one:
    r1 = r6
    call kfunc(bpf_crypto_ctx_release)
out:
    r0 = 0
    exit

=== kfuncs_rest/crypto_double_release
type: syscall
flags: sleepable
desc: the same reference released twice
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 56) = r1
    *(u64 *)(r10 - 64) = r1
    *(u64 *)(r10 - 72) = r1
    *(u64 *)(r10 - 80) = r1
    *(u64 *)(r10 - 88) = r1
    *(u64 *)(r10 - 96) = r1
    *(u64 *)(r10 - 104) = r1
    *(u64 *)(r10 - 112) = r1
    *(u64 *)(r10 - 120) = r1
    *(u64 *)(r10 - 128) = r1
    *(u64 *)(r10 - 136) = r1
    *(u64 *)(r10 - 144) = r1
    *(u64 *)(r10 - 152) = r1
    *(u64 *)(r10 - 160) = r1
    *(u64 *)(r10 - 168) = r1
    *(u64 *)(r10 - 176) = r1
    *(u64 *)(r10 - 184) = r1
    *(u64 *)(r10 - 192) = r1
    *(u64 *)(r10 - 200) = r1
    *(u64 *)(r10 - 208) = r1
    *(u64 *)(r10 - 216) = r1
    *(u64 *)(r10 - 224) = r1
    *(u64 *)(r10 - 232) = r1
    *(u64 *)(r10 - 240) = r1
    *(u64 *)(r10 - 248) = r1
    *(u64 *)(r10 - 256) = r1
    *(u64 *)(r10 - 264) = r1
    *(u64 *)(r10 - 272) = r1
    *(u64 *)(r10 - 280) = r1
    *(u64 *)(r10 - 288) = r1
    *(u64 *)(r10 - 296) = r1
    *(u64 *)(r10 - 304) = r1
    *(u64 *)(r10 - 312) = r1
    *(u64 *)(r10 - 320) = r1
    *(u64 *)(r10 - 328) = r1
    *(u64 *)(r10 - 336) = r1
    *(u64 *)(r10 - 344) = r1
    *(u64 *)(r10 - 352) = r1
    *(u64 *)(r10 - 360) = r1
    *(u64 *)(r10 - 368) = r1
    *(u64 *)(r10 - 376) = r1
    *(u64 *)(r10 - 384) = r1
    *(u64 *)(r10 - 392) = r1
    *(u64 *)(r10 - 400) = r1
    *(u64 *)(r10 - 408) = r1
    *(u32 *)(r10 - 416) = r1
    r1 = r10
    r1 += -408
    r2 = 408
    r3 = r10
    r3 += -416
    call kfunc(bpf_crypto_ctx_create)

    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_crypto_ctx_release)
    r1 = r6
    call kfunc(bpf_crypto_ctx_release)
out:
    r0 = 0
    exit

=== kfuncs_rest/crypto_read_siv_len
type: syscall
flags: sleepable
desc: a created context's siv_len read through the trusted pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 56) = r1
    *(u64 *)(r10 - 64) = r1
    *(u64 *)(r10 - 72) = r1
    *(u64 *)(r10 - 80) = r1
    *(u64 *)(r10 - 88) = r1
    *(u64 *)(r10 - 96) = r1
    *(u64 *)(r10 - 104) = r1
    *(u64 *)(r10 - 112) = r1
    *(u64 *)(r10 - 120) = r1
    *(u64 *)(r10 - 128) = r1
    *(u64 *)(r10 - 136) = r1
    *(u64 *)(r10 - 144) = r1
    *(u64 *)(r10 - 152) = r1
    *(u64 *)(r10 - 160) = r1
    *(u64 *)(r10 - 168) = r1
    *(u64 *)(r10 - 176) = r1
    *(u64 *)(r10 - 184) = r1
    *(u64 *)(r10 - 192) = r1
    *(u64 *)(r10 - 200) = r1
    *(u64 *)(r10 - 208) = r1
    *(u64 *)(r10 - 216) = r1
    *(u64 *)(r10 - 224) = r1
    *(u64 *)(r10 - 232) = r1
    *(u64 *)(r10 - 240) = r1
    *(u64 *)(r10 - 248) = r1
    *(u64 *)(r10 - 256) = r1
    *(u64 *)(r10 - 264) = r1
    *(u64 *)(r10 - 272) = r1
    *(u64 *)(r10 - 280) = r1
    *(u64 *)(r10 - 288) = r1
    *(u64 *)(r10 - 296) = r1
    *(u64 *)(r10 - 304) = r1
    *(u64 *)(r10 - 312) = r1
    *(u64 *)(r10 - 320) = r1
    *(u64 *)(r10 - 328) = r1
    *(u64 *)(r10 - 336) = r1
    *(u64 *)(r10 - 344) = r1
    *(u64 *)(r10 - 352) = r1
    *(u64 *)(r10 - 360) = r1
    *(u64 *)(r10 - 368) = r1
    *(u64 *)(r10 - 376) = r1
    *(u64 *)(r10 - 384) = r1
    *(u64 *)(r10 - 392) = r1
    *(u64 *)(r10 - 400) = r1
    *(u64 *)(r10 - 408) = r1
    *(u32 *)(r10 - 416) = r1
    r1 = r10
    r1 += -408
    r2 = 408
    r3 = r10
    r3 += -416
    call kfunc(bpf_crypto_ctx_create)

    if r0 == 0 goto out
    r6 = *(u32 *)(r0 + 16)
    r1 = r0
    call kfunc(bpf_crypto_ctx_release)
    r0 = r6
    exit
out:
    r0 = 0
    exit

=== kfuncs_rest/crypto_write_ctx
type: syscall
flags: sleepable
desc: a store into the kernel's context object
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 56) = r1
    *(u64 *)(r10 - 64) = r1
    *(u64 *)(r10 - 72) = r1
    *(u64 *)(r10 - 80) = r1
    *(u64 *)(r10 - 88) = r1
    *(u64 *)(r10 - 96) = r1
    *(u64 *)(r10 - 104) = r1
    *(u64 *)(r10 - 112) = r1
    *(u64 *)(r10 - 120) = r1
    *(u64 *)(r10 - 128) = r1
    *(u64 *)(r10 - 136) = r1
    *(u64 *)(r10 - 144) = r1
    *(u64 *)(r10 - 152) = r1
    *(u64 *)(r10 - 160) = r1
    *(u64 *)(r10 - 168) = r1
    *(u64 *)(r10 - 176) = r1
    *(u64 *)(r10 - 184) = r1
    *(u64 *)(r10 - 192) = r1
    *(u64 *)(r10 - 200) = r1
    *(u64 *)(r10 - 208) = r1
    *(u64 *)(r10 - 216) = r1
    *(u64 *)(r10 - 224) = r1
    *(u64 *)(r10 - 232) = r1
    *(u64 *)(r10 - 240) = r1
    *(u64 *)(r10 - 248) = r1
    *(u64 *)(r10 - 256) = r1
    *(u64 *)(r10 - 264) = r1
    *(u64 *)(r10 - 272) = r1
    *(u64 *)(r10 - 280) = r1
    *(u64 *)(r10 - 288) = r1
    *(u64 *)(r10 - 296) = r1
    *(u64 *)(r10 - 304) = r1
    *(u64 *)(r10 - 312) = r1
    *(u64 *)(r10 - 320) = r1
    *(u64 *)(r10 - 328) = r1
    *(u64 *)(r10 - 336) = r1
    *(u64 *)(r10 - 344) = r1
    *(u64 *)(r10 - 352) = r1
    *(u64 *)(r10 - 360) = r1
    *(u64 *)(r10 - 368) = r1
    *(u64 *)(r10 - 376) = r1
    *(u64 *)(r10 - 384) = r1
    *(u64 *)(r10 - 392) = r1
    *(u64 *)(r10 - 400) = r1
    *(u64 *)(r10 - 408) = r1
    *(u32 *)(r10 - 416) = r1
    r1 = r10
    r1 += -408
    r2 = 408
    r3 = r10
    r3 += -416
    call kfunc(bpf_crypto_ctx_create)

    if r0 == 0 goto out
    r1 = 0
    *(u32 *)(r0 + 16) = r1
    r1 = r0
    call kfunc(bpf_crypto_ctx_release)
out:
    r0 = 0
    exit

=== kfuncs_rest/crypto_encrypt_null_ctx_tc
type: sched_cls
desc: encrypt with a NULL context (trusted arg)
    r1 = 0
    r2 = r10
    r2 += -16
    r3 = r10
    r3 += -32
    r4 = 0
    call kfunc(bpf_crypto_encrypt)
    r0 = 0
    exit

=== kfuncs_rest/crypto_encrypt_socket_filter
type: socket_filter
desc: socket filters have no crypt set
    r1 = 0
    r2 = r10
    r2 += -16
    r3 = r10
    r3 += -32
    r4 = 0
    call kfunc(bpf_crypto_encrypt)
    r0 = 0
    exit

=== kfuncs_rest/crypto_decrypt_syscall
type: syscall
flags: sleepable
desc: SYSCALL programs have only the init set
    r1 = 0
    r2 = r10
    r2 += -16
    r3 = r10
    r3 += -32
    r4 = 0
    call kfunc(bpf_crypto_decrypt)
    r0 = 0
    exit

=== kfuncs_rest/crypto_encrypt_ctx_scalar_xdp
type: xdp
desc: a scalar for the context
    r1 = 8
    r2 = r10
    r2 += -16
    r3 = r10
    r3 += -32
    r4 = 0
    call kfunc(bpf_crypto_encrypt)
    r0 = 0
    exit

=== kfuncs_rest/cgroup_read_xattr_syscall
type: syscall
maps: ro=array(4,16,1,rdonly_prog,frozen,data=757365722e6b667265737400) buf=array(4,64,1)
flags: sleepable
desc: a user. xattr of the root cgroup read into a local dynptr
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r6 = r0
    r1 = map_value(buf, 0) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r1 = r6
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -16
    call kfunc(bpf_cgroup_read_xattr)
    r7 = r0
    r1 = r6
    call kfunc(bpf_cgroup_release)
    r0 = r7
    exit
out:
    r0 = 0
    exit

=== kfuncs_rest/cgroup_read_xattr_xdp
type: xdp
maps: ro=array(4,16,1,rdonly_prog,frozen,data=757365722e6b667265737400) buf=array(4,64,1)
desc: the common set: XDP too
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r6 = r0
    r1 = map_value(buf, 0) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r1 = r6
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -16
    call kfunc(bpf_cgroup_read_xattr)
    r7 = r0
    r1 = r6
    call kfunc(bpf_cgroup_release)
    r0 = r7
    exit
out:
    r0 = 0
    exit

=== kfuncs_rest/cgroup_read_xattr_tc
type: sched_cls
maps: ro=array(4,16,1,rdonly_prog,frozen,data=757365722e6b667265737400) buf=array(4,64,1)
desc: and tc
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r6 = r0
    r1 = map_value(buf, 0) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r1 = r6
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -16
    call kfunc(bpf_cgroup_read_xattr)
    r7 = r0
    r1 = r6
    call kfunc(bpf_cgroup_release)
    r0 = r7
    exit
out:
    r0 = 0
    exit

=== kfuncs_rest/cgroup_read_xattr_name_on_stack
type: syscall
maps: ro=array(4,16,1,rdonly_prog,frozen,data=757365722e6b667265737400) buf=array(4,64,1)
flags: sleepable
desc: the name must be a constant string in a read-only map
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r6 = r0
    r1 = map_value(buf, 0) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r1 = r6
    r2 = 0
    *(u64 *)(r10 - 40) = r2
    r2 = r10
    r2 += -40
    r3 = r10
    r3 += -16
    call kfunc(bpf_cgroup_read_xattr)
    r7 = r0
    r1 = r6
    call kfunc(bpf_cgroup_release)
    r0 = r7
    exit
out:
    r0 = 0
    exit

=== kfuncs_rest/cgroup_read_xattr_writable_map
type: syscall
maps: ro=array(4,16,1,data=757365722e6b667265737400) buf=array(4,64,1)
flags: sleepable
desc: a writable map's value is no constant string
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r6 = r0
    r1 = map_value(buf, 0) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r1 = r6
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -16
    call kfunc(bpf_cgroup_read_xattr)
    r7 = r0
    r1 = r6
    call kfunc(bpf_cgroup_release)
    r0 = r7
    exit
out:
    r0 = 0
    exit

=== kfuncs_rest/cgroup_read_xattr_unchecked
type: syscall
maps: ro=array(4,16,1,rdonly_prog,frozen,data=757365722e6b667265737400) buf=array(4,64,1)
flags: sleepable
desc: the cgroup used before its NULL check
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    r6 = r0
    r1 = map_value(buf, 0) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r1 = r6
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -16
    call kfunc(bpf_cgroup_read_xattr)
    r7 = r0
    r1 = r6
    call kfunc(bpf_cgroup_release)
    r0 = r7
    exit

=== kfuncs_rest/cgroup_read_xattr_uninit_dynptr
type: syscall
maps: ro=array(4,16,1,rdonly_prog,frozen,data=757365722e6b667265737400)
flags: sleepable
desc: the value dynptr never initialised
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r6 = r0
    r1 = r10
    r1 += -32
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    r0 = 0
    r1 = r6
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -16
    call kfunc(bpf_cgroup_read_xattr)
    r7 = r0
    r1 = r6
    call kfunc(bpf_cgroup_release)
    r0 = r7
    exit
out:
    r0 = 0
    exit

=== kfuncs_rest/cgroup_read_xattr_after_release
type: syscall
maps: ro=array(4,16,1,rdonly_prog,frozen,data=757365722e6b667265737400) buf=array(4,64,1)
flags: sleepable
desc: the cgroup read after its release
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r6 = r0
    r1 = map_value(buf, 0) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r1 = r6
    call kfunc(bpf_cgroup_release)
    r1 = r6
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -16
    call kfunc(bpf_cgroup_read_xattr)
    r7 = r0
    r1 = r6
    call kfunc(bpf_cgroup_release)
    r0 = r7
    exit
out:
    r0 = 0
    exit

=== kfuncs_rest/task_str_syscall
type: syscall
flags: sleepable
desc: bpf_copy_from_user_task_str of the current task into the stack
    call bpf_get_current_task_btf
    r4 = r0
    r1 = r10
    r1 += -32
    r2 = 32
    r3 = 0
    r5 = 0
    call kfunc(bpf_copy_from_user_task_str)
    r0 = 0
    exit

=== kfuncs_rest/task_str_not_sleepable
type: xdp
desc: a sleepable kfunc in XDP
    call bpf_get_current_task_btf
    r4 = r0
    r1 = r10
    r1 += -32
    r2 = 32
    r3 = 0
    r5 = 0
    call kfunc(bpf_copy_from_user_task_str)
    r0 = 0
    exit

=== kfuncs_rest/task_str_null_task
type: syscall
flags: sleepable
desc: a NULL task
    call bpf_get_current_task_btf
    r4 = 0
    r1 = r10
    r1 += -32
    r2 = 32
    r3 = 0
    r5 = 0
    call kfunc(bpf_copy_from_user_task_str)
    r0 = 0
    exit

=== kfuncs_rest/task_str_uninit_dst
type: syscall
flags: sleepable
desc: 32 bytes of uninitialised stack are fine: the kfunc writes them
    call bpf_get_current_task_btf
    r4 = r0
    r1 = r10
    r1 += -32
    r2 = 32
    r3 = 0
    r5 = 0
    call kfunc(bpf_copy_from_user_task_str)
    r0 = 0
    exit

=== kfuncs_rest/task_str_size_unbounded
type: syscall
flags: sleepable
desc: a size the verifier cannot bound (read from the context)
    r6 = r1
    call bpf_get_current_task_btf
    r4 = r0
    r2 = *(u64 *)(r6 + 0)
    r1 = r10
    r1 += -32
    r3 = 0
    r5 = 0
    call kfunc(bpf_copy_from_user_task_str)
    r0 = 0
    exit

=== kfuncs_rest/task_dynptr_syscall
type: syscall
maps: buf=array(4,64,1)
flags: sleepable
desc: bpf_copy_from_user_task_dynptr into a local dynptr
    r1 = map_value(buf, 0) ll
    r2 = 32
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    call bpf_get_current_task_btf
    r5 = r0
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 8
    r4 = 0
    call kfunc(bpf_copy_from_user_task_dynptr)
    r0 = 0
    exit

=== kfuncs_rest/task_str_dynptr_syscall
type: syscall
maps: buf=array(4,64,1)
flags: sleepable
desc: bpf_copy_from_user_task_str_dynptr
    r1 = map_value(buf, 0) ll
    r2 = 32
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    call bpf_get_current_task_btf
    r5 = r0
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 8
    r4 = 0
    call kfunc(bpf_copy_from_user_task_str_dynptr)
    r0 = 0
    exit

=== kfuncs_rest/task_dynptr_task_scalar
type: syscall
maps: buf=array(4,64,1)
flags: sleepable
desc: a scalar for the task
    r1 = map_value(buf, 0) ll
    r2 = 32
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    call bpf_get_current_task_btf
    r5 = 4096
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 8
    r4 = 0
    call kfunc(bpf_copy_from_user_task_dynptr)
    r0 = 0
    exit

=== kfuncs_rest/rstat_updated_null
type: tracepoint
desc: css_rstat_updated with a NULL css
    r1 = 0
    r2 = 0
    call kfunc(css_rstat_updated)
    r0 = 0
    exit

=== kfuncs_rest/rstat_flush_tracepoint
type: tracepoint
desc: css_rstat_flush is sleepable
    r1 = 0
    call kfunc(css_rstat_flush)
    r0 = 0
    exit

=== kfuncs_rest/rstat_updated_xdp
type: xdp
desc: the tracing hook's set only
    r1 = 0
    r2 = 0
    call kfunc(css_rstat_updated)
    r0 = 0
    exit

=== kfuncs_rest/refused_bpf_sock_destroy_tracepoint
type: tracepoint
desc: bpf_sock_destroy is in no set tracepoint may use
    r1 = 0
    r2 = 0
    r3 = 0
    r4 = 0
    r5 = 0
    call kfunc(bpf_sock_destroy)
    r0 = 0
    exit

=== kfuncs_rest/refused_bpf_get_file_xattr_perf_event
type: perf_event
desc: bpf_get_file_xattr is in no set perf_event may use
    r1 = 0
    r2 = 0
    r3 = 0
    r4 = 0
    r5 = 0
    call kfunc(bpf_get_file_xattr)
    r0 = 0
    exit

=== kfuncs_rest/refused_bpf_remove_dentry_xattr_tracepoint
type: tracepoint
desc: bpf_remove_dentry_xattr is in no set tracepoint may use
    r1 = 0
    r2 = 0
    r3 = 0
    r4 = 0
    r5 = 0
    call kfunc(bpf_remove_dentry_xattr)
    r0 = 0
    exit

=== kfuncs_rest/refused_bpf_fentry_test1_syscall
type: syscall
flags: sleepable
desc: bpf_fentry_test1 is in no set syscall may use
    r1 = 0
    r2 = 0
    r3 = 0
    r4 = 0
    r5 = 0
    call kfunc(bpf_fentry_test1)
    r0 = 0
    exit

=== kfuncs_rest/refused_bpf_modify_return_test_sched_cls
type: sched_cls
desc: bpf_modify_return_test is in no set sched_cls may use
    r1 = 0
    r2 = 0
    r3 = 0
    r4 = 0
    r5 = 0
    call kfunc(bpf_modify_return_test)
    r0 = 0
    exit

=== kfuncs_rest/refused_bpf_modify_return_test2_tracepoint
type: tracepoint
desc: bpf_modify_return_test2 is in no set tracepoint may use
    r1 = 0
    r2 = 0
    r3 = 0
    r4 = 0
    r5 = 0
    call kfunc(bpf_modify_return_test2)
    r0 = 0
    exit

=== kfuncs_rest/test_release_null_sched_cls
type: sched_cls
desc: bpf_kfunc_call_test_release of NULL: in the set, refused as a NULL trusted argument
    r1 = 0
    call kfunc(bpf_kfunc_call_test_release)
    r0 = 0
    exit

=== kfuncs_rest/test_release_null_syscall
type: syscall
flags: sleepable
desc: bpf_kfunc_call_test_release of NULL: in the set, refused as a NULL trusted argument
    r1 = 0
    call kfunc(bpf_kfunc_call_test_release)
    r0 = 0
    exit

=== kfuncs_rest/test_release_null_perf_event
type: perf_event
desc: bpf_kfunc_call_test_release of NULL: in the set, refused as a NULL trusted argument
    r1 = 0
    call kfunc(bpf_kfunc_call_test_release)
    r0 = 0
    exit

=== kfuncs_rest/memb_release_stack
type: sched_cls
desc: bpf_kfunc_call_memb_release of a stack pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    call kfunc(bpf_kfunc_call_memb_release)
    r0 = 0
    exit

=== kfuncs_rest/memb_release_xdp
type: xdp
desc: not XDP's
    r1 = 0
    call kfunc(bpf_kfunc_call_memb_release)
    r0 = 0
    exit
