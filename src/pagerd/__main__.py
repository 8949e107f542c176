"""`python -m pagerd`: the same as the `pagerd` command."""

from pagerd.entrypoints.cli.launch import main

main()
