"""Kernel functions (kfuncs): the ones pybpf implements and the kernel BTF that names them.

``table`` (the kfuncs as data: flags, prototypes, program types, implementations), ``kernel_btf``
(whose BTF ids a kfunc call names: the running kernel's vmlinux BTF, else pybpf's own) and one
module of implementations per kfunc family (``iter_num``).
"""
