"""Home Office notifiable offence codes (Home Office Counting Rules), with the police.uk crime
type each is published under and today's code for the legacy ones.

Source: docs/sources.md, "Offence codes" (the current notifiable list as in
ONSdigital/dp-hierarchy-builder's crime hierarchy, checked against the Home Office Counting Rules
for violence against the person, April 2021). The violence, sexual,
robbery and weapons codes are from there [V]. The codes for other crime groups are here so that
a whole police extract can be read and reconciled with police.uk; their labels are [U] (check
them against the force's own list before relying on them for anything but reconciliation).

Legacy codes: the April 2010 list used 5A (wounding or act endangering life), 5B, 5C, 8F
(inflicting GBH without intent) and 8G (actual bodily harm), later restructured into 5D, 5E and
8N. Series that cross the change map the old codes forward (LEGACY) so they stay continuous.
5A split into 5D and 5E; mapping it wholly to 5D is an approximation, said in the caveats.
"""

from __future__ import annotations

from dataclasses import dataclass

VSO = "Violence and sexual offences"


@dataclass(frozen=True)
class Offence:
    code: str
    name: str
    group: str  # ONS offence group
    police_uk_type: str  # the police.uk crime type it is published under
    verified: bool  # [V]: read in the source (docs/sources.md, "Offence codes"), else [U]


