"""The assumptions behind the synthetic police extract: the offence mix within each police.uk
crime type, and how records of each kind of offence look (place, time, victim, suspect, flags).

The group sizes come from the ONS tables (calibration); every share, rate, profile and weight
typed in here is an assumption [U] (plausible, not taken from a published table), listed in
docs/synthetic.md.
"""

from __future__ import annotations

import numpy as np

from svduty.sources import offence_codes, police_crime
from svduty.synth import calibration

VSO = offence_codes.VSO

# ---- the offence mix ------------------------------------------------------------------------
# Shares within an ONS offence group. The group sizes are Avon and Somerset's (ONS Table P1,
# year ending December 2024) and the volumes of attempted murder, threats to kill and rape with
# sexual assault come from Table P5; every share below is an assumption [U].
VWI_REST = {"5D": 0.055, "5E": 0.004, "8P": 0.012, "8S": 0.026, "4/3": 0.0002, "4/7": 0.0006}
VWOI_REST = {
    "105A": 0.80,
    "104": 0.075,
    "105B": 0.025,
    "11A": 0.035,
    "36": 0.012,
    "106": 0.010,
    "13": 0.004,
    "3A": 0.0005,
    "14": 0.0001,
}
STALKING = {"8R": 0.40, "8L": 0.33, "8Q": 0.22, "8M": 0.05}
HOMICIDE = {"1/1": 0.88, "1/2": 0.02, "4/1": 0.10}
DRIVING = {"4/4": 0.40, "4/8": 0.35, "4/6": 0.05, "4/9": 0.10, "37/1": 0.10}
RAPE_SHARE_OF_RAPE_AND_SA = 0.5
RAPE = {"19C": 0.58, "19D": 0.18, "19E": 0.07, "19F": 0.07, "19G": 0.06, "19H": 0.04}
SEXUAL_ASSAULT = {"20A": 0.74, "20B": 0.10, "17A": 0.11, "17B": 0.05}
OTHER_SEXUAL = {
    "88E": 0.30,
    "22B": 0.18,
    "88A": 0.18,
    "21": 0.12,
    "22A": 0.12,
    "71": 0.08,
    "72": 0.02,
}
OTHER_TYPES: dict[str, dict[str, float]] = {
    "Robbery": {"34B": 0.88, "34A": 0.12},
    "Criminal damage and arson": {
        "58A": 0.94 * 0.36,
        "58C": 0.94 * 0.36,
        "58B": 0.94 * 0.28,
        "56A": 0.06 * 0.10,
        "56B": 0.06 * 0.90,
    },
    "Drugs": {"92E": 0.58, "92A": 0.22, "92D": 0.20},
    "Possession of weapons": {
        "10D": 0.55,
        "10C": 0.36,
        "10B": 0.04,
        "81": 0.02,
        "90": 0.02,
        "10A": 0.01,
    },
    "Public order": {"9A": 0.88, "9B": 0.10, "62A": 0.02},
    "Vehicle crime": {"45": 0.55, "48": 0.30, "126": 0.15},
    "Other theft": {"49": 0.80, "40": 0.20},
    "Shoplifting": {"46": 1.0},
    "Bicycle theft": {"44": 1.0},
    "Theft from the person": {"39": 1.0},
    "Other crime": {"66": 0.85, "802": 0.15},
}
# Burglary: residential v non-residential from Table P1; within each [U].
BURGLARY_RESIDENTIAL = {"28E": 0.78, "28F": 0.21, "29": 0.01}
BURGLARY_BUSINESS = {"30C": 0.99, "31": 0.01}
# Legacy codes in the oldest months: this share of each current code is recorded under the old
# code (5D as 5A; 8N as 8G or 8F) [U].
LEGACY_MONTHS_BEFORE = "2018-07"
LEGACY_SHARE = {"5D": (("5A", 0.10),), "8N": (("8G", 0.08), ("8F", 0.02))}


