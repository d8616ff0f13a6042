"""Ethnic group: the 19 categories of the 2021 Census in England and Wales, and "Not stated".

ONS, "Ethnic group, national identity, language and religion variables: Census 2021
dictionary" (ethnic group, 20 categories, of which "Does not apply" is not used here):
https://www.ons.gov.uk/census/census2021dictionary/variablesbytopic/ethnicgroupnationalidentitylanguageandreligionvariablescensus2021/ethnicgroup
(accessed December 2026). A person-level feed takes the category's full name, its name after
the high-level group's colon, or the short code listed here.
"""

from __future__ import annotations

NOT_STATED = "Not stated"

# (short code, high-level group, category): the ONS 2021 wording.
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("asian_bangladeshi", "Asian, Asian British or Asian Welsh", "Bangladeshi"),
    ("asian_chinese", "Asian, Asian British or Asian Welsh", "Chinese"),
    ("asian_indian", "Asian, Asian British or Asian Welsh", "Indian"),
    ("asian_pakistani", "Asian, Asian British or Asian Welsh", "Pakistani"),
    ("asian_other", "Asian, Asian British or Asian Welsh", "Other Asian"),
    ("black_african", "Black, Black British, Black Welsh, Caribbean or African", "African"),
    ("black_caribbean", "Black, Black British, Black Welsh, Caribbean or African", "Caribbean"),
    ("black_other", "Black, Black British, Black Welsh, Caribbean or African", "Other Black"),
    ("mixed_white_asian", "Mixed or Multiple ethnic groups", "White and Asian"),
    ("mixed_white_black_african", "Mixed or Multiple ethnic groups", "White and Black African"),
    (
        "mixed_white_black_caribbean",
        "Mixed or Multiple ethnic groups",
        "White and Black Caribbean",
    ),
    ("mixed_other", "Mixed or Multiple ethnic groups", "Other Mixed or Multiple ethnic groups"),
    ("white_british", "White", "English, Welsh, Scottish, Northern Irish or British"),
    ("white_irish", "White", "Irish"),
    ("white_gypsy_traveller", "White", "Gypsy or Irish Traveller"),
    ("white_roma", "White", "Roma"),
    ("white_other", "White", "Other White"),
    ("other_arab", "Other ethnic group", "Arab"),
    ("other_any", "Other ethnic group", "Any other ethnic group"),
)


def codes() -> dict[str, str]:
    """Accepted spelling -> the category's full ONS name (`group: category`)."""
    out: dict[str, str] = {}
    for short, group, category in CATEGORIES:
        full = f"{group}: {category}"
        out |= {short: full, full: full, category: full}
    out |= {"not_stated": NOT_STATED, NOT_STATED: NOT_STATED, "not known": NOT_STATED}
    return out
