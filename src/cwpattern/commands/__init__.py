"""CLI subcommands, one module each.

Every module in this package defines ``NAME`` (the subcommand), ``HELP`` (one line),
``configure(parser)`` (adds its arguments to an ``argparse.ArgumentParser``) and
``run(args) -> int`` (the exit status).  ``cwpattern.cli`` discovers them, so adding a
command never edits a shared file.
"""
