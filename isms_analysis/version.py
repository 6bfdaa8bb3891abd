"""The installed package's version (``0.0.0+unknown`` when run from a source tree
that was never installed). Modules import it from here, never from the package root."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("isms-analysis")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
