from flask_login import login_required

from ..templating import nav_item, render
from . import bp

nav_item("partners.index", "Partners", order=20)


@bp.get("/")
@login_required
def index():
    """The partner list (placeholder until the list lands)."""
    return render("partners/index.html")
