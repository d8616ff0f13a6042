"""The upload form: a feed the organisation may share today, and a CSV (or .csv.gz) file.

The feed is checked against the organisation's agreements when the form is posted, not only
when it is shown, so a feed that is blocked (or a forged value) is refused with the reason and
who can fix it.
"""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat

from svduty.portal import uploads
from svduty.portal.agreements import Permit
from svduty.portal.models import Organisation
from svduty.sources.feeds import FEEDS

__all__ = ["UploadForm"]


class UploadForm(forms.Form):
    feed = forms.CharField(
        label="Which feed is this file for?",
        error_messages={"required": "Choose the feed the file is for"},
    )
    file = forms.FileField(
        label="Upload a file",
        error_messages={
            "required": "Choose the file to upload",
            "empty": "The file is empty: choose the extract again",
        },
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.permits: dict[str, Permit] = uploads.feed_permits(organisation)

    @property
    def allowed(self) -> list[tuple[str, str, str]]:
        """(feed id, title, description) of the feeds the organisation may upload today."""
        return [(f, FEEDS[f].title, FEEDS[f].description) for f, p in self.permits.items() if p.ok]

    @property
    def blocked(self) -> list[tuple[str, str, Permit]]:
        """(feed id, title, permit) of the feeds it may not, with why and who can fix it."""
        return [(f, FEEDS[f].title, p) for f, p in self.permits.items() if not p.ok]

    def clean_feed(self) -> str:
        feed_id = self.cleaned_data["feed"]
        permit = self.permits.get(feed_id) or uploads.may_share(self.organisation, feed_id)
        if not permit.ok:
            raise forms.ValidationError(f"{permit.reason} {permit.fix}")
        return feed_id

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(uploads.SUFFIXES):
            raise forms.ValidationError(
                "The file must be a CSV file (.csv) or a gzipped CSV file (.csv.gz); save a "
                "spreadsheet as 'CSV UTF-8 (Comma delimited)' first"
            )
        limit = uploads.max_bytes()
        if f.size > limit:
            raise forms.ValidationError(
                f"The file must be smaller than {filesizeformat(limit)}: compress it (.csv.gz) "
                "or split it, e.g. by month"
            )
        return f
