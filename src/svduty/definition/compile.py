"""Rules compiled to Ibis predicates, one source table at a time, saying what each source can't see.

Each source records different things. A rule is evaluated on a source with the columns that
source has; a criterion it cannot evaluate is left out and the rule is marked `approximate`,
with a note that says which way the figure is wrong. A rule is `not_evaluable` on a source
when the source cannot tell what the rule counts at all (police.uk for homicide, which it
publishes only inside "Violence and sexual offences"); such a rule brings no rows in there.

Directions: a rule `over`-counts when its predicate may take rows the full rule would not (a
criterion was left out), and `under`-counts when it may miss rows the full rule would take (an
age band that straddles the limit is counted out; a not-evaluable rule misses all its rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from svduty.definition.model import Criteria, Definition, Rule
from svduty.definition.vocabulary import FLAGS, PLACES
from svduty.sources import offence_codes
from svduty.warehouse import schema

SOURCES: dict[str, str] = {
    "police_crime": "police recorded crime",
    "police_uk_street": "police.uk",
    "ed_assault": "ED assault data (ISTV)",
    "partner_aggregate": "partner aggregate data",
}
# The hospital admissions feed's measure for each ICD-10 group (svduty.sources.aggregates).
ICD10_MEASURES: dict[str, str] = {
    "X99": "admissions_assault_sharp_object",
    "X85-Y09": "admissions_assault_all",
}
# ISTV methods that mean "not known": a flag asked to be false is not shown false by them.
_ED_FLAG_METHODS = {"knife": "knife_sharp", "firearm": "firearm"}

EXACT, APPROXIMATE, NOT_EVALUABLE = "exact", "approximate", "not_evaluable"


@dataclass(frozen=True)
class Note:
    """What a figure on one source means: `kind` approximate, not_evaluable or info."""

    source: str
    kind: str
    text: str
    rule: str | None = None
    direction: str | None = None  # over, under, or None

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "rule": self.rule,
            "kind": self.kind,
            "direction": self.direction,
            "text": self.text,
        }


@dataclass(frozen=True)
class RulePlan:
    """One rule on one source: its predicate (None when not evaluable) and how to read it."""

    rule: Rule
    source: str
    evaluation: str  # exact, approximate, not_evaluable
    predicate: ir.BooleanValue | None
    over: bool = False
    under: bool = False
    notes: tuple[Note, ...] = ()

    def as_dict(self) -> dict:
        return {
            "rule": self.rule.id,
            "strand": self.rule.strand,
            "evaluation": self.evaluation,
            "over_counts": self.over,
            "under_counts": self.under,
            "notes": [n.text for n in self.notes],
        }


@dataclass(frozen=True)
class SourcePlan:
    """A whole definition compiled for one source table."""

    definition: Definition
    source: str
    table: ir.Table
    rules: tuple[RulePlan, ...]
    notes: tuple[Note, ...] = field(default=())

    @property
    def label(self) -> str:
        return SOURCES[self.source]

    @property
    def evaluation(self) -> str:
        """exact when every rule is exact here; not_evaluable when none can be counted."""
        kinds = {r.evaluation for r in self.rules}
        if kinds == {EXACT}:
            return EXACT
        if kinds == {NOT_EVALUABLE}:
            return NOT_EVALUABLE
        return APPROXIMATE

    @property
    def out_of_scope_exact(self) -> bool:
        """True when a row no rule takes is surely out (no rule here can miss rows)."""
        return not any(r.under for r in self.rules)

    @property
    def _evaluable(self) -> list[RulePlan]:
        return [r for r in self.rules if r.predicate is not None]

    def matched_rule(self) -> ir.StringValue:
        """The id of the first rule, in declaration order, that takes the row; null if none."""
        branches = [(r.predicate, r.rule.id) for r in self._evaluable]
        if not branches:
            return ibis.null("string")
        return ibis.cases(*branches, else_=ibis.null("string"))

    def strand(self, matched: ir.StringValue) -> ir.StringValue:
        """The strand of the matched rule (`matched` is `matched_rule()`)."""
        return _lookup(matched, {r.rule.id: r.rule.strand for r in self._evaluable}, None)

    def evaluation_column(self, matched: ir.StringValue) -> ir.StringValue:
        """Per row: exact when the in/out decision is sure, approximate when it may be wrong.

        In scope, it may be wrong when the rule that took the row over-counts here; out of
        scope, when some rule here under-counts or cannot be evaluated.
        """
        outside = EXACT if self.out_of_scope_exact else APPROXIMATE
        inside = {r.rule.id: APPROXIMATE if r.over else EXACT for r in self._evaluable}
        return _lookup(matched, inside, outside)

    def predicate(self, rule_id: str) -> ir.BooleanValue | None:
        for r in self.rules:
            if r.rule.id == rule_id:
                return r.predicate
        raise KeyError(rule_id)

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "label": self.label,
            "evaluation": self.evaluation,
            "rules": [r.as_dict() for r in self.rules],
            "notes": [n.as_dict() for n in self.notes],
        }


def _lookup(key: ir.StringValue, mapping: dict[str, str], missing: str | None) -> ir.StringValue:
    """`mapping[key]`, or `missing` where key is null: a short CASE on the matched rule id."""
    default = ibis.null("string") if missing is None else ibis.literal(missing)
    branches = [(key == k, ibis.literal(v)) for k, v in mapping.items()]
    return ibis.cases(*branches, else_=default) if branches else default


# ---- per source ---------------------------------------------------------------------------------


@dataclass
class _Block:
    """A criteria block compiled on one source."""

    predicate: ir.BooleanValue | None = None
    what_missing: str = ""  # set when the block names what it counts, but not in this vocabulary
    # criteria left out (so: over-counts), as (what is missing, the note)
    missing: list[tuple[str, str]] = field(default_factory=list)
    over: list[str] = field(default_factory=list)  # evaluated, but may take too many
    under: list[str] = field(default_factory=list)  # evaluated, but may miss some

    def add(self, expr: ir.BooleanValue) -> None:
        self.predicate = expr if self.predicate is None else self.predicate & expr


def _recorded_codes(current: set[str], legacy_listed: set[str]) -> list[str]:
    """Codes as recorded that mean any of `current`, plus legacy codes named on their own."""
    codes = set(current) | set(legacy_listed)
    codes |= {old for old, (new, _) in offence_codes.LEGACY.items() if new in current}
    return sorted(codes)


def _current_codes(c: Criteria, *, by_crime_type: bool = False) -> set[str]:
    if by_crime_type:
        return {
            code for code, o in offence_codes.OFFENCES.items() if o.police_uk_type in c.crime_types
        }
    named = {code for code in c.offence_codes if code not in offence_codes.LEGACY}
    return named | {
        code for code, o in offence_codes.OFFENCES.items() if o.group in c.offence_groups
    }


def _band_bounds(band: ir.StringValue) -> tuple[ir.IntegerValue, ir.IntegerValue]:
    """Lower and upper age of a canonical band ("18-24", "65+"); null where unknown or open."""
    ranged = band.re_search(r"^\d+-\d+$")
    plus = band.re_search(r"^\d+\+$")
    low = ibis.cases(
        (ranged, band.re_extract(r"^(\d+)-", 1).cast("int32")),
        (plus, band.re_extract(r"^(\d+)", 1).cast("int32")),
        else_=ibis.null("int32"),
    )
    high = ibis.cases(
        (ranged, band.re_extract(r"-(\d+)$", 1).cast("int32")), else_=ibis.null("int32")
    )
    return low, high


def _age_in(col: ir.IntegerValue, c_age) -> ir.BooleanValue:
    expr = None
    if c_age.min is not None:
        expr = col >= c_age.min
    if c_age.max is not None:
        upper = col <= c_age.max
        expr = upper if expr is None else expr & upper
    return expr


def _band_in(band: ir.StringValue, c_age) -> ir.BooleanValue:
    """The band lies wholly inside the range (a band that straddles it is not counted)."""
    low, high = _band_bounds(band)
    expr = None
    if c_age.min is not None:
        expr = low >= c_age.min
    if c_age.max is not None:
        upper = high <= c_age.max
        expr = upper if expr is None else expr & upper
    return expr


def _has(t: ir.Table, *columns: str) -> bool:
    return all(col in t.columns for col in columns)


def _compile_block(source: str, c: Criteria, t: ir.Table, rule_id: str) -> _Block:
    b = _Block()
    label = SOURCES[source]
    other_what = [k for k in ("assault_methods", "icd10") if getattr(c, k)]

    # What happened: each source in its own vocabulary.
    if source == "police_crime":
        if c.offence_codes or c.offence_groups:
            legacy = {code for code in c.offence_codes if code in offence_codes.LEGACY}
            codes = _recorded_codes(_current_codes(c), legacy)
            b.add(t.offence_code_recorded.isin(codes))
        elif c.crime_types:
            b.add(
                t.offence_code_recorded.isin(
                    _recorded_codes(_current_codes(c, by_crime_type=True), set())
                )
            )
        elif other_what:
            b.what_missing = (
                f"{label} has offence codes, not {' or '.join(other_what)}: rule `{rule_id}` "
                "names what it counts only that way, so it is not counted here (add "
                "offence_codes, offence_groups or crime_types to count it)"
            )
    elif source == "police_uk_street":
        if c.crime_types:
            b.add(t.crime_type.isin(list(c.crime_types)))
            if c.offence_codes or c.offence_groups:
                extra = _crime_type_extra(c)
                if extra:
                    b.over.append(
                        f"{label} has no offence code: rule `{rule_id}` is counted by crime type "
                        f"({', '.join(c.crime_types)}), which also holds offences the rule leaves "
                        f"out (e.g. {extra}), so it over-counts"
                    )
        elif c.has_what:
            b.what_missing = (
                f"{label} has only a crime type, and rule `{rule_id}` gives no crime_types, so "
                "it is not counted here (add crime_types to count it approximately)"
            )
    elif source == "ed_assault":
        if c.assault_methods:
            b.add(t.assault_method.isin(list(c.assault_methods)))
        elif c.has_what:
            b.what_missing = (
                f"{label} records how an assault was done, not the offence: rule `{rule_id}` "
                "gives no assault_methods, so it is not counted here (add assault_methods to "
                "count it)"
            )
    elif source == "partner_aggregate":
        if c.icd10:
            b.add(t.measure.isin([ICD10_MEASURES[g] for g in c.icd10]))
        else:
            b.what_missing = (
                f"{label} holds counts of several measures (hospital admissions, first time "
                f"entrants, fires, ...): rule `{rule_id}` gives no icd10 group naming a "
                "measure, so it is not counted here"
            )

    # Who: ages and sex.
    for key, column, person in (
        ("victim_age", "victim_age", "victim"),
        ("suspect_age", "suspect_age", "suspect"),
    ):
        age = getattr(c, key)
        if age is None:
            continue
        if source == "police_crime" and _has(t, column):
            b.add(_age_in(t[column], age))
        elif key == "victim_age" and source in ("ed_assault", "partner_aggregate"):
            b.add(_band_in(t.age_band, age))
            b.under.append(
                f"{label} has age bands, not ages: a band that straddles {age.phrase()} "
                f"(e.g. 20-29 for under 25) or 'All ages' is counted out of rule `{rule_id}`, "
                "so it may under-count"
            )
        else:
            b.missing.append(
                (
                    f"{person} age",
                    f"{label} has no {person} age: rule `{rule_id}` counts all ages here, not "
                    f"only {age.phrase()}, so it over-counts",
                )
            )
    if c.victim_sex:
        column = {"police_crime": "victim_sex", "ed_assault": "sex", "partner_aggregate": "sex"}
        if source in column:
            b.add(t[column[source]].isin(list(c.victim_sex)))
            if source == "partner_aggregate":
                b.under.append(
                    f"{label}: rows for 'Persons' (both sexes together) are counted out of rule "
                    f"`{rule_id}`, so it may under-count"
                )
        else:
            b.missing.append(
                (
                    "victim sex",
                    f"{label} has no victim sex: rule `{rule_id}` counts every sex here, not "
                    f"only {', '.join(c.victim_sex)}, so it over-counts",
                )
            )

    # Where.
    places = {"police_crime": c.location_types, "ed_assault": c.istv_location_types}
    if c.place or c.location_types or c.istv_location_types:
        codes = PLACES[c.place].get(source, ()) if c.place else places.get(source, ())
        if codes and source in places:
            b.add(t.location_type.isin(list(codes)))
        else:
            wanted = c.place.replace("_", " ") if c.place else "the listed location types"
            b.missing.append(
                (
                    "location type",
                    f"{label} has no location type: rule `{rule_id}` counts every place here, "
                    f"not only {wanted}, so it over-counts",
                )
            )

    # Flags.
    for name, wanted in c.flags:
        column = FLAGS[name]
        if source == "police_crime" and _has(t, column):
            b.add(t[column] == wanted)
        elif source == "ed_assault" and name in _ED_FLAG_METHODS:
            method = _ED_FLAG_METHODS[name]
            if wanted:
                b.add(t.assault_method == method)
            else:
                b.add(~t.assault_method.isin([method, "not_known"]))
        elif source == "partner_aggregate" and name == "knife" and wanted and c.icd10 == ("X99",):
            pass  # X99 is assault by a sharp object: the flag holds by the measure itself
        else:
            what = "with" if wanted else "without"
            b.missing.append(
                (
                    f"{name.replace('_', ' ')} flag",
                    f"{label} has no {name.replace('_', ' ')} flag: rule `{rule_id}` counts "
                    f"crimes with and without it here, not only those {what} it, so it "
                    "over-counts",
                )
            )
            if not c.has_what and not b.what_missing:
                # A rule that names no offence is defined by its flags: without them a source
                # would count everything else the rule asks (every young victim, say) as it.
                b.what_missing = (
                    f"{label} has no {name.replace('_', ' ')} flag, and rule `{rule_id}` names "
                    "no offence, so the flag is what it counts: it is not counted here"
                )
    return b


def _crime_type_extra(c: Criteria) -> str:
    """Offences published under the rule's crime types that the rule itself leaves out."""
    named = set(_current_codes(c))
    extra = []
    for code, o in offence_codes.OFFENCES.items():
        if o.police_uk_type in c.crime_types and (code not in named or not o.verified):
            extra.append(f"{code} {o.name}")
    return ", ".join(extra[:3]) + (", ..." if len(extra) > 3 else "")


