"""`flask book import FILE` and `flask book export [FILE]`."""

from flask.cli import AppGroup

book_cli = AppGroup("book", help="Import and export a team's partner book (partnerplan-book/1).")
