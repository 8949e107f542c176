"""The `pagerd` command's entry point (and `python -m pagerd`'s): the CLI loaded with the
garbage collector paused (see `entrypoints.heap.collection_paused`), then run."""

from __future__ import annotations


def main() -> None:
    """Load the CLI's modules without collecting garbage, then run the command."""
    from pagerd.entrypoints.heap import collection_paused

    with collection_paused():
        from pagerd.entrypoints.cli.main import main as run

    run()
