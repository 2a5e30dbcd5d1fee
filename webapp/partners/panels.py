"""Panels on the partner page, contributed by other features.

A feature registers a panel with a template and a function that builds its
context; the partner page includes every panel, and after an interaction or
a referral is logged the panels that follow that kind of entry
(`refresh_on_log`: "interaction", "referral") are sent again as out-of-band
swaps in the same response (so the recommendations and counts change with no
second request). A panel template's root element must carry
`id="panel-{{ panel.name }}"` and `{{ panel.oob_attr }}`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from blinker import Namespace

from ..models import Partner, User

signals = Namespace()
# Sent after anything is logged, edited or deleted in a partner's history
# (sender: the Partner; kwargs: user). Receivers re-evaluate the partner.
history_changed = signals.signal("history-changed")


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    build: Callable[[Partner, User], dict[str, Any]]
    order: int = 50
    refresh_on_log: frozenset[str] = frozenset()  # the kinds of entry it follows


PANELS: list[Panel] = []


def partner_panel(
    name: str, template: str, *, order: int = 50, refresh_on_log: tuple[str, ...] = ()
):
    """Decorator: register `build(partner, user) -> context` as a partner-page panel."""

    def register(build):
        if all(panel.name != name for panel in PANELS):
            PANELS.append(Panel(name, template, build, order, frozenset(refresh_on_log)))
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
    def oob_attr(self) -> str:
        from markupsafe import Markup

        return Markup(' hx-swap-oob="true"') if self.oob else Markup("")


UNAVAILABLE = "partners/_panel_unavailable.html"


def render_panel(panel: Panel, partner: Partner, user: User, oob: bool) -> RenderedPanel:
    """One panel; if it fails (the rules engine, say), a notice stands in for it
    so the partner page and the entry just logged are never lost with it."""
    try:
        return RenderedPanel(panel.name, panel.template, panel.build(partner, user), oob)
    except Exception:
        from flask import current_app

        from ..extensions import db

        db.session.rollback()
        current_app.logger.exception("panel %s failed for partner %s", panel.name, partner.id)
        return RenderedPanel(panel.name, UNAVAILABLE, {}, oob)


ENTRIES = ("interaction", "referral")


def panels_for(
    partner: Partner,
    user: User,
    *,
    only_refreshing: bool = False,
    oob: bool = False,
    changed: tuple[str, ...] = ENTRIES,
):
    """Every panel; with `only_refreshing`, those that follow the kinds of entry changed."""
    return [
        render_panel(panel, partner, user, oob)
        for panel in PANELS
        if not only_refreshing or panel.refresh_on_log & set(changed)
    ]
