"""`python -m svduty.portal seed_demo`: the demo organisations, groups, agreements and people."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from svduty.portal.models import Agreement, Organisation, PartnershipGroup
from svduty.portal.seed import load_partnership, seed


class Command(BaseCommand):
    help = (
        "Create the demo partnership from the partnership configuration: its organisations and "
        "groups, an agreement per feed (the fire one lapsed) and one person per role. Prints the "
        "new people's passwords once; a second run creates nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--partnership",
            metavar="PATH",
            help="partnership YAML (default: SVDUTY_PARTNERSHIP if it exists, else the bundled "
            "Avon and Somerset configuration)",
        )

    def handle(self, *args, partnership=None, **options):
        models = (Organisation, PartnershipGroup, Agreement)
        before = [m.objects.count() for m in models]
        made = seed(load_partnership(partnership))
        added = [m.objects.count() - b for m, b in zip(models, before, strict=True)]
        self.stdout.write(
            f"Added {added[0]} organisations, {added[1]} partnership groups and "
            f"{added[2]} agreements."
        )
        if not made:
            self.stdout.write(
                "The demo users exist already; their passwords were shown when they were made. "
                "Reset one with `python -m svduty.portal changepassword USERNAME`."
            )
            return
        width = max(len(u.username) for u in made)
        self.stdout.write("Demo users (the passwords are shown this once: note them now):")
        for u in made:
            self.stdout.write(f"  {u.username:<{width}}  {u.password}  {u.role}, {u.organisation}")
