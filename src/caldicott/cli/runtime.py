"""What a command needs at run time: the settings, read once, and the stores, opened lazily."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import typer

from caldicott.settings import Settings, load_settings
from caldicott.store.control import ControlPlane


@dataclass
class Runtime:
    settings: Settings
    debug: bool = False
    _control: ControlPlane | None = field(default=None, repr=False)

    @property
    def control(self) -> ControlPlane:
        """The control plane, migrated on first use."""
        if self._control is None:
            self._control = ControlPlane(self.settings.control_url)
        return self._control

    def close(self) -> None:
        if self._control is not None:
            self._control.dispose()


def build_runtime(config: Path | None, debug: bool) -> Runtime:
    return Runtime(settings=load_settings(config_file=config), debug=debug)


def runtime(ctx: typer.Context) -> Runtime:
    """The runtime the root callback put on the click context."""
    root = ctx.find_root()
    obj = root.obj
    if not isinstance(obj, Runtime):  # pragma: no cover - the root callback always sets it
        raise RuntimeError("caldicott runtime missing from the command context")
    return obj
