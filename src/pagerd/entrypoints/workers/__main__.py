"""`python -m pagerd.entrypoints.workers`: run the workers alone."""

from pagerd.entrypoints.workers.process import main

main()
