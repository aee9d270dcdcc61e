"""What every ``ginseng-trace`` command module shares: exit codes and the settings from the common options."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from .config import load_settings
from .settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose refusal is one line (what was wrong, and where help is) and exit 2, as every
    other refusal of the command line is; argparse's own prints the usage lines first. Its subcommands'
    parsers are of this class too (``add_subparsers`` makes them of the parent's)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def settings_of(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = args.data_dir
    if getattr(args, "dev_signing", False):
        overrides["dev_signing"] = True
    config = getattr(args, "config", None)
    return load_settings(Path(config) if config else None, **overrides)


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value
