"""Write a partnership file for any police force area of England and Wales.

`svduty init --force NAME` calls :func:`write_for_force`. Everything the national reference
data knows is filled in (svduty.reference.force_areas: the force area, its current local
authorities and community safety partnerships, fire and rescue authorities, integrated care
boards or Welsh local health boards); what it cannot know (local group names, contact details,
youth justice services, the probation region, prisons) is written as a placeholder marked
``TO FILL`` or ``to confirm locally`` for a person to complete. The file is YAML with comments,
so it is written as text: a person reads and edits it. Its format: docs/partnership.md.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

from svduty.reference.force_areas import ForceArea, display_name

#: Force areas whose police and crime commissioner's functions are another body's
#: (Police Reform and Social Responsibility Act 2011 s3 and Sch 1 for London; the combined
#: authority orders for the mayors: Greater Manchester 2017, West Yorkshire 2021, South
#: Yorkshire and York and North Yorkshire May 2024; the City of London Police's police authority
#: is the Common Council of the City of London, 2011 Act s1(10) and Sch 1 Pt 1)
POLICING_BODY = {
    "E23000001": "Mayor's Office for Policing and Crime (the Mayor of London)",
    "E23000005": "Mayor of Greater Manchester (police and crime commissioner functions)",
    "E23000009": (
        "Mayor of York and North Yorkshire (police, fire and crime commissioner functions)"
    ),
    "E23000010": "Mayor of West Yorkshire (police and crime commissioner functions)",
    "E23000011": "Mayor of South Yorkshire (police and crime commissioner functions)",
    "E23000034": "Common Council of the City of London (police authority)",
}

HEADER = """\
# svduty partnership configuration: {area} police force area ({pfa}).
# Written by `svduty init --force {slug}` from the national reference data bundled with svduty
# (ONS lookups of May 2024, local authority codes current as of la_all_codes; docs/partnership.md
# says what each key means and docs/sources.md where each list comes from).
#
# TO FILL: lines marked "TO FILL" need a person before the products are published; names
# marked "to confirm locally" are svduty's best guess from the reference data.
# Check the file after editing with `svduty partnership check`.
"""


FILL = "TO FILL"
CONFIRM = "name to confirm locally"
# The Serious Violence Strategy's scope (Home Office, April 2018), as the shipped
# home-office-core definition quotes it
HOME_OFFICE_WORDING = (
    "Specific types of crime such as homicide, knife crime, and gun crime and areas of "
    "criminality where serious violence or its threat is inherent, such as in gangs and county "
    "lines drug dealing. It also includes emerging crime threats faced in some areas of the "
    "country such as the use of corrosive substances as a weapon."
)


def _q(text: str) -> str:
    """``text`` as a YAML scalar: plain where that reads back as the same string, else quoted."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9 ,.'()&/-]*", text) and not text.endswith(" "):
        return text
    return json.dumps(text, ensure_ascii=False)


def _fire_name(name: str) -> str:
    return name if "Authority" in name else f"{name} Fire and Rescue Authority"


def _groups(area: ForceArea) -> tuple[dict[str, str], list[tuple[str, list, list, str]]]:
    """Each local authority's local partnership group, and the groups: (name, local authority
    codes, community safety partnership codes, comment).

    A community safety partnership the lookup gives to one or more authorities is one group;
    an authority the lookup gives several partnerships (the former districts' of a new
    unitary: Buckinghamshire, Cumberland...) gets a group of its own, named for it.
    """
    by_csp: dict[tuple[str, str], list[str]] = {}
    own: list[str] = []
    for code, _ in area.local_authorities:
        csps = area.csps[code]
        if len(csps) == 1:
            by_csp.setdefault(csps[0], []).append(code)
        else:
            own.append(code)
    names = dict(area.local_authorities)
    group_of: dict[str, str] = {}
    groups: list[tuple[str, list, list, str]] = []
    for (csp_code, csp_name), las in by_csp.items():
        name = f"{display_name(csp_name)} Community Safety Partnership"
        groups.append((name, las, [csp_code], CONFIRM))
        group_of.update(dict.fromkeys(las, name))
    for code in own:
        name = f"{display_name(names[code])} Community Safety Partnership"
        comment = f"the lookup gives the former districts' partnerships; {CONFIRM}"
        groups.append((name, [code], [c for c, _ in area.csps[code]], comment))
        group_of[code] = name
    order = {code: i for i, (code, _) in enumerate(area.local_authorities)}
    groups.sort(key=lambda g: order[g[1][0]])
    return group_of, groups