def _scaled(shares: dict[str, float], total: float) -> dict[str, float]:
    s = sum(shares.values())
    return {c: v / s * total for c, v in shares.items()}


def offence_mix() -> dict[str, dict[str, float]]:
    """police.uk crime type -> offence code -> weight (relative volume)."""
    g = calibration.offence_groups()
    attempted = calibration.selected_offence_volume("attempted_murder")
    threats = calibration.selected_offence_volume("threats_to_kill")
    rape_sa = calibration.selected_offence_volume("rape_sexual_assault")
    vso: dict[str, float] = {}
    vso |= _scaled(HOMICIDE, g["Homicide"])
    vso |= _scaled(DRIVING, g["Death or serious injury - unlawful driving"])
    vso |= {"2": attempted}
    vwi_rest = g["Violence with injury"] - attempted
    vso |= {c: share * vwi_rest for c, share in VWI_REST.items()}
    vso["8N"] = vwi_rest * (1 - sum(VWI_REST.values()))
    vso["3B"] = threats
    vso |= _scaled(VWOI_REST, g["Violence without injury"] - threats)
    vso |= _scaled(STALKING, g["Stalking and harassment"])
    vso |= _scaled(RAPE, rape_sa * RAPE_SHARE_OF_RAPE_AND_SA)
    vso |= _scaled(SEXUAL_ASSAULT, rape_sa * (1 - RAPE_SHARE_OF_RAPE_AND_SA))
    vso |= _scaled(OTHER_SEXUAL, g["Sexual offences"] - rape_sa)
    burglary = _scaled(BURGLARY_RESIDENTIAL, g["Residential burglary"])
    burglary |= _scaled(BURGLARY_BUSINESS, g["Non-residential burglary"])
    mix = {VSO: vso, "Burglary": burglary} | OTHER_TYPES
    for ctype, codes in mix.items():
        for code in codes:
            known = offence_codes.OFFENCES[code].police_uk_type
            if known != ctype:  # pragma: no cover - a table above is wrong
                raise ValueError(f"{code} is published as {known}, not {ctype}")
    return mix


# ---- what kind of offence a code is, and how records of each kind look ------------------------

KIND_OF: dict[str, str] = {}
for _kind, _codes in {
    "homicide": ("1/1", "1/2", "4/1", "4/2", "4/10"),
    "driving": ("4/4", "4/6", "4/8", "4/9", "37/1"),
    "vwi": ("2", "4/3", "4/7", "5D", "5E", "8N", "8P", "8S", "5A", "5B", "5C", "8F", "8G"),
    "vwoi": ("3A", "3B", "105A", "105B", "104", "11A", "13", "14", "36", "106"),
    "sh": ("8Q", "8L", "8M", "8R"),
    "sexual": (*RAPE, *SEXUAL_ASSAULT, *OTHER_SEXUAL),
    "robbery": ("34A", "34B"),
    "burglary": (*BURGLARY_RESIDENTIAL, *BURGLARY_BUSINESS),
    "damage": ("58A", "58B", "58C", "56A", "56B"),
    "drugs": ("92A", "92D", "92E"),
    "weapons": ("10A", "10B", "10C", "10D", "81", "90"),
    "public_order": ("9A", "9B", "62A"),
    "vehicle": ("45", "48", "126"),
    "theft": ("40", "49", "39", "44"),
    "shoplifting": ("46",),
    "other": ("66", "802"),
}.items():
    KIND_OF |= dict.fromkeys(_codes, _kind)
KINDS = tuple(dict.fromkeys(KIND_OF.values()))
VIOLENT = ("homicide", "vwi", "vwoi")

