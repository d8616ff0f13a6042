"""Police forces: ONS police force areas joined to data.police.uk force ids and names.

The data.police.uk slugs and names below are written from knowledge of
https://data.police.uk/api/forces and of the "Reported by" / "Falls within" columns of its
street files; there is no network here, so they are to be re-checked against that endpoint.
"""

from __future__ import annotations

import pyarrow as pa

from svduty.reference import ReferenceDataError, arrow_schema
from svduty.reference.geography import LAD_CSP_PFA_FILE, lad19_csp_pfa_raw

#: (PFA name as ONS spells it, or None for a force without a PFA, police.uk slug, police.uk name)
FORCES: tuple[tuple[str | None, str, str], ...] = (
    ("Avon and Somerset", "avon-and-somerset", "Avon and Somerset Constabulary"),
    ("Bedfordshire", "bedfordshire", "Bedfordshire Police"),
    ("Cambridgeshire", "cambridgeshire", "Cambridgeshire Constabulary"),
    ("Cheshire", "cheshire", "Cheshire Constabulary"),
    ("London, City of", "city-of-london", "City of London Police"),
    ("Cleveland", "cleveland", "Cleveland Police"),
    ("Cumbria", "cumbria", "Cumbria Constabulary"),
    ("Derbyshire", "derbyshire", "Derbyshire Constabulary"),
    ("Devon & Cornwall", "devon-and-cornwall", "Devon & Cornwall Police"),
    ("Dorset", "dorset", "Dorset Police"),
    ("Durham", "durham", "Durham Constabulary"),
    ("Dyfed-Powys", "dyfed-powys", "Dyfed-Powys Police"),
    ("Essex", "essex", "Essex Police"),
    ("Gloucestershire", "gloucestershire", "Gloucestershire Constabulary"),
    ("Greater Manchester", "greater-manchester", "Greater Manchester Police"),
    ("Gwent", "gwent", "Gwent Police"),
    ("Hampshire", "hampshire", "Hampshire Constabulary"),
    ("Hertfordshire", "hertfordshire", "Hertfordshire Constabulary"),
    ("Humberside", "humberside", "Humberside Police"),
    ("Kent", "kent", "Kent Police"),
    ("Lancashire", "lancashire", "Lancashire Constabulary"),
    ("Leicestershire", "leicestershire", "Leicestershire Police"),
    ("Lincolnshire", "lincolnshire", "Lincolnshire Police"),
    ("Merseyside", "merseyside", "Merseyside Police"),
    ("Metropolitan Police", "metropolitan", "Metropolitan Police Service"),
    ("Norfolk", "norfolk", "Norfolk Constabulary"),
    ("North Wales", "north-wales", "North Wales Police"),
    ("North Yorkshire", "north-yorkshire", "North Yorkshire Police"),
    ("Northamptonshire", "northamptonshire", "Northamptonshire Police"),
    ("Northumbria", "northumbria", "Northumbria Police"),
    ("Nottinghamshire", "nottinghamshire", "Nottinghamshire Police"),
    ("South Wales", "south-wales", "South Wales Police"),
    ("South Yorkshire", "south-yorkshire", "South Yorkshire Police"),
    ("Staffordshire", "staffordshire", "Staffordshire Police"),
    ("Suffolk", "suffolk", "Suffolk Constabulary"),
    ("Surrey", "surrey", "Surrey Police"),
    ("Sussex", "sussex", "Sussex Police"),
    ("Thames Valley", "thames-valley", "Thames Valley Police"),
    ("Warwickshire", "warwickshire", "Warwickshire Police"),
    ("West Mercia", "west-mercia", "West Mercia Police"),
    ("West Midlands", "west-midlands", "West Midlands Police"),
    ("West Yorkshire", "west-yorkshire", "West Yorkshire Police"),
    ("Wiltshire", "wiltshire", "Wiltshire Police"),
    (None, "btp", "British Transport Police"),
    (None, "northern-ireland", "Police Service of Northern Ireland"),
)


def police_force() -> pa.Table:
    """``ref_police_force``: the 43 territorial forces (with PFA), BTP and the PSNI.

    Raises if any of the 43 PFAs of the LAD19 -> CSP19 -> PFA19 lookup has no entry in
    :data:`FORCES`, or an entry names a PFA that is not in the lookup.
    """
    pfas: dict[str, str] = {}
    for r in lad19_csp_pfa_raw().to_pylist():
        if pfas.setdefault(r["pfa_name"], r["pfa_code"]) != r["pfa_code"]:
            raise ReferenceDataError(f"{LAD_CSP_PFA_FILE}: PFA name {r['pfa_name']!r} twice")
    named = {name for name, _, _ in FORCES if name is not None}
    if unmatched := sorted(set(pfas) - named):
        raise ReferenceDataError(f"PFAs with no police.uk force: {unmatched}")
    if unknown := sorted(named - set(pfas)):
        raise ReferenceDataError(f"forces naming PFAs not in {LAD_CSP_PFA_FILE}: {unknown}")
    slugs = [slug for _, slug, _ in FORCES]
    if len(set(slugs)) != len(slugs):
        raise ReferenceDataError("a police.uk slug appears twice")
    rows = [
        {
            "pfa_code": pfas.get(name) if name is not None else None,
            "pfa_name": name,
            "police_uk_slug": slug,
            "police_uk_name": police_uk_name,
            "territorial": name is not None,
        }
        for name, slug, police_uk_name in FORCES
    ]
    rows.sort(key=lambda r: (r["pfa_code"] is None, r["pfa_code"] or "", r["police_uk_slug"]))
    return pa.Table.from_pylist(rows, schema=arrow_schema("ref_police_force"))
