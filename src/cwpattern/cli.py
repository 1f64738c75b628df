"""The ``cwpattern`` command line.

``main(argv) -> int`` builds one argparse parser whose subcommands are discovered from
the modules of :mod:`cwpattern.commands` (each defines ``NAME``, ``HELP``,
``configure(parser)`` and ``run(args)``).  Exit status follows grep and sqlfluff: 0 for
success / match / covered, 1 for no match / not covered, 2 for usage or pattern errors.
Nothing runs at import time.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from . import __version__
from .errors import CWPatternError, PatternSyntaxError

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


def print_syntax_error(err: PatternSyntaxError) -> None:
    print(f"syntax-error [{err.code}]: {err}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(command if command in _command_names() else None)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exit_:
        return int(exit_.code or 0) and EXIT_ERROR
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return int(args._run(args))
    except PatternSyntaxError as err:
        print_syntax_error(err)
        return EXIT_ERROR
    except CWPatternError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # `cwpattern grep ... | head`
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
