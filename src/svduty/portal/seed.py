"""Demo data for the portal, from the partnership configuration: its organisations and groups, a
data sharing agreement for every feed (one deliberately lapsed, to show uploads being blocked),
and one demo person per role, each with a random password returned once.

Seeding twice creates nothing the second time: organisations, groups and agreements are found by
name and people by username, and passwords exist only in the return value of the run that made
them (the database keeps the argon2 hash).
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from svduty import partnership as partnership_config
from svduty.partnership import Partnership
from svduty.portal.forms import health_problem
from svduty.portal.models import Agreement, Membership, Organisation, PartnershipGroup
from svduty.portal.roles import Role
from svduty.products.area import areas
from svduty.settings import Config
from svduty.sources.feeds import FEEDS

__all__ = [
    "FEED_PROVIDERS",
    "LAPSED_FEED",
    "VOLUNTARY_BODY",
    "DemoUser",
    "load_partnership",
    "seed",
]

# Which kinds of organisation send each feed (and so are parties to its agreement).
FEED_PROVIDERS: dict[str, tuple[str, ...]] = {
    "police-crime": ("police",),
    "ed-assaults": ("integrated_care_board",),
    "hospital-admissions": ("integrated_care_board",),
    "youth-justice": ("youth_offending",),
    "probation": ("probation",),
    "fire": ("fire_and_rescue",),
    "education": ("local_authority",),
    # residents' and young people's survey and consultation responses (docs/voice.md)
    "community-voice": ("local_authority",),
    # record-level events with linkage encodings (docs/people.md)
    "youth-justice-records": ("youth_offending",),
    "probation-records": ("probation",),
    "education-records": ("local_authority",),
    "childrens-social-care-records": ("local_authority",),
}
# The demo's lapsed agreement: its review date is past, so fire uploads are blocked until an
# analyst records the review, which is the journey the demo shows.
LAPSED_FEED = "fire"
# The configuration names no voluntary sector body; the demo adds one so every kind appears.
VOLUNTARY_BODY = "Avon and Somerset Voluntary and Community Sector Forum (demo)"
# Data leads, one per kind of organisation that provides a feed: (username, kind).
DATA_LEADS = (
    ("police-lead", "police"),
    ("icb-lead", "integrated_care_board"),
    ("youth-justice-lead", "youth_offending"),
    ("probation-lead", "probation"),
    ("fire-lead", "fire_and_rescue"),
    ("council-lead", "local_authority"),
)
ANALYST_COUNCIL = "Somerset Council"
DEMO_NOTE = "Demo text: confirm with each party's data protection officer before relying on it."


class DemoUser(NamedTuple):
    username: str
    role: str
    organisation: str
    password: str


def load_partnership(path: str | Path | None = None) -> Partnership:
    """The partnership configuration at ``path``, else SVDUTY_PARTNERSHIP (or the data
    directory's partnership.yaml) when it exists, else the bundled Avon and Somerset default."""
    if path is not None:
        return partnership_config.load(path)
    configured = Config.from_env().partnership_path
    return partnership_config.load(
        configured if configured.exists() else partnership_config.DEFAULT_YAML
    )


def seed(p: Partnership | None = None, *, today: date | None = None) -> list[DemoUser]:
    """Create what is missing of the demo and return the people it made, with their passwords
    (shown nowhere else); an empty list when they all existed already."""
    p = p or load_partnership()
    today = today or timezone.localdate()
    with transaction.atomic():
        orgs = _organisations(p)
        groups = _groups(p)
        _agreements(p, orgs, today)
        return _people(p, orgs, groups)


def _organisations(p: Partnership) -> dict[str, Organisation]:
    bodies = [*p.specified_authorities, *p.other_bodies]
    bodies.append({"name": VOLUNTARY_BODY, "kind": Organisation.Kind.VOLUNTARY.value})
    made = {}
    for b in bodies:
        made[b["name"]], _ = Organisation.objects.get_or_create(
            name=b["name"], defaults={"kind": b["kind"]}
        )
    return made


def _area_id(p: Partnership, codes: list[str]) -> str:
    """The svduty area a group works for: the force area when it covers every local authority,
    else its (first) local authority's area."""
    if set(codes) >= set(p.local_authority_codes):
        return p.police_uk_force
    for area in areas(p):
        if not area.is_force_area and area.la_codes[0] == codes[0]:
            return area.id
    return p.police_uk_force  # pragma: no cover - the configuration checks every code


def _groups(p: Partnership) -> dict[str, PartnershipGroup]:
    made = {}
    for g in p.groups:
        made[g["name"]] = PartnershipGroup.objects.get_or_create(
            name=g["name"],
            defaults={
                "area_id": _area_id(p, g["local_authorities"]),
                "local_authority_codes": list(g["local_authorities"]),
            },
        )[0]
    for g in p.groups:  # parents once every group exists
        group = made[g["name"]]
        if g["parent"] and group.parent_id is None:
            group.parent = made[g["parent"]]
            group.save(update_fields=["parent"])
    return made


def _gdpr_basis(feed_id: str, aggregate_only: bool) -> str:
    if FEEDS[feed_id].health:
        basis = (
            "Anonymised or aggregate data only: no patient identifiers are shared, so no "
            "personal data passes under the agreement (svduty's own safeguard; s16(4) of the "
            "2022 Act means s16 itself does not authorise sharing health or social care "
            "personal information, though other gateways may). Article 6(1)(e) (public task) for "
            "any residual processing."
        )
    elif feed_id == "community-voice":
        basis = (
            "Survey and consultation responses without names or contact details (free text "
            "screened, a response naming anyone held back). Article 6(1)(e) (public task); "
            "quotes only with the respondent's consent."
        )
    elif aggregate_only:
        basis = (
            "Aggregate counts with small numbers suppressed by the sender. Where a count could "
            "relate to a person: Article 6(1)(e) (public task); Article 9(2)(g) and 10 with "
            "Data Protection Act 2018 Schedule 1 paragraph 6 (statutory purposes)."
        )
    else:
        basis = (
            "Article 6(1)(e) (public task). Criminal offence data: Article 10 with Data "
            "Protection Act 2018 Schedule 1 paragraph 6 (statutory purposes). References are "
            "pseudonymised on receipt."
        )
    return f"{basis} {DEMO_NOTE}"


def _agreements(p: Partnership, orgs: dict[str, Organisation], today: date) -> None:
    pcc = next((o for o in orgs.values() if o.kind == Organisation.Kind.PCC), None)
    for feed_id, feed in FEEDS.items():
        if feed_id not in FEED_PROVIDERS:
            raise ValueError(
                f"feed {feed_id!r} has no demo agreement: add the kinds of organisation that "
                "send it to FEED_PROVIDERS in svduty/portal/seed.py"
            )
        title = f"{feed.title} (data sharing agreement)"
        if Agreement.objects.filter(title=title).exists():
            continue
        providers = [o for o in orgs.values() if o.kind in FEED_PROVIDERS[feed_id]]
        if not providers:
            continue  # this partnership has no one to send the feed
        parties = [*providers, *([pcc] if pcc else [])]
        # the PCC convenes the partnership and answers for its agreements where there is one
        owner = pcc or providers[0]
        aggregate_only = (
            feed.table == "partner_aggregate" or health_problem(parties, [feed_id]) is not None
        )
        lapsed = feed_id == LAPSED_FEED
        starts = today - timedelta(days=395 if lapsed else 30)
        review = today - timedelta(days=30) if lapsed else today + timedelta(days=365)
        agreement = Agreement.objects.create(
            title=title,
            purpose=(
                f"To share the {feed_id} feed ({feed.title}) with the partnership's analysts "
                f"so that the duty holders in the {p.name} can identify the kinds and "
                "causes of serious violence in the area, prepare the strategic needs assessment "
                "and strategy (s8 of the Police, Crime, Sentencing and Courts Act 2022) and "
                "monitor the success measures."
            ),
            legal_basis=Agreement.LegalBasis.S16,
            gdpr_basis=_gdpr_basis(feed_id, aggregate_only),
            data_categories=feed.description,
            feeds=[feed_id],
            aggregate_only=aggregate_only,
            retention="Kept for 7 years from receipt, then deleted. " + DEMO_NOTE,
            starts=starts,
            review_date=review,
            owner=owner,
        )
        agreement.parties.set(parties)


def _council_groups(p: Partnership, council: Organisation, groups) -> list[PartnershipGroup]:
    """The local groups for the council's own area (its name starts with the area's)."""
    la = max(
        (la for la in p.local_authorities if council.name.startswith(la.name)),
        key=lambda la: len(la.name),
        default=None,
    )
    if la is None:
        return []
    return [g for g in groups.values() if g.local_authority_codes == [la.code]]


def _people(p: Partnership, orgs: dict[str, Organisation], groups) -> list[DemoUser]:
    by_kind: dict[str, list[Organisation]] = {}
    for o in orgs.values():
        by_kind.setdefault(o.kind, []).append(o)
    councils = by_kind.get(Organisation.Kind.LOCAL_AUTHORITY, [])
    council = orgs.get(ANALYST_COUNCIL) or (councils[0] if councils else None)
    board = [g for g in groups.values() if g.area_id == p.police_uk_force and g.parent is None]
    wanted: list[tuple[str, Role, Organisation | None, list[PartnershipGroup]]] = [
        ("analyst", Role.ANALYST, council, _council_groups(p, council, groups) if council else []),
    ]
    for username, kind in DATA_LEADS:
        org = council if kind == Organisation.Kind.LOCAL_AUTHORITY else None
        org = org or (by_kind.get(kind) or [None])[0]
        wanted.append((username, Role.DATA_LEAD, org, []))
    pcc = (by_kind.get(Organisation.Kind.PCC) or [None])[0]
    wanted.append(("board", Role.BOARD, pcc or council, board[:1]))
    wanted.append(("viewer", Role.VIEWER, orgs[VOLUNTARY_BODY], []))

    users = get_user_model().objects
    made = []
    for username, role, org, member_of in wanted:
        if org is None or users.filter(username=username).exists():
            continue
        password = secrets.token_urlsafe(12)
        user = users.create_user(username=username, password=password)
        m = Membership.objects.create(user=user, organisation=org, role=role.value)
        m.groups.set(member_of)
        made.append(DemoUser(username, role.value, org.name, password))
    return made
