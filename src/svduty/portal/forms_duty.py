"""Forms for the Duty's process record: consultations, the review before publication (with what
was withheld and why) and where the strategy was sent. Rendered the GOV.UK way as every portal
form is (forms.Accessible)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from svduty.portal.forms import Accessible
from svduty.portal.models import Consultation, Dissemination, Withheld

__all__ = ["ConsultationForm", "DisseminationForm", "PublicationReviewForm", "WithheldForm"]


class ConsultationForm(Accessible, forms.ModelForm):
    """One consultation of a body. The area is chosen from the partnership's areas."""

    class Meta:
        model = Consultation
        fields = ["body", "kind", "area_id", "held_on", "method", "said", "response"]
        labels = {
            "body": "Body consulted",
            "kind": "Kind of body",
            "area_id": "Area",
            "held_on": "Date",
            "method": "How",
            "said": "What they said",
            "response": "What the partnership did with it",
        }
        help_texts = {
            "body": "For example: Somerset Council education service, HMP Bristol.",
            "kind": "Section 8(4) of the 2022 Act requires each educational, prison and youth "
            "custody authority to be consulted on the strategy.",
            "area_id": "The area whose strategy or needs assessment it informed; the whole "
            "partnership if it informed every area.",
            "held_on": "The day it was held or the consultation closed, for example 2026-03-14.",
            "method": "For example: a meeting of the partnership board, a written response, "
            "a survey.",
            "said": "A summary of what they said. No names of people or other personal data.",
            "response": "What changed in the strategy or the assessment because of it, or why "
            "nothing did. Leave blank until decided.",
        }
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, areas: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "The whole partnership"), *areas.items()]
        current = self.instance.area_id if self.instance and self.instance.pk else ""
        if current and current not in areas:  # an area since removed from the configuration
            choices.append((current, f"{current} (no longer in the configuration)"))
        self.fields["area_id"] = forms.ChoiceField(
            label="Area",
            choices=choices,
            required=False,
            help_text=self.fields["area_id"].help_text,
        )
        self._style()

    def clean_held_on(self):
        held = self.cleaned_data["held_on"]
        if held > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future: record it once held.")
        return held


class PublicationReviewForm(Accessible, forms.Form):
    """A named approver's confirmation that the content was reviewed against the grounds for
    withholding material (docs/duty.md, "Safe publication")."""

    confirm = forms.BooleanField(
        label="I have reviewed this version's content against the grounds on which material may "
        "be withheld, and recorded below anything left out",
        error_messages={"required": "Confirm that you have reviewed the content."},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        widget=forms.Textarea,
        help_text="Anything the partnership should know about the review.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class WithheldForm(Accessible, forms.ModelForm):
    """One thing left out of the published version."""

    class Meta:
        model = Withheld
        fields = ["what", "ground", "reason"]
        labels = {"what": "What was withheld", "ground": "Ground", "reason": "Why"}
        help_texts = {
            "what": "For example: the locations of the planned patrols in priority 2.",
            "reason": "How publishing it would harm the ground chosen; for another ground, cite "
            "the provision.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


WithheldFormSet = forms.formset_factory(WithheldForm, extra=3, max_num=20)


class DisseminationForm(Accessible, forms.ModelForm):
    """To whom, when and how the published strategy was sent."""

    class Meta:
        model = Dissemination
        fields = ["recipient", "sent_on", "method"]
        labels = {"recipient": "Sent to", "sent_on": "Date sent", "method": "How"}
        help_texts = {
            "recipient": "For example: the police and crime commissioner, the Home Office.",
            "sent_on": "For example 2026-04-02.",
            "method": "For example: by email, with a link to the published page.",
        }
        widgets = {"sent_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean_sent_on(self):
        sent = self.cleaned_data["sent_on"]
        if sent > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future: record it once sent.")
        return sent
