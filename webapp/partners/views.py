"""The partner book: list, search, create, edit, archive, and the partner page."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from ..access import admin_required, editable_partners, get_partner, visible_partners
from ..extensions import db
from ..forms import EmptyForm, choices, with_ids
from ..idempotency import create_once
from ..logbook.history import last_contacts
from ..models import Partner, PartnerHealth, Tag, record_audit, tag_key, utcnow
from ..query_args import as_id, paginate
from ..recommendations.reevaluation import bring_up_to_date
from ..templating import EVERYONE, nav_item, render
from . import bp
from .erasure import erase_partner
from .forms import BulkTagForm, EraseForm, NewPartnerForm, PartnerFilterForm, PartnerForm
from .health import health_block
from .page import partner_page
from .queries import team_agents
from .tags import find_tags, tag_names, team_tags

nav_item("partners.index", "Partners", order=20, primary=EVERYONE)

PER_PAGE = 25  # partners on one page of the list

SORTS = {
    "name": (Partner.name, Partner.id),
    "company": (Partner.company, Partner.name, Partner.id),
    "tier": (Partner.tier, Partner.name, Partner.id),
    "met": (Partner.met_on.desc(), Partner.name, Partner.id),
    "recent": (Partner.created_at.desc(), Partner.id.desc()),
    # Partners not yet scored come last either way.
    "health": (PartnerHealth.score.is_(None), PartnerHealth.score, Partner.name, Partner.id),
    "health_desc": (
        PartnerHealth.score.is_(None),
        PartnerHealth.score.desc(),
        Partner.name,
        Partner.id,
    ),
}
HEALTH_FILTERS = {
    "low": PartnerHealth.score < 40,
    "fair": PartnerHealth.score.between(40, 69),
    "good": PartnerHealth.score >= 70,
    "overdue": PartnerHealth.overdue.is_(True),
}


def filtered_partners(form: PartnerFilterForm) -> sa.Select:
    """The visible partners matching the search box and the filters."""
    query = visible_partners(current_user, include_archived=form.archived.data)
    if form.archived.data:
        query = query.where(Partner.archived_at.is_not(None))
    if text := (form.q.data or "").strip().lower():
        # LIKE wildcards typed by a user are matched literally (autoescape).
        query = query.where(Partner.search_text.contains(text, autoescape=True))
    if form.tier.data:
        query = query.where(Partner.tier == form.tier.data)
    if form.profession.data:
        query = query.where(Partner.profession == form.profession.data)
    # as_id: "²" is a digit to isdigit() but not to int(), and SQLite cannot bind 20 digits.
    if current_user.is_manager and (owner_id := as_id(form.owner.data)) is not None:
        query = query.where(Partner.owner_id == owner_id)
    # The stored health of each partner (one row each, or none yet): sortable, filterable.
    query = query.outerjoin(PartnerHealth, PartnerHealth.partner_id == Partner.id)
    if form.health.data in HEALTH_FILTERS:
        query = query.where(HEALTH_FILTERS[form.health.data])
    if name := (form.tag.data or "").strip():
        query = query.where(
            Partner.tags.any(sa.and_(Tag.team_id == current_user.team_id, Tag.key == tag_key(name)))
        )
    return query


def list_args() -> dict[str, str]:
    """The list's query string, to build its links again: without the names
    `url_for` keeps for itself (`endpoint` would fail it, `_external` and
    `_scheme` would send the form elsewhere); no filter is called so."""
    return {k: v for k, v in request.args.items() if k != "endpoint" and not k.startswith("_")}


def list_page(bulk: BulkTagForm) -> str:
    """The list as `request.args` filter, sort and page it, with the bulk tag form."""
    form = PartnerFilterForm(request.args)
    # Only a manager's list filters by agent: an agent's would read the whole
    # team's users for a field it never shows (500 of them, `python -m bench --scale 10`).
    agents = team_agents(current_user) if current_user.is_manager else []
    form.owner.choices = choices({str(a.id): a.name for a in agents}, blank="All agents")
    tags = team_tags(current_user.team_id)
    form.tag.choices = choices({tag.name: tag.name for tag in tags}, blank="All tags")
    # ?tag=GOLF filters by the team's "golf": the select shows it chosen.
    spelling = {tag.key: tag.name for tag in tags}
    form.tag.data = spelling.get(tag_key(form.tag.data or ""), form.tag.data)
    sort = request.args.get("sort", "name")
    query = filtered_partners(form).order_by(*SORTS.get(sort, SORTS["name"]))
    page = paginate(query.options(so.selectinload(Partner.tags)), per_page=PER_PAGE)
    args = {k: v for k, v in list_args().items() if k != "page" and v}
    return render(
        "partners/index.html",
        "results",
        form=form,
        bulk=with_ids(bulk, "bulk-"),  # the filters have a `tag` too
        team_tags=tags,
        page=page,
        sort=sort,
        args=args,
        list_args=list_args(),
        last_contact=last_contacts([p.id for p in page.items]),
        scores=health_scores([p.id for p in page.items]),
    )


def health_scores(partner_ids: list[int]) -> dict[int, PartnerHealth]:
    """The stored health of a page of partners, in one query."""
    if not partner_ids:
        return {}
    rows = db.session.scalars(
        sa.select(PartnerHealth).where(PartnerHealth.partner_id.in_(partner_ids))
    )
    return {row.partner_id: row for row in rows}


@bp.get("/")
@login_required
def index():
    """The list: active search as you type, filters, sorting and pages."""
    return list_page(BulkTagForm(formdata=None))


@bp.post("/tags")
@login_required
def tag_selected():
    """Add a tag to the partners ticked on the list, or remove it from them (each
    change audited), then back to the list as it was (the form's URL carries
    its filters). Any partner the user may not change: 404, nothing changed."""
    bulk = BulkTagForm()
    if not bulk.validate_on_submit():
        return list_page(bulk), 422
    partners = editable_partners(bulk.partner.data, current_user)
    adding = bulk.action.data == "add"
    [tag] = find_tags(current_user.team_id, [bulk.tag.data]) if adding else [None]
    changed = 0
    for partner in partners:
        before = tag_names(partner)
        if adding and tag not in partner.tags:
            partner.tags.append(tag)
        elif not adding:
            key = tag_key(bulk.tag.data)
            partner.tags = [worn for worn in partner.tags if worn.key != key]
        if tag_names(partner) != before:
            changed += 1
            record_audit(
                partner.team_id,
                current_user,
                "tags",
                # The tag is in before/after only: erasing the partner takes those out.
                f"{partner.name}: a tag {'added' if adding else 'removed'}",
                partner=partner,
                before={"tags": before},
                after={"tags": tag_names(partner)},
            )
    db.session.commit()
    done = "added to" if adding else "removed from"
    partners_changed = f"{changed} partner{'' if changed == 1 else 's'}"
    flash(f"Tag {bulk.tag.data!r} {done} {partners_changed}.", "success")
    return redirect(url_for("partners.index", **list_args()), 303)


def owner_choices(form: PartnerForm, partner: Partner | None = None) -> None:
    """Agents assign to themselves; managers to anyone active on the team."""
    if current_user.is_manager:
        form.owner_id.choices = choices({u.id: u.name for u in team_agents(current_user)})
    else:
        form.owner_id.choices = choices({current_user.id: current_user.name})
    if partner is None and request.method == "GET":
        form.owner_id.data = current_user.id


def save_edit(partner: Partner, form: PartnerForm) -> None:
    """Store a valid edit of the record: its fields, and its agent when a manager
    changed it (audited). The page's edit and the API's PATCH both save here."""
    before_owner = partner.owner_id
    form.populate_partner(partner)
    if current_user.is_manager and form.owner_id.data != before_owner:
        partner.owner_id = form.owner_id.data
        record_audit(
            partner.team_id,
            current_user,
            "reassign",
            f"{partner.name} reassigned",
            partner=partner,
            before={"owner_id": before_owner},
            after={"owner_id": partner.owner_id},
        )
    db.session.commit()


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Create a partner; a new contact starts in Cultivate. Sent again (a double
    tap, Back and resubmit), the form adds nothing and opens the partner it added."""
    form = NewPartnerForm()
    owner_choices(form)
    if form.validate_on_submit():
        partner, created = create_partner(form)
        flash(f"{partner.name} {'added' if created else 'was already added'}.", "success")
        return redirect(url_for("partners.detail", partner_id=partner.id), 303)
    status = 422 if form.errors else 200
    tags = team_tags(current_user.team_id)
    return render("partners/form.html", form=form, partner=None, team_tags=tags), status


