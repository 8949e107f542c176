"""The commands a Markdown page shows: its `sh` blocks and its inline `pagerd ...` spans."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"(?<!`)`((?:\./scripts/|pagerd )[^`]*)`(?!`)")


def shell_commands(markdown: str) -> list[str]:
    """Every command of the page's `sh` blocks, in order; a command whose single quotes are
    still open at the end of a line goes on over the next lines."""
    commands: list[str] = []
    for language, body in _BLOCK.findall(markdown):
        if language not in ("sh", "bash", "shell"):
            continue
        pending = ""
        for line in body.splitlines():
            pending = f"{pending}\n{line}" if pending else line
            if pending.count("'") % 2 == 0:
                if pending.strip():
                    commands.append(pending.strip())
                pending = ""
        assert not pending, f"unbalanced quotes in a shell block: {pending!r}"
    return commands


def inline_commands(markdown: str) -> list[str]:
    """The `pagerd ...` and `./scripts/...` spans of the page's prose, outside code blocks."""
    prose = _BLOCK.sub("", markdown)
    return list(dict.fromkeys(_INLINE.findall(prose)))


def yaml_blocks(markdown: str) -> list[str]:
    """The page's `yaml` blocks."""
    return [body for language, body in _BLOCK.findall(markdown) if language == "yaml"]


def without_comment(command: str) -> str:
    """A command without its trailing `# ...` comment (outside quotes)."""
    quoted = False
    for index, char in enumerate(command):
        if char in "'\"":
            quoted = not quoted
        elif char == "#" and not quoted and (index == 0 or command[index - 1].isspace()):
            return command[:index].rstrip()
    return command.rstrip()
