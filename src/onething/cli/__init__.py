"""The ``onething`` command line: click commands, thin over the library."""

from onething.cli.main import main

__all__ = ["main"]
