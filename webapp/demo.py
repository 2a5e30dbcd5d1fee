"""The demo team: a book file loaded by the importer, its dates moved to today."""

from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="The demo team.")
