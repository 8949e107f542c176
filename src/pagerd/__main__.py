"""`python -m pagerd`: the same as the `pagerd` command."""

from pagerd.entrypoints.cli.main import main

main()