@bp.get("/<int:partner_id>")
@login_required
def detail(partner_id: int):
    """The partner page: the record, its panels, and the history, newest first."""
    partner = get_partner(partner_id, current_user)
    bring_up_to_date(partner)
    return render("partners/detail.html", **partner_page(partner), **health_block(partner))


@bp.route("/<int:partner_id>/edit", methods=["GET", "POST"])
@login_required
def edit(partner_id: int):
    """Edit the record; nothing is saved while any field is invalid."""
    partner = get_partner(partner_id, current_user)
    form = PartnerForm(obj=partner)
    owner_choices(form, partner)
    if form.validate_on_submit():
        save_edit(partner, form)
        flash("Saved.", "success")
        return redirect(url_for("partners.detail", partner_id=partner.id), 303)
    status = 422 if form.errors else 200
    tags = team_tags(current_user.team_id)
    return render("partners/form.html", form=form, partner=partner, team_tags=tags), status


def save_archived(partner: Partner, archived: bool) -> bool:
    """Archive or restore the partner, audited; False when it already was. The
    page's buttons and the API's archive and restore all come here."""
    if bool(partner.archived_at) == archived:
        return False
    partner.archived_at = utcnow() if archived else None
    kind = "archive" if archived else "restore"
    record_audit(
        partner.team_id,
        current_user,
        kind,
        f"{partner.name} {kind}d",
        partner=partner,
        before={"archived": not archived},
        after={"archived": archived},
    )
    db.session.commit()
    return True


