/* An infrared decoder (SEC("lirc_mode2"), BPF_PROG_TYPE_LIRC_MODE2): each raw IR sample (a u32:
 * the LIRC_MODE2 type in the top byte, the duration below) goes through a small state machine kept
 * in an array map; a long pulse then a short space reports a key with bpf_rc_keydown, a repeat
 * space bpf_rc_repeat, anything else moves the pointer with bpf_rc_pointer_rel.  Kernels without
 * CONFIG_BPF_LIRC_MODE2 refuse the type (EINVAL). */
#include "bpf_helpers.h"

static long (*bpf_rc_repeat)(void *ctx) = (void *)77;
static long (*bpf_rc_keydown)(void *ctx, __u32 protocol, __u64 scancode, __u32 toggle) = (void *)78;
static long (*bpf_rc_pointer_rel)(void *ctx, __s32 rel_x, __s32 rel_y) = (void *)92;

#define LIRC_MODE2_PULSE 0x01000000
#define LIRC_MODE2_SPACE 0x00000000
#define LIRC_MODE2_MASK 0xff000000
#define LIRC_VALUE_MASK 0x00ffffff

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} last_pulse SEC(".maps");

SEC("lirc_mode2")
int decode(unsigned int *sample)
{
	__u32 key = 0, mode = *sample & LIRC_MODE2_MASK, duration = *sample & LIRC_VALUE_MASK;
	__u32 *pulse = bpf_map_lookup_elem(&last_pulse, &key);

	if (!pulse)
		return 0;
	if (mode == LIRC_MODE2_PULSE) {
		*pulse = duration;
		return 0;
	}
	if (mode != LIRC_MODE2_SPACE)
		return 0;
	if (*pulse > 8000 && duration < 2500)
		bpf_rc_repeat(sample);
	else if (*pulse > 8000)
		bpf_rc_keydown(sample, 0x40, duration, 0);
	else
		bpf_rc_pointer_rel(sample, (__s32)duration / 100, -1);
	return 0;
}

char _license[] SEC("license") = "GPL";
