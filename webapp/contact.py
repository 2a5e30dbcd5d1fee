"""Reaching a person from a phone: `tel:`, `sms:` and `mailto:` links, and vCards.

Seed 001's first meeting happens here: the agent saves the new partner to
their phone's contacts (a vCard), sends "Nice to meet you" on the spot (a
prefilled text or email), and shows their own contact card as a QR code
instead of handing out a business card (a vCard drawn by segno).
"""

from __future__ import annotations

import re
from urllib.parse import quote

import segno
from flask import Response
from markupsafe import Markup

from rules import vocabulary

from .links import file_slug
from .models import Partner, User
from .validation import PHONE_EXTENSION


def dial_string(phone: str | None) -> str | None:
    """'+15550102000' (or '+15550102000;ext=12') from a phone as it was typed;
    None when it has no digits."""
    if not phone:
        return None
    extension = PHONE_EXTENSION.search(phone)
    number = phone[: extension.start()] if extension else phone
    digits = "".join(ch for ch in number if ch.isdigit())
    if not digits:
        return None
    plus = "+" if number.strip().startswith("+") else ""
    return f"{plus}{digits}" + (f";ext={extension.group(1)}" if extension else "")


def tel_url(phone: str | None) -> str | None:
    dial = dial_string(phone)
    return f"tel:{dial}" if dial else None


def sms_url(phone: str | None, body: str | None = None) -> str | None:
    """`sms:+15550102000?body=…`: phones open their messages app with the text ready.
    An extension cannot take a text, so it is left out."""
    dial = dial_string(phone)
    if not dial:
        return None
    number = dial.split(";")[0]
    return f"sms:{number}" + (f"?body={quote(body)}" if body else "")


def mailto_url(
    email: str | None, subject: str | None = None, body: str | None = None
) -> str | None:
    if not email:
        return None
    query = "&".join(
        f"{name}={quote(value)}" for name, value in (("subject", subject), ("body", body)) if value
    )
    return f"mailto:{quote(email, safe='@')}" + (f"?{query}" if query else "")


def first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def nice_to_meet_you(partner: Partner, agent: User, by_email: bool = False) -> str:
    """What is sent right after meeting someone (seed 001: 'Hello! Nice to meet you!'):
    a text comes from the agent's number; an email says it, when the agent gave one."""
    greeting = f"Hi {first_name(partner.name)}, it was great to meet you! "
    if not by_email:
        return f"{greeting}This is my number, so you have it. {agent.name}"
    number = f"My number is {agent.phone}. " if agent.phone else ""
    return f"{greeting}{number}Let's keep in touch. {agent.name}"


# --- vCard 3.0 (RFC 2426) -------------------------------------------------------------


def vcard_escape(text: str) -> str:
    r"""Backslash, comma and semicolon escaped; newlines as \n (RFC 2426 §4)."""
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return re.sub(r"\r\n|\r|\n", r"\\n", text)


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, start = [], 0
    while start < len(data):
        end = min(start + (75 if not parts else 74), len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # never split a UTF-8 character
            end -= 1
        parts.append(data[start:end].decode())
        start = end
    return "\r\n ".join(parts)


def vcard(
    name: str,
    *,
    org: str | None = None,
    title: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    birthday: str | None = None,
    note: str | None = None,
) -> str:
    """One person as a vCard 3.0 contact card. `birthday` is "YYYY-MM-DD" or "MM-DD"."""
    given, _, family = name.strip().rpartition(" ")
    given, family = (given, family) if given else (family, "")
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:{vcard_escape(family)};{vcard_escape(given)};;;",
        f"FN:{vcard_escape(name)}",
    ]
    if org:
        lines.append(f"ORG:{vcard_escape(org)}")
    if title:
        lines.append(f"TITLE:{vcard_escape(title)}")
    if email:
        lines.append(f"EMAIL;TYPE=INTERNET:{vcard_escape(email)}")
    if phone:
        lines.append(f"TEL;TYPE=VOICE:{vcard_escape(phone)}")
    if birthday and len(birthday) == 10:
        lines.append(f"BDAY:{birthday}")
    elif birthday:  # year unknown: the convention Apple and Google read
        lines.append(f"BDAY;X-APPLE-OMIT-YEAR=1604:1604-{birthday}")
    if note:
        lines.append(f"NOTE:{vcard_escape(note)}")
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)


def partner_vcard(partner: Partner) -> str:
    """The partner as a contact for the agent's phone."""
    return vcard(
        partner.name,
        org=partner.company,
        title=vocabulary.PROFESSIONS.get(partner.profession, ""),
        email=partner.email,
        phone=partner.phone,
        birthday=partner.birthday,
        note=partner.notes,
    )


def agent_vcard(agent: User) -> str:
    """The agent's own card: what a new contact saves by scanning the QR code."""
    return vcard(agent.name, org=agent.team.name, email=agent.email, phone=agent.phone)


def vcard_response(card: str, name: str) -> Response:
    """A vCard as a download named after the person (`rachel-kim.vcf`)."""
    stem = file_slug(name, "contact")
    response = Response(card.encode(), mimetype="text/vcard")
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.vcf"'
    return response


def qr_svg(text: str, title: str) -> Markup:
    """The QR code of `text` as inline SVG (no image request, nothing from elsewhere)."""
    # A viewBox rather than a fixed size: the page's CSS sizes the code to the screen.
    svg = segno.make(text, error="m").svg_inline(scale=4, title=title, light="#fff", omitsize=True)
    return Markup(svg)
