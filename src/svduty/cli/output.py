"""Where the commands print: a terminal, fitted to its width, or a pipe or file, in full.

Rich fits tables to the terminal by shortening cells ("South Gloucestershi…"). Written to a
file or piped to another program there is no terminal width to fit, and a shortened name is a
wrong one, so output that is not going to a terminal is laid out as wide as its content needs.
"""

from __future__ import annotations

from rich.console import Console, ConsoleDimensions

__all__ = ["PIPED_WIDTH", "console"]

# Wide enough that no table or line svduty prints is ever cut; rich lays tables out to their
# content, not to this width, so it costs nothing.
PIPED_WIDTH = 100_000


class _Console(Console):
    """A rich Console that asks, each time it prints, whether it is printing to a terminal
    (the tests and the portal swap sys.stdout after the commands are imported)."""

    @property
    def size(self) -> ConsoleDimensions:
        if self.is_terminal:
            return super().size
        return ConsoleDimensions(PIPED_WIDTH, super().size.height)


def console(*, stderr: bool = False) -> Console:
    """The console a command prints to: standard output, or standard error for messages."""
    return _Console(stderr=stderr)
