"""Vigil: an offline forensic workbench for investigators of AI-enabled crime."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("vigil-forensics")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
