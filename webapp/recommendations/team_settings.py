"""The parts of a team's rule settings beyond the thresholds: its cadence table
and its health weights.

They live in the same versioned row as the thresholds (`RuleSettings.values`,
under `cadences` and `health_weights`), so that every version says all of
what the rules read, and going back to a version brings its cadences back.
"""

from collections.abc import Mapping

import sqlalchemy as sa

from rules.cadence import resolve_table
from rules.health import DEFAULT_WEIGHTS, resolve_weights

from ..extensions import db
from ..models import RuleSettings

CADENCES, WEIGHTS = "cadences", "health_weights"

# Built once, bound when run (see lifecycle._SETTINGS).
_LATEST = (
    sa.select(RuleSettings.values)
    .where(RuleSettings.team_id == sa.bindparam("team_id"))
    .order_by(RuleSettings.version.desc())
    .limit(1)
)


def latest_values(team_id: int) -> Mapping[str, object]:
    """The stored values of the version in force (empty for the defaults)."""
    values = db.session.connection().execute(_LATEST, {"team_id": team_id}).scalar()
    return values if isinstance(values, Mapping) else {}


def team_cadences(team_id: int) -> dict[str, tuple[int, int]]:
    """The team's cadence table in force: {"maintain/lender": (ideal, maximum)}."""
    return resolve_table(latest_values(team_id).get(CADENCES))


def team_weights(team_id: int) -> dict[str, int]:
    return resolve_weights(latest_values(team_id).get(WEIGHTS))


def extras_of(values: Mapping[str, object] | None) -> dict[str, object]:
    """The cadence table and the weights of stored values, valid ones only, for a
    new version that changes the thresholds but keeps them."""
    values = values or {}
    return {
        CADENCES: {key: list(pair) for key, pair in resolve_table(values.get(CADENCES)).items()},
        WEIGHTS: resolve_weights(values.get(WEIGHTS)),
    }


def stored_extras(extras: Mapping[str, object]) -> dict[str, object]:
    """What of the cadences and weights a version stores: only what differs from
    the defaults (no table, the default weights), so that a team that sets none
    keeps the thresholds-only versions it always had."""
    return {
        name: value
        for name, value in extras.items()
        if value != {CADENCES: {}, WEIGHTS: DEFAULT_WEIGHTS}[name]
    }
