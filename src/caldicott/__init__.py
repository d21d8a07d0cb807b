"""caldicott: a trusted data environment for NHS patient data."""

from importlib.metadata import PackageNotFoundError, version

from caldicott import _native

_native.install()  # the compiled validator, when it is built and current

try:
    __version__ = version("caldicott")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
