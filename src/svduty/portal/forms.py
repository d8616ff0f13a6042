"""Forms for signing in, two-factor codes, people's roles and data sharing agreements.

Every form renders the GOV.UK way (portal/_field.html): a label, a hint, the error next
to the field and an error summary whose links land on the field. :class:`Accessible` gives each
widget the class and the ``aria-describedby`` that pattern needs.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from svduty.portal.models import Agreement, Organisation, PartnershipGroup
from svduty.portal.roles import Role
from svduty.sources.feeds import FEEDS

__all__ = [
    "AgreementForm",
    "CodeForm",
    "PersonForm",
    "SignInForm",
    "health_problem",
]

# the Act as the error messages cite it
ACT = "the Police, Crime, Sentencing and Courts Act 2022"
_GROUPED = ("radioselect", "checkboxselectmultiple")


class Accessible:
    """Mixin: widget classes, hints and errors tied to their field, and the error summary."""

    def _style(self) -> None:
        for name, field in self.fields.items():
            widget = field.widget
            kind = type(widget).__name__.lower()
            if isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
                widget.attrs.setdefault("class", "select")
            elif isinstance(widget, forms.Textarea):
                widget.attrs.setdefault("class", "textarea")
                widget.attrs["rows"] = 4
            elif not isinstance(widget, forms.CheckboxInput) and kind not in _GROUPED:
                widget.attrs.setdefault("class", "input")
            if field.help_text and kind not in _GROUPED:
                widget.attrs["aria-describedby"] = f"id_{name}-hint"
            # GOV.UK error wording says what to do, not "This field is required."
            if (
                field.error_messages.get("required")
                == forms.Field.default_error_messages["required"]
            ):
                label = str(field.label or name)
                label = label if label[:2].isupper() else label[0].lower() + label[1:]
                chooses = kind in _GROUPED or isinstance(widget, forms.Select)
                field.error_messages["required"] = f"{'Choose' if chooses else 'Enter'} {label}."

    def full_clean(self) -> None:
        super().full_clean()
        # a field in error is described by its error message too, and marked invalid
        for name in self.errors:
            if name not in self.fields or self[name].widget_type in _GROUPED:
                continue  # a group's fieldset is described by its error (_field.html)
            widget = self.fields[name].widget
            ids = [i for i in widget.attrs.get("aria-describedby", "").split() if i]
            if f"id_{name}-error" not in ids:
                ids.append(f"id_{name}-error")
            widget.attrs["aria-describedby"] = " ".join(ids)
            widget.attrs["aria-invalid"] = "true"

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary; a group's anchor is its first option."""
        links = []
        for name, errors in self.errors.items():
            if name in self.fields:
                bound = self[name]
                anchor = bound.auto_id + ("_0" if bound.widget_type in _GROUPED else "")
            else:  # errors of the whole form point at the first field
                anchor = self[next(iter(self.fields))].auto_id
            links += [(f"#{anchor}", message) for message in errors]
        return links


