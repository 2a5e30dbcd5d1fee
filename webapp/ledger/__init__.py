"""The things-of-value ledger: what was given to each partner, year by year
(RESPA Section 8 records, not legal advice).

Append-only: logging an interaction with an amount spent adds a line, a
corrected amount adds a correcting line (the difference), a deleted
interaction adds a line reversing what is left of it; no line is changed or
deleted by the app, but an erasure clears their notes. A line's day is the
team's day the thing was given (the interaction's), so a year's total is the
sum of its lines. The team may set a yearly limit per partner: the log form
warns before saving what would pass it, and the partner page marks a partner
at or over it.

The blueprint is in views.py, not here: the logbook writes the ledger
(`record`), and the pages import what imports the logbook.
"""
