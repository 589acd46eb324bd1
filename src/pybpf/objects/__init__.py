"""Objects as files: the bpffs-like root, object ids, references and lifetime, shared locks, perf events.

The layer every pybpf object stands on (the kernel's anon-inode objects, bpffs and idrs): an object
is an ``O_TMPFILE`` file shared by mmap (``files``), kept alive by fds, pins and holders
(``refs``), guarded by a robust process-shared mutex (``locking``), backed with memory before it is
touched so no access can fault (``backing``), charged to its root's map memory limit
(``accounting``), and kept by each process that reads it in a cache that lets go of it once it is
released (``cache``).  BPF output perf events
(``perf_event``, with the perf ABI in ``perf_abi``) are objects of this layer too, because the
helpers below the ``kernel`` layer write into them.  Maps (``pybpf.maps.object``), programs and BTF
objects (``pybpf.kernel``) are built on top.
"""
