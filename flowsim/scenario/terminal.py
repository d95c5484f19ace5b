"""What flowsim prints of a file's text is escaped in one place: :func:`printable`.

A scenario's ``name:``, a path, a value an error quotes, a chat text in a
transcript can hold control characters, and an escape sequence printed raw
retitles or clears the terminal of whoever runs ``flowsim run`` or pytest.
So every line the command line and the pytest plugin print goes through
:func:`printable` (``flowsim run``/``validate``/``coverage`` through
:func:`echo`): control characters (C0 but newline and tab, DEL, C1),
bidirectional overrides and isolates (which reorder what a reader sees) and
lone surrogates (the bytes of a path that are not UTF-8) are written as
Python escapes, ``\\x1b``, ``\\u202e``, ``\\udcff``.
"""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with what a terminal would act on, rather than show, written as escapes."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def echo(text: str = "", err: bool = False) -> None:
    """``click.echo`` of :func:`printable` text."""
    import click  # here: the pytest plugin imports this module, and click is not light

    click.echo(printable(text), err=err)
