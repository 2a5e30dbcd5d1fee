"""The book page: managers and admins download their team's book, or fill their empty team."""

import io

from flask import flash, redirect, send_file, url_for
from flask_login import current_user

from ..access import manager_required
from ..clock import today
from ..templating import MANAGERS, nav_item, render
from . import bp
from .exporter import dumps, export_book
from .forms import ImportForm
from .importer import BookRefused, import_book, read_document
from .validation import FORMAT

nav_item("book.index", "Book", MANAGERS, order=80)


def book_page(form: ImportForm, problems: list | None = None, status: int = 200):
    context = {"form": form, "problems": problems, "team": current_user.team, "book_format": FORMAT}
    return render("book/index.html", **context), status


@bp.get("/")
@manager_required
def index():
    """Export the team's book, or import a book file into the team while it has no partners."""
    return book_page(ImportForm())


@bp.get("/export")
@manager_required
def export():
    """Download the team's whole book as one JSON file."""
    team = current_user.team
    filename = f"partnerplan-book-{slug(team.name)}-{today(team.timezone):%Y-%m-%d}.json"
    # send_file writes an ASCII `filename` and the exact name as RFC 5987 `filename*`:
    # a team named 'Équipe 日本' cannot go into a header as it is.
    data = io.BytesIO(dumps(export_book(team)).encode("utf-8"))
    response = send_file(data, "application/json", as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "no-store"  # the whole book: never kept by a cache
    return response


@bp.post("/import")
@manager_required
def upload():
    """Import an uploaded book into the manager's own team; on any problem, list them all
    and store nothing.

    Only a team with no partners yet is filled (books are never merged); the
    file's users join the team with no password: each gets in by invitation
    (the Admin page's "Send a password link", or `flask users invite`).
    Creating a team is the operator's (`flask book import`), never the browser's.
    """
    form = ImportForm()
    if not form.validate_on_submit():
        return book_page(form, status=422)
    try:
        document = read_document(form.file.data.read())
        summary = import_book(document, imported_by=current_user, into=current_user.team)
    except BookRefused as refused:
        return book_page(form, refused.problems, status=422)
    flash(
        f"{summary} New users have no password yet: each gets in by invitation "
        "(Admin page: send them a password link).",
        "success",
    )
    return redirect(url_for("book.index"), code=303)


def slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split()) or "team"