def compile_rule(rule: Rule, source: str, table: ir.Table) -> RulePlan:
    """One rule as a predicate over `table`, the canonical table of `source`."""
    label = SOURCES[source]
    include = _compile_block(source, rule.criteria, table, rule.id)
    notes: list[Note] = []

    def note(kind: str, text: str, direction: str | None) -> None:
        notes.append(Note(source, kind, text, rule.id, direction))

    if include.what_missing or include.predicate is None:
        lacking = ", ".join(m for m, _ in include.missing) or "what it asks"
        text = include.what_missing or (
            f"{label} has none of what rule `{rule.id}` asks ({lacking}), so it is not counted here"
        )
        note(NOT_EVALUABLE, text, "under")
        return RulePlan(rule, source, NOT_EVALUABLE, None, under=True, notes=tuple(notes))

    over, under = bool(include.missing or include.over), bool(include.under)
    for text in [t for _, t in include.missing] + include.over:
        note(APPROXIMATE, text, "over")
    for text in include.under:
        note(APPROXIMATE, text, "under")
    predicate = include.predicate.fill_null(False)
    for i, block in enumerate(rule.exclude):
        ex = _compile_block(source, block, table, rule.id)
        which = f"exclusion {i + 1} of rule `{rule.id}` ({block.summary()})"
        if ex.what_missing or ex.missing or ex.predicate is None:
            if ex.missing:
                why = f"{label} has no {', '.join(m for m, _ in ex.missing)}"
            else:
                why = "the exclusion names what it excludes only in other sources' terms"
            note(
                APPROXIMATE,
                f"{label} cannot evaluate {which}: nothing is excluded by it here, so the "
                f"rule over-counts ({why})",
                "over",
            )
            over = True
            continue
        # An exclusion that takes too many rows leaves too few in, and the other way round.
        for text in ex.over:
            note(
                APPROXIMATE,
                f"{which} may exclude too much, so the rule may under-count: {text}",
                "under",
            )
            under = True
        for text in ex.under:
            note(
                APPROXIMATE,
                f"{which} may exclude too little, so the rule may over-count: {text}",
                "over",
            )
            over = True
        predicate = predicate & ~ex.predicate.fill_null(False)
    evaluation = APPROXIMATE if (over or under) else EXACT
    return RulePlan(rule, source, evaluation, predicate, over, under, tuple(notes))