_ROWS = """\
1/1|Murder of persons aged 1 year or over|homicide|VSO|V
1/2|Murder of persons aged under 1 year|homicide|VSO|V
4/1|Manslaughter|homicide|VSO|V
4/2|Infanticide|homicide|VSO|V
4/10|Corporate manslaughter|homicide|VSO|V
2|Attempted murder|violence with injury|VSO|V
4/3|Intentional destruction of a viable unborn child|violence with injury|VSO|V
4/4|Causing death by dangerous driving|violence with injury|VSO|V
4/6|Causing death by careless driving under the influence|violence with injury|VSO|V
4/7|Causing or allowing death of a child or vulnerable person|violence with injury|VSO|V
4/8|Causing death by careless or inconsiderate driving|violence with injury|VSO|V
4/9|Causing death by driving: unlicensed or uninsured|violence with injury|VSO|V
37/1|Causing death by aggravated vehicle taking|violence with injury|VSO|V
5D|Assault with intent to cause serious harm|violence with injury|VSO|V
5E|Endangering life|violence with injury|VSO|V
8N|Assault with injury|violence with injury|VSO|V
8P|Racially or religiously aggravated assault with injury|violence with injury|VSO|V
8S|Assault with injury on a constable|violence with injury|VSO|V
3A|Conspiracy to murder|violence without injury|VSO|V
3B|Threats to kill|violence without injury|VSO|V
105A|Assault without injury|violence without injury|VSO|V
105B|Racially or religiously aggravated assault without injury|violence without injury|VSO|V
104|Assault without injury on a constable|violence without injury|VSO|V
11A|Cruelty to children or young persons|violence without injury|VSO|V
13|Child abduction|violence without injury|VSO|V
14|Procuring illegal abortion|violence without injury|VSO|V
36|Kidnapping|violence without injury|VSO|V
106|Modern slavery|violence without injury|VSO|V
8Q|Stalking|stalking and harassment|VSO|V
8L|Harassment|stalking and harassment|VSO|V
8M|Racially or religiously aggravated harassment|stalking and harassment|VSO|V
8R|Malicious communications|stalking and harassment|VSO|V
19C|Rape of a female aged 16 and over|rape|VSO|V
19D|Rape of a female child under 16|rape|VSO|V
19E|Rape of a female child under 13|rape|VSO|V
19F|Rape of a male aged 16 and over|rape|VSO|V
19G|Rape of a male child under 16|rape|VSO|V
19H|Rape of a male child under 13|rape|VSO|V
17A|Sexual assault on a male aged 13 and over|other sexual offences|VSO|V
17B|Sexual assault on a male child under 13|other sexual offences|VSO|V
20A|Sexual assault on a female aged 13 and over|other sexual offences|VSO|V
20B|Sexual assault on a female child under 13|other sexual offences|VSO|V
21|Sexual activity involving a child under 13|other sexual offences|VSO|V
22A|Causing sexual activity without consent|other sexual offences|VSO|V
22B|Sexual activity involving a child under 16|other sexual offences|VSO|V
71|Abuse of children through sexual exploitation|other sexual offences|VSO|V
72|Trafficking for sexual exploitation|other sexual offences|VSO|V
88A|Sexual grooming|other sexual offences|VSO|V
88E|Exposure and voyeurism|other sexual offences|VSO|V
34A|Robbery of business property|robbery|Robbery|V
34B|Robbery of personal property|robbery|Robbery|V
10A|Possession of firearms with intent|possession of weapons|Possession of weapons|V
10B|Possession of firearms offences|possession of weapons|Possession of weapons|V
10C|Possession of other weapons|possession of weapons|Possession of weapons|V
10D|Possession of article with blade or point|possession of weapons|Possession of weapons|V
81|Other firearms offences|possession of weapons|Possession of weapons|V
90|Other knives offences|possession of weapons|Possession of weapons|V
62A|Violent disorder|public order offences|Public order|V
9A|Public fear, alarm or distress|public order offences|Public order|V
9B|Racially or religiously aggravated public fear, alarm or distress|public order offences|Public order|V
56A|Arson endangering life|arson and criminal damage|Criminal damage and arson|V
56B|Arson not endangering life|arson and criminal damage|Criminal damage and arson|V
29|Aggravated burglary in a dwelling|burglary|Burglary|V
31|Aggravated burglary in a building other than a dwelling|burglary|Burglary|V
28E|Burglary, residential: dwelling|burglary|Burglary|U
28F|Attempted burglary, residential: dwelling|burglary|Burglary|U
30C|Burglary, business and community|burglary|Burglary|U
58A|Criminal damage to a dwelling|arson and criminal damage|Criminal damage and arson|U
58C|Criminal damage to a vehicle|arson and criminal damage|Criminal damage and arson|U
58B|Criminal damage to other building|arson and criminal damage|Criminal damage and arson|U
92A|Trafficking in controlled drugs|drug offences|Drugs|U
92D|Possession of controlled drugs (excluding cannabis)|drug offences|Drugs|U
92E|Possession of controlled drugs (cannabis)|drug offences|Drugs|U
45|Theft from a vehicle|vehicle offences|Vehicle crime|U
48|Theft or unauthorised taking of a motor vehicle|vehicle offences|Vehicle crime|U
126|Interfering with a motor vehicle|vehicle offences|Vehicle crime|U
46|Shoplifting|theft offences|Shoplifting|U
44|Theft of a pedal cycle|theft offences|Bicycle theft|U
39|Theft from the person|theft offences|Theft from the person|U
40|Theft in a dwelling other than from an automatic machine or meter|theft offences|Other theft|U
49|Other theft|theft offences|Other theft|U
66|Other offences against the state or public order|miscellaneous crimes against society|Other crime|U
802|Dangerous driving|miscellaneous crimes against society|Other crime|U
"""

OFFENCES: dict[str, Offence] = {
    code: Offence(code, name, group, VSO if kind == "VSO" else kind, flag == "V")
    for code, name, group, kind, flag in (line.split("|") for line in _ROWS.splitlines())
}

# Legacy code -> (today's code, its old name). See the module docstring for 5A.
LEGACY: dict[str, tuple[str, str]] = {
    "5A": ("5D", "Wounding or carrying out an act endangering life (pre-2012)"),
    "5B": ("5E", "Use of substance or object to endanger life (pre-2012)"),
    "5C": ("5E", "Possession of items to endanger life (pre-2012)"),
    "8F": ("8N", "Inflicting grievous bodily harm without intent (pre-2012)"),
    "8G": ("8N", "Actual bodily harm and other injury (pre-2012)"),
}

ALL_CODES: tuple[str, ...] = (*OFFENCES, *LEGACY)


def current(code: str) -> str:
    """Today's code for a code as recorded (legacy codes mapped forward)."""
    return LEGACY[code][0] if code in LEGACY else code
