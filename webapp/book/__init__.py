"""The partner book file (partnerplan-book/3): import, export, and its page.

docs/BOOK_FORMAT.md describes the format. The export writes the current
version with every field, so that nothing stored is lost on the way out and
back in; the import reads a file of any version up to it. Every field added
since the first version is optional (validation.ADDED_FIELDS lists each with
the version that added it). Unknown fields are refused, so that a misspelt
field is not silently lost; a file of a newer version is refused whole.
"""

from flask import Blueprint

bp = Blueprint("book", __name__, url_prefix="/book")

from . import views  # noqa: E402,F401
