"""The one error class for "what the user gave svduty is wrong", and nothing else.

A command line or a page that calls svduty reports an InputError as a message and exit code 1:
its text names the file, line, field or option and says what would fix it. Every other
exception is a defect in svduty and is left to surface as one (a traceback to report), never
dressed up as bad input. The errors of each part subclass it (a strategy file's StrategyError, an
unknown area's AreaError, ...) so callers catch this class and not ValueError, which a bug raises
too.

It subclasses ValueError because each part's error did before: code that caught ValueError
still catches these. It imports nothing of ours, so every layer can raise it.
"""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """The input (a file, an option, a setting, the data loaded so far) cannot be used as it is;
    the message says where and what would fix it."""
