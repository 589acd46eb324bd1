/* Iterator programs for pybpf's link tests (tests/kernel/test_iter_links.py): the bpf_map and bpf_prog
 * iterators print the objects whose names start with "vlk_" through bpf_seq_printf / bpf_seq_write,
 * and the end of the walk (the program called once more with a NULL object).  `stop_at` makes the
 * map iterator return 1 (retry: the read stops) at a map of that max_entries; `big` prints more than
 * the seq_file's buffer holds for one object (E2BIG). */
#include "vmlinux.h"
#include "bpf_helpers.h"

static long (*bpf_seq_printf)(struct seq_file *m, const char *fmt, __u32 fmt_size, const void *data,
			      __u32 data_len) = (void *)126;
static long (*bpf_seq_write)(struct seq_file *m, const void *data, __u32 len) = (void *)127;

const volatile __u32 stop_at = 0;
const volatile __u32 big = 0;
char filler[4096];

static __always_inline int wanted(const char *name)
{
	return name[0] == 'v' && name[1] == 'l' && name[2] == 'k' && name[3] == '_';
}

SEC("iter/bpf_map")
int vlk_maps(struct bpf_iter__bpf_map *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct bpf_map *map = ctx->map;
	static const char fmt[] = "%s type %u key %u value %u max %u flags %x\n";
	static const char done[] = "maps done\n";
	__u64 args[6];
	long written;

	if (!map) {
		bpf_seq_write(seq, done, sizeof(done) - 1);
		return 0;
	}
	if (!wanted(map->name))
		return 0;
	if (stop_at && map->max_entries == stop_at)
		return 1;
	args[0] = (__u64)(long)map->name;
	args[1] = map->map_type;
	args[2] = map->key_size;
	args[3] = map->value_size;
	args[4] = map->max_entries;
	args[5] = map->map_flags;
	written = bpf_seq_printf(seq, fmt, sizeof(fmt), args, sizeof(args));
	if (big) {
		for (int i = 0; i < 20; i++)
			bpf_seq_write(seq, filler, sizeof(filler));
	}
	return written < 0 ? 1 : 0;
}

SEC("iter/bpf_prog")
int vlk_progs(struct bpf_iter__bpf_prog *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct bpf_prog *prog = ctx->prog;
	static const char fmt[] = "%s type %u attach %u\n";
	static const char done[] = "progs done\n";
	__u64 args[3];

	if (!prog) {
		bpf_seq_write(seq, done, sizeof(done) - 1);
		return 0;
	}
	if (!wanted(prog->aux->name))
		return 0;
	args[0] = (__u64)(long)prog->aux->name;
	args[1] = prog->type;
	args[2] = prog->expected_attach_type;
	bpf_seq_printf(seq, fmt, sizeof(fmt), args, sizeof(args));
	return 0;
}

SEC("iter/bpf_map")
int vlk_count(struct bpf_iter__bpf_map *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	static const char fmt[] = "seq %llu session? %d\n";
	struct bpf_map *map = ctx->map;
	__u64 args[2];

	if (!map || !wanted(map->name))
		return 0;
	args[0] = ctx->meta->seq_num;
	args[1] = ctx->meta->session_id != 0;
	bpf_seq_printf(seq, fmt, sizeof(fmt), args, sizeof(args));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
