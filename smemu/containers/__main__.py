"""``python -m smemu.containers train`` (and later ``serve``): the container's entrypoint."""

import logging
import os
import sys

from smemu.containers import lifeline

lifeline.hold()   # first: a container whose host is gone ends, even while it starts

from smemu.containers.entrypoint import main  # noqa: E402

code = main(sys.argv[1:])
# Everything the job writes is closed by now; skip tearing down numpy and scipy (~0.1 s a job).
logging.shutdown()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
