"""``python -m pybpf`` runs the ``pybpf`` command."""

import sys

from pybpf.cli.main import main

sys.exit(main())
