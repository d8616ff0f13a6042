"""The partnership configuration: who the duty holders are and how they are organised.

A partnership is described by one YAML file (``partnership.yaml`` in the data directory,
written by ``svduty init`` from the bundled Avon and Somerset default). ``load`` reads and
validates it; every error names the file and the offending key.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from svduty.errors import InputError

DEFAULT_YAML = Path(__file__).with_name("avon-and-somerset.yaml")

SPECIFIED_AUTHORITY_KINDS = frozenset(
    {
        "police",
        "probation",
        "youth_offending",
        "fire_and_rescue",
        "integrated_care_board",
        "local_authority",
    }
)
OTHER_BODY_KINDS = frozenset(
    {"police_and_crime_commissioner", "educational", "prison", "youth_custody"}
)

_LA_CODE = re.compile(r"^[EW]0[6-9]\d{6}$")
_PFA_CODE = re.compile(r"^(E23|W15)\d{6}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PartnershipConfigError(InputError):
    """The partnership YAML is missing a key or has a wrong value."""


class LocalAuthority(NamedTuple):
    code: str
    name: str
    local_partnership_group: str
    # the local partnership group's public contact ({"url", "email"}, either may be None); the
    # partnership-wide contact applies where a local authority gives none
    public_contact: dict[str, Any] | None = None


@dataclass(frozen=True)
class Partnership:
    name: str
    police_force_area: str
    police_uk_force: str
    local_authorities: tuple[LocalAuthority, ...]
    groups: tuple[dict[str, Any], ...]
    specified_authorities: tuple[dict[str, Any], ...]
    other_bodies: tuple[dict[str, Any], ...]
    local_definition: dict[str, Any]
    public_contact: dict[str, Any]
    # the place, as pages name it ("South Wales"); the force area's name where the file
    # gives none
    area_name: str = ""

    @property
    def local_authority_codes(self) -> tuple[str, ...]:
        return tuple(la.code for la in self.local_authorities)

    def group(self, name: str) -> dict[str, Any]:
        for g in self.groups:
            if g["name"] == name:
                return g
        raise KeyError(name)


def write_default(path: str | Path, *, overwrite: bool = False) -> Path:
    """Copy the bundled Avon and Somerset configuration to ``path``."""
    dest = Path(path)
    if dest.exists() and not overwrite:
        raise FileExistsError(
            f"{dest} already exists; not overwriting it (pass overwrite=True to replace it)"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEFAULT_YAML, dest)
    return dest


def load(path: str | Path = DEFAULT_YAML) -> Partnership:
    """Read and validate a partnership YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text)
        node = yaml.compose(text)
    except FileNotFoundError:
        raise PartnershipConfigError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise PartnershipConfigError(f"{path}: not valid YAML: {exc}") from None
    validator = _Validator(path, node)
    result = validator.partnership(raw)
    force_area_name = validator.reference(result)
    if not result.area_name:
        result = replace(result, area_name=force_area_name)
    return result


_STEP = re.compile(r"(\w+)|\[(\d+)\]")