# The knife "selected offences" (ONS Tables P5/P6) by category; legacy codes count as the code
# they map to (offence_codes.LEGACY).
KNIFE_SELECTED: dict[str, tuple[str, ...]] = {
    "attempted_murder": ("2",),
    "threats_to_kill": ("3B",),
    "assault_injury": ("5D", "5E", "8N", "5A", "8F", "8G"),
    "robbery": ("34A", "34B"),
    "rape_sexual_assault": (*RAPE, "17A", "17B", "20A", "20B"),
}
# Within a category, how much likelier one code is to be flagged than another [U].
KNIFE_CODE_WEIGHT = {"5D": 6.0, "5A": 6.0, "5E": 3.0, "34A": 0.8}
# Outside the selected offences: the flag follows the offence [U] (homicide: Table P5).
KNIFE_OTHER = {"10D": 1.0, "90": 1.0, "29": 0.2, "31": 0.2}
KNIFE_OTHER_SMALL = ("105A", "104", "9A", "8L", "36", "62A", "56A", "11A")
KNIFE_OTHER_SMALL_RATE = 0.005
KNIFE_PUBLIC_WEIGHT = 1.5  # within a category, a public place makes the flag likelier
KNIFE_DA_WEIGHT = 0.7  # and domestic abuse less likely
# Which offences can carry a firearm flag, and how likely relative to each other [U]. The total
# per year is ONS Table P8's count of firearm offences, pro rata to the months present.
FIREARM_WEIGHT = {
    "2": 10,
    "1/1": 6,
    "4/1": 6,
    "3B": 6,
    "34A": 8,
    "34B": 4,
    "5D": 3,
    "5A": 3,
    "5E": 3,
    "8N": 0.3,
    "8G": 0.3,
    "8F": 0.3,
    "105A": 0.3,
    "9A": 0.3,
    "62A": 1,
}
FIREARM_ALWAYS = ("10A", "10B", "81")

LOCATIONS = tuple(police_crime.LOCATION_TYPES)
LOC = {name: i for i, name in enumerate(LOCATIONS)}


def _dist(**weights: float) -> np.ndarray:
    out = np.zeros(len(LOCATIONS))
    for name, w in weights.items():
        out[LOC[name]] = w
    return out / out.sum()


