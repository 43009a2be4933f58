"""The web portal (Litestar): the only part of dsr that imports Litestar. See docs/portal.md."""

from dsr.portal.config import DSRConfig, OfficerIdentity
from dsr.portal.context import Portal
from dsr.portal.plugin import DSRPlugin, create_app, route_handlers

__all__ = ["DSRConfig", "DSRPlugin", "OfficerIdentity", "Portal", "create_app", "route_handlers"]
