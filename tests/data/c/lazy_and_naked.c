/* Two libbpf loading conventions: SEC("?...") (a program that starts with autoload off, its type read
 * from the name after the '?'), and an object whose BTF the kernel refuses (clang-19 leaves the
 * parameter of a naked function unnamed in BTF: "Invalid arg#1"), which libbpf then loads without
 * func_info and line_info. */
#include "bpf_helpers.h"

SEC("?socket")
int lazy_socket(struct __sk_buff *skb)
{
	return skb->len > 100 ? 1 : 2;
}

SEC("socket")
__attribute__((naked)) int naked_socket(void *ctx)
{
	asm volatile("r0 = 7;"
		     "exit;" ::: "r0");
}

char _license[] SEC("license") = "GPL";
