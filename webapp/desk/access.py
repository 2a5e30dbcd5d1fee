"""Who may use the desk: managers and admins of the team, nobody else."""

from ..access import manager_required

__all__ = ["manager_required"]
