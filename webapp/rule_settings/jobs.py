"""The job that runs a team rule's backtest too big for a request."""

from ..extensions import db
from ..jobs.queue import huey, in_app_context
from ..models import BacktestRun


@huey.task()
@in_app_context
def run_backtest(run_id: int) -> None:
    """Work out the run's numbers and store them (failed: said so on the editor)."""
    from .team_rules import backtest

    run = db.session.get(BacktestRun, run_id)
    if run is None or run.status != "running":
        return
    try:
        result = backtest(run.team_id, run.definition, run.as_of)
    except Exception:
        db.session.rollback()
        run = db.session.get(BacktestRun, run_id)
        run.status = "failed"
        db.session.commit()
        raise
    run.partners, run.partner_weeks, run.referred = (
        result.partners,
        result.partner_weeks,
        result.referred,
    )
    run.status = "done"
    db.session.commit()
