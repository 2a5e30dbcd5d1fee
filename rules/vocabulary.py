"""The domain's enumerated values (DOMAIN.md, "Vocabulary for data").

Each is an ordered mapping of stored value -> label shown to people.
"""

TIERS = {"cultivate": "Cultivate", "maintain": "Maintain", "cease": "Cease"}

PROFESSIONS = {
    "agent": "Agent",
    "lender": "Lender / loan officer",
    "attorney": "Estate-planning attorney",
    "cpa": "CPA",
    "financial_planner": "Financial planner",
    "insurance": "Insurance agent",
    "inspector": "Inspector",
    "title_escrow": "Title / escrow officer",
    "contractor": "Contractor",
    "past_client": "Past client",
    "soi": "Sphere of influence",
    "other": "Other",
}

SOURCES = {
    "bni": "BNI",
    "networking_group": "Networking group",
    "open_house": "Open house",
    "event": "Event",
    "introduction": "Introduction",
    "soi": "Sphere of influence",
    "online": "Online",
    "other": "Other",
}

CLIENT_TYPES = {
    "first_time_buyers": "First-time buyers",
    "move_up": "Move-up buyers",
    "luxury": "Luxury",
    "retirees_estate": "Retirees / estate",
    "investors": "Investors",
    "relocation": "Relocation",
}

INTERACTION_KINDS = {
    "call": "Call",
    "voicemail": "Voicemail",
    "text": "Text",
    "email": "Email",
    "social": "Social message",
    "coffee": "Coffee",
    "lunch": "Lunch",
    "meeting": "Meeting",
    "event": "Event",
    "gift": "Gift",
    "thank_you": "Thank-you",
    "planning_session": "Planning session",
    "co_marketing": "Co-marketing",
    "note": "Note",
}

DIRECTIONS = {"outbound": "We reached out", "inbound": "They reached us"}

OUTCOMES = {"connected": "Connected", "no_response": "No response"}

SENTIMENTS = {"positive": "Positive", "neutral": "Neutral", "negative": "Negative"}

REFERRAL_DIRECTIONS = {"received": "Received", "sent": "Sent"}

# A referral fee between agents, seen from our side.
FEE_DIRECTIONS = {"paid": "We pay the partner", "received": "The partner pays us"}

REFERRAL_STATUSES = {
    "new": "New",
    "active": "Active",
    "under_contract": "Under contract",
    "closed": "Closed",
    "lost": "Lost",
}

# Agreements with a partner (RESPA records, webapp/agreements).
AGREEMENT_KINDS = {
    "marketing_services": "Marketing services agreement",
    "co_marketing": "Co-marketing agreement",
}

ROLES = {"agent": "Agent", "manager": "Manager", "admin": "Admin"}

PLANNING_STATUSES = {
    "booked": "Booked",
    "held": "Held",
    "skipped": "Skipped",
    "cancelled": "Cancelled",
}

# Interaction kinds that can be a live contact when connected (DOMAIN.md).
LIVE_CONTACT_KINDS = frozenset({"call", "coffee", "lunch", "meeting", "event", "planning_session"})

# Interaction kinds that can cost money (an amount spent goes with these only).
SPENDING_KINDS = frozenset({"coffee", "lunch", "event", "gift", "thank_you", "co_marketing"})

# The lines of the things-of-value ledger (webapp/ledger).
LEDGER_ENTRY_KINDS = {
    "given": "Given",
    "corrected": "Correction",
    "deleted": "Deletion",
}

# Personal details an agent writes down (seed 001), in display order.
PERSONAL_DETAILS = {
    "spouse": "Spouse or partner",
    "children": "Children",
    "pets": "Pets",
    "resident": "Long-time resident or new in town",
    "home": "Renter or owner",
    "favorite_restaurant": "Favourite restaurant",
    "hobbies": "Hobbies",
    "in_common": "What we have in common",
}

# Planning-session questions (DOMAIN.md, "Partnership planning"), by answer key.
PLANNING_QUESTIONS = {
    "how_are_we_doing": "How are we doing together — your team, my team, and what we "
    "deliver to your clients?",
    "more_volume": "What can we do to produce more volume this week, for you and for me?",
    "upcoming_needs": "What needs do you have, or expect in the coming months, that we "
    "should solve for you?",
    "met_recently": "Who have you met in the last seven days who may not use you to buy or sell?",
    "showing_soon": "Who are you showing property to in the next seven days that we have "
    "not pre-qualified?",
}

LEAD_STATUSES = {
    "to_contact": "To contact",
    "contacted": "Contacted",
    "pre_qualified": "Pre-qualified",
    "referred_back": "Referred back",
    "not_interested": "Not interested",
}