class SignInForm(Accessible, AuthenticationForm):
    """Username and password. Django checks them through django-axes, which refuses a person
    locked out after too many failures before the password is even looked at."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update(autocomplete="username", spellcheck="false")
        self.fields["password"].widget.attrs.update(autocomplete="current-password")
        self._style()


class CodeForm(Accessible, forms.Form):
    """A six-digit code from an authenticator app (spaces are ignored)."""

    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6-digit code the app shows now, for example 123456.",
        max_length=12,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            autocomplete="one-time-code", inputmode="numeric", spellcheck="false"
        )
        self._style()

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the 6-digit code, numbers only.")
        return code


class PersonForm(Accessible, forms.Form):
    """A person's role, organisation and partnership groups."""

    role = forms.ChoiceField(
        label="Role",
        widget=forms.RadioSelect,
        choices=[
            (Role.ANALYST.value, "Partnership analyst"),
            (Role.DATA_LEAD.value, "Partner data lead"),
            (Role.BOARD.value, "Board member"),
            (Role.VIEWER.value, "Viewer"),
        ],
        help_text="What the person may do in the portal.",
    )
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.all(),
        empty_label="Choose an organisation",
        help_text="The body the person acts for; a data lead uploads its extracts.",
    )
    groups = forms.ModelMultipleChoiceField(
        label="Partnership groups",
        queryset=PartnershipGroup.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The board or local groups the person sits on.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


def _feed_choices() -> list[tuple[str, str]]:
    return [(fid, f"{feed.title} ({fid})") for fid, feed in FEEDS.items()]


def health_problem(parties, feeds) -> str | None:
    """Why these parties and feeds may only share aggregate or anonymised data, or None.

    s16(4) of the 2022 Act means s16 itself does not authorise disclosing patient information or
    personal information from a health or social care body (other gateways may); svduty's own
    safeguard is to take such data as aggregate or anonymised figures only.
    """
    health_parties = [str(o) for o in parties if o.kind in Organisation.HEALTH]
    health_feeds = [f for f in feeds if f in FEEDS and FEEDS[f].health]
    if not (health_parties or health_feeds):
        return None
    what = []
    if health_parties:
        what.append("health or social care parties (" + ", ".join(health_parties) + ")")
    if health_feeds:
        what.append("health feeds (" + ", ".join(health_feeds) + ")")
    return (
        f"This agreement has {' and '.join(what)}, so svduty takes its data as aggregate or "
        f"anonymised figures only: s16(4) of {ACT} means s16 itself does not authorise "
        "disclosing patient information or personal information from a health or social care "
        "body (other gateways may), and svduty's own safeguard is to hold no such personal "
        "data. Tick 'Aggregate or anonymised data only'."
    )


class AgreementForm(Accessible, forms.ModelForm):
    """A data sharing agreement, checked against the Act and svduty's feeds."""

    feeds = forms.MultipleChoiceField(
        label="Feeds covered",
        choices=_feed_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The svduty feeds the parties may upload under this agreement.",
        error_messages={
            "invalid_choice": "%(value)s is not a feed svduty takes: choose from the list.",
            "required": "Choose at least one feed the agreement covers.",
        },
    )

    class Meta:
        model = Agreement
        fields = [
            "title", "parties", "owner", "purpose", "legal_basis", "gdpr_basis",
            "data_categories", "feeds", "aggregate_only", "retention", "starts", "review_date",
            "withdrawn",
        ]  # fmt: skip
        labels = {
            "title": "Title",
            "parties": "Parties",
            "owner": "Owner",
            "purpose": "Purpose",
            "legal_basis": "Power to share under the 2022 Act",
            "gdpr_basis": "UK GDPR basis",
            "data_categories": "Data categories",
            "aggregate_only": "Aggregate or anonymised data only",
            "retention": "Retention",
            "starts": "Starts",
            "review_date": "Review date",
            "withdrawn": "Withdrawn",
        }
        help_texts = {
            "parties": "Every organisation that signed the agreement.",
            "owner": "The party that answers for the agreement and reviews it. It must be one "
            "of the parties.",
            "purpose": "Why the data is shared: for example, to prepare the strategic needs "
            "assessment under s8 of the 2022 Act.",
            "legal_basis": "s16 lets duty holders disclose to each other; s17 lets the police "
            "and crime commissioner ask for information.",
            "gdpr_basis": "The UK GDPR Article 6 condition, and the Article 9 or 10 condition "
            "with its Data Protection Act 2018 Schedule 1 condition where special category or "
            "criminal offence data is shared.",
            "data_categories": "What is shared, for example: crimes recorded, by offence, date "
            "and place; no names.",
            "aggregate_only": "Required by svduty for health and social care data (its own "
            "safeguard: s16(4) of the 2022 Act means s16 itself does not authorise sharing "
            "their personal information).",
            "retention": "How long the data is kept, for example: 7 years from receipt.",
            "starts": "The first day sharing may happen, for example 2026-04-01.",
            "review_date": "Uploads stop after this day until the agreement is reviewed.",
            "withdrawn": "Tick if a party has withdrawn: uploads stop at once.",
        }
        widgets = {
            "parties": forms.CheckboxSelectMultiple,
            "legal_basis": forms.RadioSelect,
            "starts": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "review_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].empty_label = "Choose the owner"
        self.fields["legal_basis"].choices = Agreement.LegalBasis.choices  # no blank radio
        self.fields["parties"].error_messages["required"] = "Choose the parties to the agreement."
        self._style()

    def clean(self):
        cleaned = super().clean()
        parties = list(cleaned.get("parties") or [])
        feeds = cleaned.get("feeds") or []
        unknown = [f for f in feeds if f not in FEEDS]
        if unknown:  # the choices already refuse these; kept for data posted around the form
            self.add_error("feeds", f"Unknown feeds: {', '.join(unknown)}.")
        problem = health_problem(parties, feeds)
        if problem and not cleaned.get("aggregate_only"):
            self.add_error("aggregate_only", problem)
        starts, review = cleaned.get("starts"), cleaned.get("review_date")
        if starts and review and review <= starts:
            self.add_error(
                "review_date",
                f"The review date must be after the start date ({starts.day} {starts:%B %Y}).",
            )
        owner = cleaned.get("owner")
        if owner and parties and owner not in parties:
            self.add_error(
                "owner", f"The owner must be one of the parties: tick {owner} under Parties."
            )
        return cleaned