def compile_source(
    definition: Definition, source: str, table: ir.Table | None = None
) -> SourcePlan:
    """Every rule of `definition` compiled for `source` (a canonical table name).

    With no `table`, the rules are compiled against the canonical schema alone (no warehouse):
    enough to say how each rule is evaluated there.
    """
    if source not in SOURCES:
        raise ValueError(
            f"{source!r} is not a table a definition applies to; use one of {', '.join(SOURCES)}"
        )
    table = canonical_table(source) if table is None else table
    rules = tuple(compile_rule(r, source, table) for r in definition.rules)
    notes = [*_source_notes(definition, source, rules)]
    notes += [n for r in rules for n in r.notes]
    return SourcePlan(definition, source, table, rules, tuple(notes))


def compile_all(definition: Definition) -> dict[str, SourcePlan]:
    """The definition compiled against each source's canonical schema (no warehouse needed)."""
    return {source: compile_source(definition, source) for source in SOURCES}


_IBIS_TYPES = {
    "TEXT": "string",
    "BIGINT": "int64",
    "INTEGER": "int32",
    "SMALLINT": "int16",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "DOUBLE PRECISION": "float64",
}


def canonical_table(source: str) -> ir.Table:
    """An unbound Ibis table with the canonical columns of `source` (svduty.warehouse.schema)."""
    columns = {}
    for name, sql_type, _ in schema.TABLES[source][1]:
        base = next(t for t in sorted(_IBIS_TYPES, key=len, reverse=True) if sql_type.startswith(t))
        columns[name] = _IBIS_TYPES[base]
    return ibis.table(columns, name=source)