# Where offences happen [U].
LOCATION_DA = _dist(
    dwelling=0.86,
    street=0.05,
    other=0.03,
    open_space=0.01,
    retail=0.01,
    transport=0.01,
    workplace=0.01,
    not_known=0.02,
)
LOCATION_KIND = {
    "violence": _dist(
        street=0.30,
        dwelling=0.18,
        licensed_premises=0.12,
        retail=0.07,
        open_space=0.06,
        transport=0.04,
        education=0.04,
        workplace=0.06,
        healthcare=0.03,
        custody=0.03,
        other=0.04,
        not_known=0.03,
    ),
    "sh": _dist(
        dwelling=0.45, other=0.30, workplace=0.08, street=0.07, education=0.04, not_known=0.06
    ),
    "sexual": _dist(
        dwelling=0.55,
        street=0.08,
        open_space=0.05,
        licensed_premises=0.05,
        education=0.05,
        other=0.12,
        not_known=0.10,
    ),
    "driving": _dist(street=1),
    "robbery_personal": _dist(
        street=0.62,
        open_space=0.10,
        transport=0.08,
        retail=0.05,
        dwelling=0.06,
        licensed_premises=0.03,
        education=0.02,
        other=0.02,
        not_known=0.02,
    ),
    "robbery_business": _dist(retail=0.75, workplace=0.20, licensed_premises=0.05),
    "dwelling": _dist(dwelling=1),
    "business": _dist(workplace=0.45, retail=0.30, education=0.08, healthcare=0.02, other=0.15),
    "vehicle": _dist(street=0.85, other=0.15),
    "damage_other": _dist(workplace=0.40, retail=0.20, education=0.15, other=0.25),
    "arson": _dist(dwelling=0.30, open_space=0.35, street=0.15, other=0.20),
    "drugs": _dist(
        street=0.50,
        dwelling=0.20,
        open_space=0.10,
        transport=0.05,
        licensed_premises=0.05,
        other=0.10,
    ),
    "weapons": _dist(
        street=0.55,
        open_space=0.10,
        retail=0.10,
        education=0.06,
        transport=0.06,
        licensed_premises=0.05,
        dwelling=0.04,
        other=0.04,
    ),
    "public_order": _dist(
        street=0.45,
        licensed_premises=0.12,
        retail=0.12,
        dwelling=0.15,
        transport=0.05,
        education=0.03,
        healthcare=0.03,
        other=0.05,
    ),
    "theft": _dist(
        retail=0.20, workplace=0.20, street=0.20, dwelling=0.15, other=0.20, education=0.05
    ),
    "theft_person": _dist(street=0.50, licensed_premises=0.20, transport=0.15, retail=0.15),
    "bicycle": _dist(street=0.45, dwelling=0.30, transport=0.10, education=0.10, workplace=0.05),
    "retail": _dist(retail=1),
    "other": _dist(street=0.30, other=0.50, not_known=0.20),
}
LOCATION_CODE = {
    "34A": "robbery_business",
    "34B": "robbery_personal",
    "28E": "dwelling",
    "28F": "dwelling",
    "29": "dwelling",
    "30C": "business",
    "31": "business",
    "58A": "dwelling",
    "58C": "vehicle",
    "58B": "damage_other",
    "56A": "arson",
    "56B": "arson",
    "40": "dwelling",
    "49": "theft",
    "39": "theft_person",
    "44": "bicycle",
    "46": "retail",
    "802": "vehicle",
}
LOCATION_OF_KIND = {
    "homicide": "violence",
    "vwi": "violence",
    "vwoi": "violence",
    "sh": "sh",
    "sexual": "sexual",
    "driving": "driving",
    "drugs": "drugs",
    "weapons": "weapons",
    "public_order": "public_order",
    "vehicle": "vehicle",
    "other": "other",
}

# Domestic abuse flag rates [U]: by kind, with overrides by code. Over violence against the
# person they give about a third (calibration.FIGURES["domestic_abuse_share_vap"]).
DA_KIND = {
    "homicide": 0.25,
    "vwi": 0.38,
    "vwoi": 0.33,
    "sh": 0.36,
    "sexual": 0.18,
    "public_order": 0.06,
}
DA_CODE = {
    "104": 0.0,
    "8S": 0.0,
    "106": 0.0,
    "36": 0.20,
    "58A": 0.25,
    "58C": 0.08,
    "58B": 0.02,
    "56A": 0.15,
}
# The victims of these codes are children; domestic abuse is between people aged 16 or over
# (Domestic Abuse Act 2021 s1), so they are never flagged.
DA_CODE |= dict.fromkeys(
    ("11A", "13", "1/2", "19D", "19E", "19G", "19H", "17B", "20B", "21", "22B", "71"), 0.0
)
DA_MIN_AGE = 16  # domestic abuse is between people aged 16 or over (DA Act 2021 s1)
DA_CODE |= {c: 0.0 for c, k in KIND_OF.items() if k == "driving"}