def create_partner(form: NewPartnerForm) -> tuple[Partner, bool]:
    """Add the partner the valid `form` describes, once per key: (the partner,
    True), or (the one the key added before, False). A new contact starts in
    Cultivate. The page's form and the API's create both add here."""
    partner = Partner(team_id=current_user.team_id, owner_id=form.owner_id.data)
    form.populate_partner(partner)
    partner.tier = "cultivate"
    return create_once(partner, form.idempotency_key.data)


def set_archived(partner_id: int, archived: bool):
    partner = get_partner(partner_id, current_user)
    if EmptyForm().validate_on_submit() and save_archived(partner, archived):
        flash(f"{partner.name} {'archived' if archived else 'restored'}.", "success")
    return redirect(url_for("partners.detail", partner_id=partner.id), 303)


@bp.post("/<int:partner_id>/archive")
@login_required
def archive(partner_id: int):
    """Archive: hidden from lists and rules, history kept (no hard delete)."""
    return set_archived(partner_id, True)


@bp.post("/<int:partner_id>/restore")
@login_required
def restore(partner_id: int):
    """Bring an archived partner back."""
    return set_archived(partner_id, False)


@bp.route("/<int:partner_id>/erase", methods=["GET", "POST"])
@admin_required
def erase(partner_id: int):
    """Erase a partner's personal data on request (admins only), after a confirmation;
    counts, referral amounts and ROI stay (partners/erasure.py says what goes)."""
    partner = get_partner(partner_id, current_user)
    form = EraseForm()
    if form.validate_on_submit():
        erase_partner(partner, current_user)
        db.session.commit()
        flash(f"Personal data erased: the partner is now {partner.name}.", "success")
        return redirect(url_for("partners.detail", partner_id=partner.id), 303)
    status = 422 if form.errors else 200
    return render("partners/erase.html", form=form, partner=partner), status
