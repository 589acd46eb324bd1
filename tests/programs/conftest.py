"""Program tests run on the user backend and the real kernel, each in a private bpffs root."""

from tests.maps.conftest import _private_bpffs, backend, pin_dir

__all__ = ["_private_bpffs", "backend", "pin_dir"]