def render(area: ForceArea) -> str:
    """The partnership file for ``area``, as YAML text."""
    place = area.name
    names = dict(area.local_authorities)
    group_of, groups = _groups(area)
    convener = POLICING_BODY.get(area.pfa_code, f"{place} Police and Crime Commissioner")
    out = [HEADER.format(area=place, pfa=area.pfa_code, slug=area.police_uk_slug)]

    def add(line: str, comment: str = "") -> None:
        out.append(f"{line}  # {comment}" if comment else line)

    add(f"name: {_q(place + ' Serious Violence Duty partnership')}", f"{FILL}: its own name")
    add(f"area_name: {_q(place)}", "the place, as pages name it")
    add(f"police_force_area: {area.pfa_code}")
    add(f"police_uk_force: {area.police_uk_slug}")
    add("")
    add("# The current local authorities of the force area (ONS codes).")
    add("local_authorities:")
    for code, name in area.local_authorities:
        add(f"  - code: {code}")
        add(f"    name: {_q(display_name(name))}")
        add(f"    local_partnership_group: {_q(group_of[code])}", CONFIRM)
    add("")
    add("# parent: the group this one is a sub-group of (null for a top-level body).")
    add("groups:")
    add(f"  - name: {_q(place + ' Serious Violence Duty partnership board')}", f"{FILL}: its name")
    add("    parent: null")
    add(f"    convened_by: {_q(convener)}")
    add(f"    local_authorities: [{', '.join(area.la_codes)}]")
    for name, las, csps, comment in groups:
        add(f"  - name: {_q(name)}", comment)
        add("    parent: null")
        add(f"    local_authorities: [{', '.join(las)}]")
        add(f"    community_safety_partnerships: [{', '.join(csps)}]", "ONS CSP codes (2024)")
    add("")
    add("# Each local authority may also carry its own public_contact (url, email); where one")
    add("# is not given, its pages show the partnership-wide contact below.")
    add("")
    add("# Duty holders (PCSC Act 2022 s11 and Sch 1).")
    add("specified_authorities:")
    add(f"  - name: {_q(area.police_uk_name)}")
    add("    kind: police")
    add("  # Fire and rescue authorities: the ONS LAD (2024) to FRA lookup.")
    for code, name, las in area.fire_and_rescue:
        served = ", ".join(display_name(names[la]) for la in las)
        add(f"  - name: {_q(_fire_name(name))}", f"serves {served}; {CONFIRM}")
        add("    kind: fire_and_rescue")
        add(f"    code: {code}")
    if area.country == "Wales":
        add("  # Local health boards: in Wales they hold the place integrated care boards hold in")
        add("  # England (Sch 1), so their kind is integrated_care_board. From svduty's table of")
        add("  # the Welsh boards (ONS codes, April 2019; docs/sources.md).")
    else:
        add("  # Integrated care boards: the ONS LSOA (2021) to ICB (2024) lookup; a board that")
        add("  # covers a few LSOAs only may be a best-fit artefact: confirm locally.")
    for body in area.health_bodies:
        add(f"  - name: {_q(body.name)}", f"{body.lsoas:,} of the area's {area.lsoas:,} LSOAs")
        add("    kind: integrated_care_board")
        add(f"    code: {body.code}")
    for code, name in area.local_authorities:
        add(f"  - name: {_q(display_name(name) + ' Council')}", f"{FILL}: its name")
        add("    kind: local_authority")
        add(f"    code: {code}")
    add("  # Youth offending teams / youth justice services: names to confirm locally.")
    for _, name in area.local_authorities:
        add(f"  - name: {_q(display_name(name) + ' Youth Justice Service')}", CONFIRM)
        add("    kind: youth_offending")
    if area.country == "Wales":
        add("  - name: Probation Service (Wales)")
    else:
        add("  - name: Probation Service (region to confirm)", f"{FILL}: the probation region")
    add("    kind: probation")
    add("")
    add("# Not duty holders: the PCC may assist and monitor (s14, s17); educational, prison and")
    add("# youth custody authorities (s12, Sch 2) must be consulted (s8(4)) and co-operate when")
    add("# asked (s15).")
    add("other_bodies:")
    add(f"  - name: {_q(convener)}", "title to confirm locally")
    add("    kind: police_and_crime_commissioner")
    add("  - name: Educational authorities (schools, colleges and other education providers)")
    add("    kind: educational")
    add(f"  # {FILL}: prisons (kind: prison) and youth custody establishments (kind:")
    add("  # youth_custody) in the area; svduty's reference data does not list them.")
    add("")
    add("# The Home Office core until the partnership agrees its own definition: write that as")
    add("# a definition file (docs/definitions.md), put it in the data directory's definitions/")
    add("# folder and name its id here.")
    add("local_definition:")
    add("  id: home-office-core")
    add('  version: "2018"')
    add("  text: >-")
    for line in textwrap.wrap(HOME_OFFICE_WORDING, 88):
        add(f"    {line}")
    add("  source: https://www.gov.uk/government/publications/serious-violence-strategy")
    add("")
    add("public_contact:")
    add("  url: null", f"{FILL}: the partnership's web page")
    add("  email: null", f"{FILL} before publishing")
    return "\n".join(out) + "\n"


def write_for_force(area: ForceArea, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write the partnership file for ``area`` to ``path`` (refusing to replace one unless
    ``overwrite``)."""
    dest = Path(path)
    if dest.exists() and not overwrite:
        raise FileExistsError(
            f"{dest} already exists; not overwriting it (pass overwrite=True to replace it)"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(render(area), encoding="utf-8")
    return dest
