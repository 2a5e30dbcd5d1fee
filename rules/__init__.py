"""The rules of PartnerPlan: plain facts in, plain recommendations out.

Nothing in this package imports Flask or the database.
"""