def _source_notes(definition: Definition, source: str, rules: tuple[RulePlan, ...]) -> list[Note]:
    label = SOURCES[source]
    blocks = [r.criteria for r in definition.rules] + [
        e for r in definition.rules for e in r.exclude
    ]
    notes: list[Note] = []

    def info(text: str) -> None:
        notes.append(Note(source, "info", text))

    if source == "police_crime":
        if any(b.offence_codes or b.offence_groups for b in blocks):
            info(
                "Legacy offence codes count as today's: a rule naming 5D also takes 5A, 5E takes "
                "5B and 5C, and 8N takes 8F and 8G (5A was split into 5D and 5E; all of it counts "
                "as 5D). A rule naming a legacy code itself takes only crimes recorded under it."
            )
        info(
            "A blank value never matches: a crime with no victim age is outside every age "
            "criterion, and a blank flag neither brings a crime in nor excludes it."
        )
    elif source == "police_uk_street":
        info(
            "police.uk publishes one crime type per crime: no offence code, age, sex, place "
            "type or flag, so most rules are approximate or cannot be counted here."
        )
    elif source == "ed_assault":
        if any(dict(b.flags).keys() & _ED_FLAG_METHODS.keys() for b in blocks):
            info(
                "On ED assault data the knife flag is the assault method knife_sharp and the "
                "firearm flag the method firearm (a method not_known is neither with nor without)."
            )
        info("Every row is an attendance for an injury from assault: there is no offence code.")
    elif source == "partner_aggregate":
        info(
            "Each row is a count, not a person: sum `count` over the rows in scope. A suppressed "
            "count is null and adds nothing, so the sum is a floor; rows for 'All ages' or "
            "'Persons' next to banded rows would count people twice, so sum one breakdown."
        )
    missing = [r.rule.id for r in rules if r.evaluation == NOT_EVALUABLE]
    if missing and len(missing) < len(rules):
        info(
            f"{len(missing)} of {len(rules)} rules cannot be counted on {label} "
            f"({', '.join(missing)}): rows only they would take are out of scope here, so the "
            "in-scope count is a floor for them."
        )
    elif missing:
        info(f"No rule of {definition.label} can be counted on {label}: nothing is in scope here.")
    return notes
