"""``python -m smemu.containers train`` (and later ``serve``): the container's entrypoint."""

import sys

from smemu.containers.entrypoint import main

raise SystemExit(main(sys.argv[1:]))
