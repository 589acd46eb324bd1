/* An arena (BPF_MAP_TYPE_ARENA) shared by a program and user space: a linked list of nodes the
 * program allocates in the arena with bpf_arena_alloc_pages(), a counter and a list head that are
 * __arena globals (section .addr_space.1, the arena's first bytes as libbpf lays them out), sums
 * the program computes by walking the list, and a free of every page (the themes of the kernel's
 * selftests arena_list.c and arena_htab.c; written afresh).  Built with clang's address_space(1)
 * (clang 19), so every dereference of an __arena pointer is an addr_space_cast then a load/store. */
#include "bpf_helpers.h"

#define __arena __attribute__((address_space(1)))
#define PAGE_SIZE 4096
#define NUMA_NO_NODE (-1)

struct {
	__uint(type, 33 /* BPF_MAP_TYPE_ARENA */);
	__uint(map_flags, 1U << 10 /* BPF_F_MMAPABLE */);
	__uint(max_entries, 16); /* pages */
} arena SEC(".maps");

extern void __arena *bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt, int node_id,
					   __u64 flags) __ksym __weak;
extern void bpf_arena_free_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym __weak;

struct node {
	struct node __arena *next;
	__u64 value;
};

struct node __arena *head;     /* .addr_space.1: zero at first, in the arena's data page */
__u64 __arena added;           /* how many nodes were added, over every run */
__u64 __arena magic = 0x5eed;  /* initialised: user space sees it in the arena */

__u64 sum;                     /* .bss: what the last walk summed */
__u64 count;
int add_count = 3;             /* .data: nodes the next add run appends */

SEC("syscall")
int arena_list_add(void *ctx)
{
	struct node __arena *page;
	int i;

	page = bpf_arena_alloc_pages(&arena, NULL, 1, NUMA_NO_NODE, 0);
	if (!page)
		return 1;
	for (i = 0; i < add_count && i < PAGE_SIZE / sizeof(struct node); i++) {
		struct node __arena *n = page + i;

		n->value = i + 1;
		n->next = head;
		head = n;
		added++;
	}
	return 0;
}

SEC("syscall")
int arena_list_sum(void *ctx)
{
	struct node __arena *n;
	__u64 s = 0, c = 0;
	int i;

	for (n = head, i = 0; n && i < 1000; n = n->next, i++) {
		s += n->value;
		c++;
	}
	sum = s;
	count = c;
	return magic == 0x5eed ? 0 : 2;
}

SEC("syscall")
int arena_list_free(void *ctx)
{
	struct node __arena *n = head;

	/* every node of a run lives on one page: free the page of each head run */
	head = NULL;
	if (n)
		bpf_arena_free_pages(&arena, (void __arena *)((unsigned long)n & ~(PAGE_SIZE - 1UL)), 1);
	return 0;
}

char _license[] SEC("license") = "GPL";
