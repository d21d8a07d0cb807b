"""The control plane: people, consents, agreements, releases, the log. SQLite or PostgreSQL."""

from caldicott.store.control.base import Base
from caldicott.store.control.database import ControlPlane

__all__ = ["Base", "ControlPlane"]
