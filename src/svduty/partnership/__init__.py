"""The partnership configuration: who the duty holders are and how they are organised.

A partnership is described by one YAML file (``partnership.yaml`` in the data directory,
written by ``svduty init`` from the bundled Avon and Somerset default). ``load`` reads and
validates it; every error names the file and the offending key.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
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


class Problem(NamedTuple):
    """One problem in a partnership file: where (the key, and its line when known), what is
    wrong, and what would fix it."""

    key: str
    line: int | None
    problem: str
    fix: str

    def text(self, path: Path) -> str:
        at = f"{path}, line {self.line}" if self.line else str(path)
        return f"{at}: {self.key}: {self.problem}" + (f"; {self.fix}" if self.fix else "")


class PartnershipConfigError(InputError):
    """The partnership YAML is missing a key or has a wrong value. `problems` lists every
    problem found in the file (not only the first), each with its key, line and fix."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class _Stop(Exception):
    """A problem that leaves nothing below it to check (the file is not a mapping): stop."""


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
    try:
        result = validator.partnership(raw)
    except _Stop:
        result = None
    validator.raise_problems()
    if not result.area_name:
        from svduty.reference.force_areas import force_area_names

        result = replace(result, area_name=force_area_names()[result.police_force_area])
    return result


_STEP = re.compile(r"(\w+)|\[(\d+)\]")


