/* Not a program: the "kernel" BTF that core_custom.o is relocated against in the tests, where
 * struct core_probe has another layout than the one core_custom.c was compiled with. */
#include "bpf_helpers.h"

struct core_probe {
	__u64 pad;
	__u32 b;
	__u16 other;
	__u8 level : 6, flags : 2;
	__u8 spare;
	__u32 a;
};

struct core_probe probe_layout;
