"""CSV that opens safely in a spreadsheet."""

from flask import Response

# Excel, LibreOffice and Sheets run a cell that starts with one of these as a
# formula (OWASP "CSV injection"); a leading apostrophe makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# A byte-order mark first, so that Excel reads UTF-8 (and the accents in names).
BOM = "\ufeff"


def neutralise(text: str) -> str:
    """Keep a cell from running as a spreadsheet formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(text: str, filename: str) -> Response:
    """A CSV download named `filename` (plain ASCII: see links.file_slug)."""
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