# Hour of day weights (0..23) and weekday weights (Monday..Sunday) [U].
HOURS = {
    "night": [
        7,
        6,
        5,
        3,
        2,
        1.2,
        1,
        1.2,
        1.8,
        2.2,
        2.6,
        3,
        3.3,
        3.4,
        3.6,
        4,
        4.4,
        4.8,
        5.2,
        5.6,
        6,
        6.6,
        7.2,
        7.6,
    ],
    "home": [
        3,
        2.5,
        2,
        1.5,
        1,
        0.8,
        0.8,
        1,
        1.5,
        2,
        2.3,
        2.5,
        2.8,
        3,
        3.2,
        3.4,
        3.8,
        4.4,
        5,
        5.5,
        5.8,
        5.6,
        5,
        4,
    ],
    "day": [
        0.3,
        0.2,
        0.1,
        0.1,
        0.1,
        0.2,
        0.5,
        1,
        2,
        3.5,
        4.5,
        5,
        5.2,
        5.2,
        5.2,
        5.2,
        5,
        4.5,
        3.5,
        2.5,
        1.6,
        1,
        0.7,
        0.5,
    ],
    "afternoon": [
        3,
        2.5,
        2,
        1.5,
        1,
        0.6,
        0.5,
        0.7,
        1.2,
        1.6,
        2,
        2.5,
        3,
        3.4,
        3.8,
        4.4,
        5,
        5.4,
        5.6,
        5.6,
        5.4,
        5,
        4.4,
        3.6,
    ],
    "flat": [
        1.5,
        1.2,
        1,
        0.8,
        0.6,
        0.6,
        0.8,
        1.2,
        1.8,
        2.2,
        2.4,
        2.5,
        2.6,
        2.6,
        2.6,
        2.6,
        2.6,
        2.6,
        2.6,
        2.5,
        2.4,
        2.2,
        2,
        1.8,
    ],
    "morning": [
        0.2,
        0.2,
        0.2,
        0.2,
        0.3,
        0.8,
        2.5,
        5,
        6,
        5,
        3.5,
        2.5,
        2,
        2,
        2,
        2,
        2.2,
        2.5,
        2.5,
        2,
        1.5,
        1,
        0.6,
        0.3,
    ],
}
WEEKDAYS = {
    "night": [0.75, 0.72, 0.76, 0.85, 1.25, 1.65, 1.30],
    "home": [1.00, 0.95, 0.95, 0.95, 1.00, 1.15, 1.15],
    "day": [1.05, 1.05, 1.05, 1.05, 1.10, 1.05, 0.65],
    "afternoon": [1.00, 1.00, 1.00, 1.00, 1.10, 1.05, 0.85],
    "flat": [1.0] * 7,
    "morning": [1.0] * 7,
}
TIME_PROFILES = tuple(HOURS)

# Days from the offence to its recording: probability of 0, 1, 2-7, 8-30, 31-365 and 366 days
# to 20 years [U]. Historic (over a year) offences carry a date without a time.
LAG_BUCKETS = ((0, 0), (1, 1), (2, 7), (8, 30), (31, 365), (366, 7300))
LAGS = {
    "violent": [0.56, 0.22, 0.13, 0.06, 0.027, 0.003],
    "da": [0.45, 0.20, 0.15, 0.10, 0.08, 0.02],
    "sexual": [0.22, 0.10, 0.12, 0.10, 0.20, 0.26],
    "sh": [0.28, 0.14, 0.22, 0.20, 0.14, 0.02],
    "property": [0.50, 0.25, 0.17, 0.06, 0.02, 0.0],
    "found": [0.90, 0.07, 0.03, 0.0, 0.0, 0.0],
    "other": [0.50, 0.20, 0.15, 0.10, 0.05, 0.0],
}
LAG_OF_KIND = {
    "homicide": "violent",
    "vwi": "violent",
    "vwoi": "violent",
    "public_order": "violent",
    "robbery": "violent",
    "driving": "violent",
    "sexual": "sexual",
    "sh": "sh",
    "burglary": "property",
    "damage": "property",
    "vehicle": "property",
    "theft": "property",
    "shoplifting": "property",
    "drugs": "found",
    "weapons": "found",
    "other": "other",
}
DATE_ONLY_SHARE = 0.03
# Crimes are recorded less at weekends (Monday..Sunday) [U].
RECORDED_WEEKDAYS = (1.05, 1.05, 1.0, 1.0, 1.0, 0.9, 0.85)
# Share of records with a window (Offence to) [U].
WINDOW_KIND = {
    "burglary": 0.65,
    "vehicle": 0.60,
    "damage": 0.50,
    "theft": 0.40,
    "shoplifting": 0.02,
    "sh": 0.60,
    "sexual": 0.30,
}
WINDOW_DEFAULT = 0.04
WINDOW_DA = 0.06

