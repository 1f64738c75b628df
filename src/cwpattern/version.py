"""The installed distribution's version (a leaf: modules import it from here, never from
the package root, which imports everything).

>>> from cwpattern.version import __version__
>>> import cwpattern
>>> __version__ == cwpattern.__version__
True
"""

from __future__ import annotations

from importlib import metadata

__all__ = ["__version__"]

try:
    __version__ = metadata.version("cwpattern")
except metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"