class _Validator:
    def __init__(self, path: Path, node: yaml.Node | None = None) -> None:
        self.path = path
        self.node = node

    def line(self, where: str) -> int | None:
        """The line of ``where`` ("local_authorities[2].code") in the file, or of the nearest
        key above it that is there (a missing key's mapping)."""
        node, line = self.node, None
        for key, index in _STEP.findall(where):
            if isinstance(node, yaml.MappingNode) and key:
                match = [(k, v) for k, v in node.value if k.value == key]
                node = match[0][1] if match else None
                line = match[0][0].start_mark.line + 1 if match else line
            elif isinstance(node, yaml.SequenceNode) and index and int(index) < len(node.value):
                node = node.value[int(index)]
                line = node.start_mark.line + 1
            else:
                break
            if node is not None and not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
                line = node.start_mark.line + 1
        return line

    def fail(self, where: str, problem: str) -> PartnershipConfigError:
        line = self.line(where)
        at = f"{self.path}, line {line}" if line else str(self.path)
        return PartnershipConfigError(f"{at}: {where}: {problem}")

    def reference(self, p: Partnership) -> str:
        """Check the codes against the reference data: the force area is one of England and
        Wales's, every local authority code is current and inside that force area. Returns
        the force area's name."""
        from svduty.reference.force_areas import force_area_names, la_force_area
        from svduty.reference.geography import current_la

        names = force_area_names()
        if p.police_force_area not in names:
            raise self.fail(
                "police_force_area",
                f"{p.police_force_area} is not a police force area of England and Wales; "
                "`svduty init --force NAME` writes a file with the right code",
            )
        active, force_of = current_la(), la_force_area()
        for i, la in enumerate(p.local_authorities):
            where = f"local_authorities[{i}].code"
            if la.code not in active:
                raise self.fail(
                    where,
                    f"{la.code} ({la.name}) is not a local authority code ONS has issued; "
                    "check it against the ONS code lists (docs/partnership.md)",
                )
            current, current_name = active[la.code]
            if current != la.code:
                raise self.fail(
                    where,
                    f"{la.code} ({la.name}) is a superseded code: ONS replaced it by {current} "
                    f"({current_name}). Write {current} here and wherever {la.code} appears "
                    "in groups[].local_authorities",
                )
            if force_of.get(la.code) != p.police_force_area:
                other = force_of.get(la.code)
                raise self.fail(
                    where,
                    f"{la.code} ({la.name}) is in the {names.get(other, other)} police force "
                    f"area, not {names[p.police_force_area]} ({p.police_force_area}); remove it "
                    "or correct police_force_area",
                )
        return names[p.police_force_area]

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping, got {type(value).__name__}")
        return value

    def items(self, data: dict[str, Any], key: str, where: str) -> list[Any]:
        value = self.get(data, key, where)
        here = f"{where}{key}"
        if not isinstance(value, list) or not value:
            raise self.fail(here, "expected a non-empty list")
        return value

    def get(self, data: dict[str, Any], key: str, where: str) -> Any:
        if key not in data:
            raise self.fail(f"{where}{key}", "required key is missing")
        return data[key]

    def text(self, data: dict[str, Any], key: str, where: str, *, nullable=False) -> str | None:
        value = self.get(data, key, where)
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}{key}", f"expected non-empty text, got {value!r}")
        return value.strip()

    def partnership(self, raw: Any) -> Partnership:
        top = self.mapping(raw, "top level")
        pfa = self.text(top, "police_force_area", "")
        if not _PFA_CODE.match(pfa):
            raise self.fail("police_force_area", f"{pfa!r} is not a PFA code like E23000036")

        las: list[LocalAuthority] = []
        for i, item in enumerate(self.items(top, "local_authorities", "")):
            where = f"local_authorities[{i}]."
            item = self.mapping(item, where.rstrip("."))
            code = self.text(item, "code", where)
            if not _LA_CODE.match(code):
                raise self.fail(f"{where}code", f"{code!r} is not a local authority code")
            las.append(
                LocalAuthority(
                    code,
                    self.text(item, "name", where),
                    self.text(item, "local_partnership_group", where),
                    self.contact(item["public_contact"], f"{where}public_contact.")
                    if item.get("public_contact") is not None
                    else None,
                )
            )
        la_codes = {la.code for la in las}
        if len(la_codes) != len(las):
            raise self.fail("local_authorities", "a local authority code is listed twice")

        groups: list[dict[str, Any]] = []
        for i, item in enumerate(self.items(top, "groups", "")):
            where = f"groups[{i}]."
            item = self.mapping(item, where.rstrip("."))
            group = dict(item)
            group["name"] = self.text(item, "name", where)
            group["parent"] = self.text(item, "parent", where, nullable=True)
            codes = self.items(item, "local_authorities", where)
            for code in codes:
                if code not in la_codes:
                    raise self.fail(
                        f"{where}local_authorities", f"{code!r} is not in local_authorities"
                    )
            group["local_authorities"] = list(codes)
            groups.append(group)
        names = [g["name"] for g in groups]
        if len(set(names)) != len(names):
            raise self.fail("groups", "a group name is listed twice")
        for i, g in enumerate(groups):
            if g["parent"] is not None and g["parent"] not in names:
                raise self.fail(f"groups[{i}].parent", f"{g['parent']!r} is not a group name")
        for i, la in enumerate(las):
            if la.local_partnership_group not in names:
                raise self.fail(
                    f"local_authorities[{i}].local_partnership_group",
                    f"{la.local_partnership_group!r} is not a group name",
                )

        definition = self.mapping(self.get(top, "local_definition", ""), "local_definition")
        excerpt = definition.get("excerpt", False)
        if not isinstance(excerpt, bool):
            raise self.fail(
                "local_definition.excerpt",
                f"expected true or false, got {excerpt!r} (true: the text is an excerpt of the "
                "full definition at `source`)",
            )
        definition = {
            k: self.text(definition, k, "local_definition.")
            for k in ("id", "version", "text", "source")
        } | {"excerpt": excerpt}
        contact = self.contact(self.get(top, "public_contact", ""), "public_contact.")

        return Partnership(
            name=self.text(top, "name", ""),
            police_force_area=pfa,
            police_uk_force=self.text(top, "police_uk_force", ""),
            local_authorities=tuple(las),
            groups=tuple(groups),
            specified_authorities=tuple(
                self.bodies(top, "specified_authorities", SPECIFIED_AUTHORITY_KINDS)
            ),
            other_bodies=tuple(self.bodies(top, "other_bodies", OTHER_BODY_KINDS)),
            local_definition=definition,
            public_contact=contact,
            area_name=(self.text(top, "area_name", "", nullable=True) or "")
            if "area_name" in top
            else "",
        )

    def contact(self, raw: Any, where: str) -> dict[str, str | None]:
        contact = self.mapping(raw, where.rstrip("."))
        out = {
            "url": self.text(contact, "url", where, nullable=True),
            "email": self.text(contact, "email", where, nullable=True),
        }
        if out["email"] is not None and not _EMAIL.match(out["email"]):
            raise self.fail(f"{where}email", f"{out['email']!r} is not an email address")
        return out

    def bodies(self, top: dict[str, Any], key: str, kinds: frozenset[str]) -> list[dict]:
        out = []
        for i, item in enumerate(self.items(top, key, "")):
            where = f"{key}[{i}]."
            item = self.mapping(item, where.rstrip("."))
            body = dict(item)
            body["name"] = self.text(item, "name", where)
            kind = self.text(item, "kind", where)
            if kind not in kinds:
                raise self.fail(
                    f"{where}kind", f"{kind!r} is not one of {', '.join(sorted(kinds))}"
                )
            body["kind"] = kind
            out.append(body)
        return out