# Victims [U]: probability the record has a person as victim (else a business, the public or
# the state), age profile and share female.
VICTIM_PERSON = {
    "34A": 0.0,
    "30C": 0.0,
    "31": 0.0,
    "58B": 0.2,
    "56A": 0.6,
    "56B": 0.3,
    "49": 0.5,
    "9A": 0.6,
    "9B": 0.6,
    "62A": 0.0,
    "4/10": 0.0,
}
VICTIM_PERSON_KIND = {"drugs": 0.0, "weapons": 0.0, "shoplifting": 0.0, "other": 0.0}
AGE_BANDS = ((0, 9), (10, 17), (18, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 90))
AGE_PROFILES = {
    "public_violence": [0.02, 0.15, 0.22, 0.23, 0.16, 0.11, 0.06, 0.05],
    "da": [0.01, 0.02, 0.18, 0.32, 0.24, 0.14, 0.06, 0.03],
    "robbery": [0.0, 0.28, 0.28, 0.18, 0.11, 0.07, 0.04, 0.04],
    "sh": [0.0, 0.06, 0.16, 0.24, 0.22, 0.17, 0.09, 0.06],
    "sexual": [0.03, 0.25, 0.25, 0.19, 0.12, 0.08, 0.05, 0.03],
    "property": [0.0, 0.01, 0.08, 0.20, 0.21, 0.20, 0.15, 0.15],
    "general": [0.03, 0.08, 0.15, 0.22, 0.19, 0.15, 0.10, 0.08],
    # suspects
    "s_public_violence": [0.0, 0.18, 0.27, 0.24, 0.15, 0.09, 0.05, 0.02],
    "s_da": [0.0, 0.01, 0.16, 0.33, 0.26, 0.15, 0.06, 0.03],
    "s_robbery": [0.0, 0.38, 0.32, 0.16, 0.08, 0.04, 0.01, 0.01],
    "s_weapons": [0.0, 0.22, 0.28, 0.22, 0.14, 0.08, 0.04, 0.02],
    "s_drugs": [0.0, 0.10, 0.30, 0.30, 0.16, 0.09, 0.04, 0.01],
    "s_theft": [0.0, 0.10, 0.16, 0.28, 0.24, 0.14, 0.06, 0.02],
    "s_sexual": [0.0, 0.15, 0.17, 0.20, 0.17, 0.14, 0.10, 0.07],
    "s_general": [0.0, 0.10, 0.18, 0.26, 0.20, 0.14, 0.08, 0.04],
}
AGE_PROFILE_NAMES = tuple(AGE_PROFILES)
# Ages some codes fix (offence definitions: under 13, under 16, 16 and over, ...).
AGE_RANGE = {
    "1/2": (0, 0),
    "19E": (4, 12),
    "19H": (4, 12),
    "17B": (4, 12),
    "20B": (4, 12),
    "21": (4, 12),
    "19D": (13, 15),
    "19G": (13, 15),
    "22B": (13, 15),
    "71": (12, 17),
    "11A": (0, 15),
    "13": (1, 15),
    "104": (20, 60),
    "8S": (20, 60),
}
AGE_AT_LEAST = {"19C": 16, "19F": 16, "17A": 13, "20A": 13, "88A": 10}
FEMALE_ONLY = ("19C", "19D", "19E", "20A", "20B")
MALE_ONLY = ("19F", "19G", "19H", "17A", "17B")
FEMALE_SHARE = {
    "da": 0.76,
    "public_violence": 0.36,
    "robbery": 0.26,
    "sh": 0.62,
    "sexual": 0.86,
    "property": 0.48,
    "general": 0.45,
}
FEMALE_SHARE_CODE = {"104": 0.25, "8S": 0.25, "11A": 0.5, "13": 0.5, "1/1": 0.3, "4/1": 0.3}
AGE_UNKNOWN = 0.04
SEX_UNKNOWN = 0.01
# Suspects [U]: probability a suspect is identified, by kind (domestic abuse: 0.88).
SUSPECT_KNOWN = {
    "homicide": 0.95,
    "driving": 0.95,
    "vwi": 0.60,
    "vwoi": 0.55,
    "sh": 0.75,
    "sexual": 0.55,
    "robbery": 0.30,
    "burglary": 0.10,
    "vehicle": 0.06,
    "damage": 0.20,
    "theft": 0.15,
    "shoplifting": 0.45,
    "drugs": 0.96,
    "weapons": 0.94,
    "public_order": 0.50,
    "other": 0.60,
}
SUSPECT_KNOWN_DA = 0.88
SUSPECT_AGE_UNKNOWN = 0.06
SUSPECT_PROFILE = {
    "robbery": "s_robbery",
    "weapons": "s_weapons",
    "drugs": "s_drugs",
    "sexual": "s_sexual",
    "burglary": "s_theft",
    "vehicle": "s_theft",
    "theft": "s_theft",
    "shoplifting": "s_theft",
}
# Repeat victims and suspects [U]: the share of records whose person appears in other records
# (a pool per LSOA for victims and domestic abuse couples, per local authority for suspects),
# and how many records each pooled person has on average.
REPEAT_VICTIM = {
    "vwi": 0.12,
    "vwoi": 0.12,
    "sh": 0.35,
    "robbery": 0.08,
    "burglary": 0.08,
    "vehicle": 0.05,
    "damage": 0.10,
    "theft": 0.05,
    "public_order": 0.10,
}
REPEAT_VICTIM_DA = 0.42
REPEAT_SUSPECT = {
    "vwi": 0.28,
    "vwoi": 0.28,
    "robbery": 0.40,
    "burglary": 0.40,
    "vehicle": 0.35,
    "theft": 0.50,
    "shoplifting": 0.50,
    "damage": 0.25,
    "drugs": 0.35,
    "weapons": 0.25,
    "public_order": 0.30,
    "sexual": 0.10,
    "sh": 0.30,
    "other": 0.20,
}
OFFICERS = ("104", "8S")  # the victim is a police officer
REPEAT_OFFICER = 0.3
RECORDS_PER_VICTIM = 2.5
RECORDS_PER_SUSPECT = 3.0
# The victim-offender overlap [U]: the share of the young people (10 to 24) suspected of public
# violence or robbery who were themselves victims of it in the extract. Research on young people
# involved in violence reports a substantial overlap between victims and perpetrators; a fifth
# is a guess for the demonstration, not a figure from a table.
OVERLAP_SUSPECT = 0.2
# Flags [U].
ALCOHOL_LICENSED = 0.75
ALCOHOL_NIGHT_PUBLIC = 0.40
ALCOHOL_DA = 0.22
ALCOHOL_VIOLENCE = 0.10
ALCOHOL_SEXUAL = 0.15
ALCOHOL_OTHER = 0.02
ALCOHOL_UNKNOWN = 0.10  # blank (not recorded) on violence and public order
DRUGS_FLAG = {
    "drugs": 1.0,
    "weapons": 0.12,
    "robbery": 0.10,
    "vwi": 0.05,
    "vwoi": 0.05,
    "burglary": 0.04,
    "theft": 0.04,
}
DRUGS_FLAG_OTHER = 0.01
EXPLOITATION_CODE = {"106": 1.0, "71": 1.0, "72": 1.0, "92A": 0.25, "36": 0.20, "13": 0.10}
EXPLOITATION_UNDER_18 = {"weapons": 0.10, "robbery": 0.05, "drugs": 0.05}
EXPLOITATION_VSO = 0.003
