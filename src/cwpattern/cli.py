"""The ``cwpattern`` command line.

``main(argv) -> int`` builds one argparse parser whose subcommands are discovered from
the modules of :mod:`cwpattern.commands` (each defines ``NAME``, ``HELP``,
``configure(parser)`` and ``run(args)``).  Exit status follows grep and sqlfluff: 0 for
success / match / covered, 1 for no match / not covered, 2 for usage or pattern errors.
Nothing runs at import time.

Every command reports a fatal error on stderr in one format (:func:`format_error`):

>>> import cwpattern
>>> try:
...     cwpattern.compile("{ $.a == 1 }")
... except cwpattern.PatternSyntaxError as err:
...     print(format_error(err, "test"))
cwpattern test: syntax-error [INVALID_OPERATOR]: invalid operator '==' (use '=' for equality) at column 7
{ $.a == 1 }
      ^
>>> print(format_error(ValueError("unknown control 'x'"), "check"))
cwpattern check: error: unknown control 'x'
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from .errors import CWPatternError, PatternSyntaxError
from .version import __version__

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


def _command_names() -> list[str]:
    from . import commands

    return sorted(
        info.name
        for info in pkgutil.iter_modules(commands.__path__)
        if not info.name.startswith("_")
    )


def _command_modules(only: str | None = None) -> list[ModuleType]:
    """The command modules; with ``only``, just that one (start-up stays fast: a command
    does not pay for importing the others)."""
    from . import commands

    names = [only] if only is not None else _command_names()
    return [importlib.import_module(f"{commands.__name__}.{name}") for name in names]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cwpattern",
        description="Amazon CloudWatch Logs filter patterns, offline, exactly as AWS "
        "evaluates them.",
    )
    parser.add_argument("--version", action="version", version=f"cwpattern {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules(only):
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.configure(command)
        command.set_defaults(_run=module.run)
    return parser


def format_error(err: BaseException, command: str | None = None) -> str:
    """The one error format of every command: ``cwpattern COMMAND: syntax-error [CODE]:
    message at column N`` followed by the pattern line and a caret under the 1-based
    column, or ``cwpattern COMMAND: error: message`` for any other error
    (``error [CODE]: message`` when it has a stable code)."""
    prefix = f"cwpattern {command}: " if command else "cwpattern: "
    if isinstance(err, PatternSyntaxError):
        return f"{prefix}syntax-error [{err.code}]: {err}"
    if isinstance(err, OSError) and err.filename is not None:
        return f"{prefix}error: cannot read {err.filename}: {err.strerror or err}"
    code = getattr(err, "code", None)  # MetricFilterError, AlarmError
    return f"{prefix}error{f' [{code}]' if isinstance(code, str) else ''}: {err}"


def print_error(err: BaseException, command: str | None = None) -> None:
    """Print :func:`format_error` on stderr."""
    print(format_error(err, command), file=sys.stderr)


def print_syntax_error(err: PatternSyntaxError, command: str | None = None) -> None:
    """Kept for callers of earlier versions: :func:`print_error`."""
    print_error(err, command)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in args_list if not a.startswith("-")), None)
    module = command.replace("-", "_") if command else None  # spark-count -> spark_count
    parser = build_parser(module if module in _command_names() else None)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exit_:
        return int(exit_.code or 0) and EXIT_ERROR
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return int(args._run(args))
    except CWPatternError as err:
        print_error(err, args.command)
        return EXIT_ERROR
    except BrokenPipeError:  # `cwpattern grep ... | head`
        return EXIT_OK
    except OSError as err:  # an unreadable input file
        print_error(err, args.command)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