class _Validator:
    """Checks a partnership file and collects EVERY problem in it (`problems`), so that a
    person fixes a file in one pass: a check that fails records its problem and the check
    around it goes on with the next key or item (`collect`)."""

    def __init__(self, path: Path, node: yaml.Node | None = None) -> None:
        self.path = path
        self.node = node
        self.problems: list[Problem] = []

    @contextlib.contextmanager
    def collect(self) -> Iterator[None]:
        """Record a failed check's problem and carry on after the block."""
        try:
            yield
        except PartnershipConfigError as exc:
            self.problems.extend(exc.problems)

    def raise_problems(self) -> None:
        if not self.problems:
            return
        unique = tuple(dict.fromkeys(self.problems))
        lines = [x.text(self.path) for x in unique]
        head = (
            lines[0]
            if len(lines) == 1
            else f"{self.path}: {len(lines)} problems:\n"
            + ("\n".join(f"- {line}" for line in lines))
        )
        raise PartnershipConfigError(head, unique)

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

    def fail(self, where: str, problem: str, fix: str = "") -> PartnershipConfigError:
        found = Problem(where, self.line(where), problem, fix)
        return PartnershipConfigError(found.text(self.path), (found,))

    def reference(self, pfa: str | None, las: list[LocalAuthority]) -> str:
        """Check the codes against the reference data: the force area is one of England and
        Wales's, every local authority code is current and inside that force area (each
        problem recorded, all of them). Returns the force area's name ("" when unknown)."""
        from svduty.reference.force_areas import force_area_names, la_force_area
        from svduty.reference.geography import current_la

        names = force_area_names()
        if pfa is not None and pfa not in names:
            self.problems.append(
                self.problem(
                    "police_force_area",
                    f"{pfa} is not a police force area of England and Wales",
                    "`svduty init --force NAME` writes a file with the right code",
                )
            )
            pfa = None
        active, force_of = current_la(), la_force_area()
        for i, la in enumerate(las):
            where = f"local_authorities[{i}].code"
            if la.code not in active:
                self.problems.append(
                    self.problem(
                        where,
                        f"{la.code} ({la.name}) is not a local authority code ONS has issued",
                        "check it against the ONS code lists (docs/partnership.md)",
                    )
                )
                continue
            current, current_name = active[la.code]
            if current != la.code:
                self.problems.append(
                    self.problem(
                        where,
                        f"{la.code} ({la.name}) is a superseded code: ONS replaced it by "
                        f"{current} ({current_name})",
                        f"Write {current} here and wherever {la.code} appears in "
                        "groups[].local_authorities",
                    )
                )
                continue
            if pfa is not None and force_of.get(la.code) != pfa:
                other = force_of.get(la.code)
                self.problems.append(
                    self.problem(
                        where,
                        f"{la.code} ({la.name}) is in the {names.get(other, other)} police "
                        f"force area, not {names[pfa]} ({pfa})",
                        "remove it or correct police_force_area",
                    )
                )
        return names.get(pfa, "") if pfa else ""

    def problem(self, where: str, problem: str, fix: str = "") -> Problem:
        return Problem(where, self.line(where), problem, fix)

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(
                where,
                f"expected a mapping, got {type(value).__name__}",
                "write `key: value` lines indented under it (docs/partnership.md)",
            )
        return value

    def items(self, data: dict[str, Any], key: str, where: str) -> list[Any]:
        value = self.get(data, key, where)
        here = f"{where}{key}"
        if not isinstance(value, list) or not value:
            raise self.fail(
                here, "expected a non-empty list", "list one item per line, each under `- `"
            )
        return value

    def get(self, data: dict[str, Any], key: str, where: str) -> Any:
        if key not in data:
            raise self.fail(
                f"{where}{key}",
                "required key is missing",
                "add it (docs/partnership.md has a complete example)",
            )
        return data[key]

    def text(self, data: dict[str, Any], key: str, where: str, *, nullable=False) -> str | None:
        value = self.get(data, key, where)
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(
                f"{where}{key}",
                f"expected non-empty text, got {value!r}",
                "write the text" + (" or null" if nullable else ""),
            )
        return value.strip()

    def partnership(self, raw: Any) -> Partnership | None:
        """The partnership, or None when the file has problems (all in `problems`)."""
        try:
            top = self.mapping(raw, "top level")
        except PartnershipConfigError as exc:
            self.problems.extend(exc.problems)
            raise _Stop from None
        pfa = None
        with self.collect():
            pfa = self.text(top, "police_force_area", "")
            if not _PFA_CODE.match(pfa):
                bad, pfa = pfa, None
                raise self.fail(
                    "police_force_area",
                    f"{bad!r} is not a PFA code like E23000036",
                    "`svduty init --force NAME` writes a file with the right code",
                )

        las: list[LocalAuthority] = []
        listed: set[str] = set()  # codes written, whether or not the item is valid otherwise
        with self.collect():
            for i, item in enumerate(self.items(top, "local_authorities", "")):
                where = f"local_authorities[{i}]."
                with self.collect():
                    item = self.mapping(item, where.rstrip("."))
                    la = self.local_authority(item, where, listed)
                    if la is not None:
                        las.append(la)
        if len(listed) != sum(1 for _ in self._codes(top)):
            self.problems.append(
                self.problem(
                    "local_authorities",
                    "a local authority code is listed twice",
                    "keep one item per authority",
                )
            )

        groups: list[dict[str, Any]] = []
        with self.collect():
            for i, item in enumerate(self.items(top, "groups", "")):
                where = f"groups[{i}]."
                with self.collect():
                    groups.append(self.group(item, where, listed))
        names = [g["name"] for g in groups]
        if len(set(names)) != len(names):
            self.problems.append(
                self.problem("groups", "a group name is listed twice", "rename one of them")
            )
        for i, g in enumerate(groups):
            if g["parent"] is not None and g["parent"] not in names:
                self.problems.append(
                    self.problem(
                        f"groups[{i}].parent",
                        f"{g['parent']!r} is not a group name",
                        f"write one of: {', '.join(names)}; or null",
                    )
                )
        if groups:
            for i, la in enumerate(las):
                if la.local_partnership_group not in names:
                    self.problems.append(
                        self.problem(
                            f"local_authorities[{i}].local_partnership_group",
                            f"{la.local_partnership_group!r} is not a group name",
                            f"write one of: {', '.join(names)}",
                        )
                    )

        definition = contact = None
        with self.collect():
            found = self.mapping(self.get(top, "local_definition", ""), "local_definition")
            definition = {}
            for k in ("id", "version", "text", "source"):
                with self.collect():
                    definition[k] = self.text(found, k, "local_definition.")
            excerpt = found.get("excerpt", False)
            if not isinstance(excerpt, bool):
                raise self.fail(
                    "local_definition.excerpt",
                    f"expected true or false, got {excerpt!r}",
                    "write true (the text is an excerpt of the full definition at `source`) "
                    "or false",
                )
            definition["excerpt"] = excerpt
        with self.collect():
            contact = self.contact(self.get(top, "public_contact", ""), "public_contact.")
        values: dict[str, Any] = {}
        for key in ("name", "police_uk_force"):
            with self.collect():
                values[key] = self.text(top, key, "")
        bodies: dict[str, list[dict]] = {}
        for key, kinds in (
            ("specified_authorities", SPECIFIED_AUTHORITY_KINDS),
            ("other_bodies", OTHER_BODY_KINDS),
        ):
            with self.collect():
                bodies[key] = self.bodies(top, key, kinds)
        area_name = ""
        if "area_name" in top:
            with self.collect():
                area_name = self.text(top, "area_name", "", nullable=True) or ""

        self.reference(pfa, las)
        if self.problems:
            return None
        return Partnership(
            name=values["name"],
            police_force_area=pfa,
            police_uk_force=values["police_uk_force"],
            local_authorities=tuple(las),
            groups=tuple(groups),
            specified_authorities=tuple(bodies["specified_authorities"]),
            other_bodies=tuple(bodies["other_bodies"]),
            local_definition=definition,
            public_contact=contact,
            area_name=area_name,
        )

    @staticmethod
    def _codes(top: dict[str, Any]) -> Iterator[str]:
        items = top.get("local_authorities")
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and isinstance(item.get("code"), str):
                yield item["code"].strip()

    def local_authority(self, item: dict, where: str, listed: set[str]) -> LocalAuthority | None:
        code = None
        with self.collect():
            code = self.text(item, "code", where)
            listed.add(code)
            if not _LA_CODE.match(code):
                bad, code = code, None
                raise self.fail(
                    f"{where}code",
                    f"{bad!r} is not a local authority code",
                    "write a nine-character ONS code like E06000023 or W06000015",
                )
        fields: dict[str, Any] = {}
        for key in ("name", "local_partnership_group"):
            with self.collect():
                fields[key] = self.text(item, key, where)
        contact = None
        if item.get("public_contact") is not None:
            with self.collect():
                contact = self.contact(item["public_contact"], f"{where}public_contact.")
        if code is None or len(fields) < 2:
            return None
        return LocalAuthority(code, fields["name"], fields["local_partnership_group"], contact)

    def group(self, item: Any, where: str, listed: set[str]) -> dict[str, Any]:
        item = self.mapping(item, where.rstrip("."))
        group = dict(item)
        group["name"] = self.text(item, "name", where)
        group["parent"] = None
        with self.collect():
            group["parent"] = self.text(item, "parent", where, nullable=True)
        group["local_authorities"] = []
        with self.collect():
            codes = self.items(item, "local_authorities", where)
            for code in codes:
                if code not in listed:
                    self.problems.append(
                        self.problem(
                            f"{where}local_authorities",
                            f"{code!r} is not in local_authorities",
                            "list only codes of local_authorities[].code",
                        )
                    )
            group["local_authorities"] = list(codes)
        return group

    def contact(self, raw: Any, where: str) -> dict[str, str | None]:
        contact = self.mapping(raw, where.rstrip("."))
        out: dict[str, str | None] = {"url": None, "email": None}
        for key in ("url", "email"):
            with self.collect():
                out[key] = self.text(contact, key, where, nullable=True)
        if out["email"] is not None and not _EMAIL.match(out["email"]):
            raise self.fail(
                f"{where}email",
                f"{out['email']!r} is not an email address",
                "write an address like name@example.org, or null",
            )
        return out

    def bodies(self, top: dict[str, Any], key: str, kinds: frozenset[str]) -> list[dict]:
        out = []
        for i, item in enumerate(self.items(top, key, "")):
            where = f"{key}[{i}]."
            with self.collect():
                item = self.mapping(item, where.rstrip("."))
                body = dict(item)
                body["name"] = self.text(item, "name", where)
                kind = self.text(item, "kind", where)
                if kind not in kinds:
                    raise self.fail(
                        f"{where}kind",
                        f"{kind!r} is not one of {', '.join(sorted(kinds))}",
                        "write one of those kinds",
                    )
                body["kind"] = kind
                out.append(body)
        return out
