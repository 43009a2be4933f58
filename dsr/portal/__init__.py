"""The web portal (Litestar): the only part of dsr that imports Litestar. See docs/portal.md."""

from dsr.portal.context import Portal
from dsr.portal.plugin import DSRPlugin, create_app, route_handlers

__all__ = ["DSRPlugin", "Portal", "create_app", "route_handlers"]
