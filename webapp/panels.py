"""Panels on the partner page, contributed by other features.

A feature registers a panel: a template and a function that builds its
context. The partner page shows every panel. After an entry of the history
changes (an interaction or a referral logged, edited or deleted) the panels
that follow that kind of entry (`follows`) are sent again out of band in the
same response, so the recommendations and the ledger change with no second
request. A panel template's root element carries
`id="panel-{{ panel.name }}"` and `{{ panel.oob_attr }}`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from markupsafe import Markup

from .extensions import db
from .models import Partner, User


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    build: Callable[[Partner, User], dict[str, Any]]
    order: int = 50
    follows: frozenset[str] = frozenset()  # the kinds of entry it is sent again after


PANELS: list[Panel] = []


def partner_panel(name: str, template: str, *, order: int = 50, follows: tuple[str, ...] = ()):
    """Decorator: register `build(partner, user) -> context` as a partner-page panel."""

    def register(build):
        if all(panel.name != name for panel in PANELS):
            PANELS.append(Panel(name, template, build, order, frozenset(follows)))
            PANELS.sort(key=lambda panel: panel.order)
        return build

    return register


@dataclass
class RenderedPanel:
    name: str
    template: str
    data: dict[str, Any]
    oob: bool = False

    @property
    def oob_attr(self) -> Markup:
        return Markup(' hx-swap-oob="true"') if self.oob else Markup("")


UNAVAILABLE = "partners/_panel_unavailable.html"


def render_panel(panel: Panel, partner: Partner, user: User, oob: bool) -> RenderedPanel:
    """One panel; if it fails, a notice stands in for it, so that the partner
    page, and an entry just logged, are never lost with it."""
    try:
        return RenderedPanel(panel.name, panel.template, panel.build(partner, user), oob)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("panel %s failed for partner %s", panel.name, partner.id)
        return RenderedPanel(panel.name, UNAVAILABLE, {}, oob)


ENTRIES = ("interaction", "referral")


def panels_for(partner: Partner, user: User, *, changed: str | None = None):
    """Every panel of the page; once an entry of the kind `changed` ("interaction"
    or "referral") changed, only the panels that follow it, out of band."""
    if changed is None:
        return [render_panel(panel, partner, user, oob=False) for panel in PANELS]
    return [
        render_panel(panel, partner, user, oob=True) for panel in PANELS if changed in panel.follows
    ]


def panel_named(name: str, partner: Partner, user: User, **extra) -> RenderedPanel:
    """One panel alone, to be swapped in by itself; `extra` joins its context."""
    panel = next(panel for panel in PANELS if panel.name == name)
    rendered = render_panel(panel, partner, user, oob=False)
    rendered.data.update(extra)
    return rendered
