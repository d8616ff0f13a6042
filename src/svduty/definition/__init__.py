"""The local definition of serious violence as versioned data, compiled to warehouse predicates.

- ``model``: the dataclasses, reading and validation (``load``, ``loads``, ``problems``);
- ``vocabulary``: the codes a rule may use, from the sources that record them;
- ``compile``: rules to Ibis predicates per source table, with what each source cannot see;
- ``apply``: a table annotated with in_scope, strand, matched_rule and evaluation;
- ``diff``: two definitions compared, rule by rule and row by row.

How to write a definition: docs/definitions.md.
"""

from svduty.definition.apply import Annotated, annotate, apply, scope_counts
from svduty.definition.compile import SOURCES, Note, compile_all, compile_source
from svduty.definition.diff import diff, rule_changes
from svduty.definition.model import (
    Criteria,
    Definition,
    DefinitionError,
    Rule,
    load,
    loads,
    problems,
    resolve,
    shipped,
)

__all__ = [
    "SOURCES",
    "Annotated",
    "Criteria",
    "Definition",
    "DefinitionError",
    "Note",
    "Rule",
    "annotate",
    "apply",
    "compile_all",
    "compile_source",
    "diff",
    "load",
    "loads",
    "problems",
    "resolve",
    "rule_changes",
    "scope_counts",
    "shipped",
]
