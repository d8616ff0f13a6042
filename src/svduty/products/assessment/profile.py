"""When, who and what: the time, people and offence profiles of the violence counted
(svduty.analysis.evidence.when, .who and .what)."""

from __future__ import annotations

import pandas as pd

from svduty.analysis.evidence import what, when, who
from svduty.analysis.evidence.who import AGE_BANDS
from svduty.products import charts
from svduty.products.assessment.common import SOURCE_KINDS, Built, num, pct, source_name
from svduty.products.assessment.model import FigurePart, Finding, Paragraph, Section, Table
from svduty.products.assessment.people import people_parts
from svduty.products.assessment.scope import Context
from svduty.products.assessment.volumes import HEADLINE
from svduty.products.figure import Figure

SEASONAL = "fig-when-seasonal"
DAY_HOUR = "fig-when-day-hour"
AGES = "fig-who-ages"
ED_AGES = "fig-who-ed-ages"
OFFENCES = "fig-what-offences"
FLAGS = "fig-what-flags"
# Friday and Saturday evenings into the small hours (weekday 1 = Monday): the night-time economy
WEEKEND_NIGHTS = {(5, h) for h in range(20, 24)} | {(6, h) for h in (*range(4), *range(20, 24))}
WEEKEND_NIGHTS |= {(7, h) for h in range(4)}


def _caveats(result, *starts: str) -> tuple[str, ...]:
    return tuple(c for c in result.caveats if c.startswith(starts))


# ---- when ---------------------------------------------------------------------------------------


def when_section(ctx: Context) -> Built:
    m = ctx.measures.get(HEADLINE)
    seasonal = when.seasonal(
        ctx.view, m.source, measure=m, police_uk_force=ctx.area.police_uk_force
    )
    by_month = seasonal.by_month_of_year.dropna(subset=["mean_per_month"])
    table = by_month.rename(
        columns={
            "name": "Month",
            "months": "Months of data",
            "count": "Offences",
            "mean_per_month": "Mean per month",
        }
    )[["Month", "Months of data", "Offences", "Mean per month"]]
    seasons = seasonal.by_season.dropna(subset=["mean_per_month"]).set_index("season")
    high, low = (
        by_month.loc[by_month["mean_per_month"].idxmax()],
        by_month.loc[by_month["mean_per_month"].idxmin()],
    )
    busiest, quietest = seasons["mean_per_month"].idxmax(), seasons["mean_per_month"].idxmin()
    lift = seasons.loc[busiest, "mean_per_month"] / seasons.loc[quietest, "mean_per_month"] - 1
    alt_text = (
        f"Violence and sexual offences in {ctx.area.name} by month of the year, "
        f"{ctx.period.label}: most in {high['name']} ({num(high['mean_per_month'])} a month on "
        f"average), fewest in {low['name']} ({num(low['mean_per_month'])}). By season, "
        f"{busiest} averaged {num(seasons.loc[busiest, 'mean_per_month'])} a month, "
        f"{pct(lift)} more than {quietest} ({num(seasons.loc[quietest, 'mean_per_month'])})."
    )
    seasonal_fig = Figure(
        id=SEASONAL,
        title=f"Violence and sexual offences (police.uk) by month of the year, {ctx.area.name}, "
        f"{ctx.period.label}",
        alt=alt_text,
        table=table,
        source=source_name(ctx, m.source, seasonal.synthetic),
        chart=charts.seasonal(
            by_month, "month", "mean_per_month", value_title="Mean offences per month"
        ),
        definition_version=ctx.not_applied,
        synthetic=seasonal.synthetic,
        notes=_caveats(seasonal, "Seasons are", "Incomplete", "Only"),
    )
    day_hour_fig, night = _day_hour(ctx)
    parts = [
        Paragraph(
            "When violence happens: the month of the year from the open police.uk data (which "
            "give only the month), the day and hour from the force's records of the violence "
            "the local definition takes."
        ),
        FigurePart(seasonal_fig, digits={"Mean per month": 1}),
        FigurePart(day_hour_fig),
    ]
    findings = []
    if lift >= 0.1:
        findings.append(
            Finding(
                id="finding-when-season",
                rule="seasonal-peak",
                template=(
                    f"Violence peaks in {busiest}: {num(seasons.loc[busiest, 'mean_per_month'])} "
                    f"offences a month on average in {ctx.area.name}, {pct(lift)} more than in "
                    f"{quietest}."
                ),
                counts={},
                figure_id=SEASONAL,
                section="when",
                source_kind=SOURCE_KINDS[m.source],
                synthetic=seasonal.synthetic,
                numbers={"lift": lift},
                weight=2.0 + 5 * lift,
            )
        )
    if night is not None:
        findings.append(night)
    return Built(Section("when", "When", tuple(parts)), findings)


def _day_hour(ctx: Context) -> tuple[Figure, Finding | None]:
    r = when.day_hour(ctx.view, "police_crime", definition=ctx.definition)
    grid = r.grid.rename(columns={"day": "Day", "hour": "Hour", "count": "Crimes"})
    wide = grid.pivot(index="Day", columns="Hour", values="Crimes").reindex(list(when.DAYS))
    wide.columns = [f"{h:02d}:00" for h in wide.columns]
    table = wide.reset_index()
    peak = grid.loc[grid["Crimes"].idxmax()] if r.time_known else None
    night = sum(
        int(c)
        for d, h, c in zip(r.grid["weekday"], r.grid["hour"], r.grid["count"], strict=True)
        if (d, h) in WEEKEND_NIGHTS
    )
    share = night / r.time_known if r.time_known else None
    expected = len(WEEKEND_NIGHTS) / 168
    alt_text = (
        f"Police records in the scope of {ctx.definition.id} in {ctx.area.name}, "
        f"{ctx.period.label}, by day of the week and hour: {num(r.time_known)} of {num(r.rows)} "
        "have a time. "
        + (
            f"The busiest hour of the week is {peak['Day']} {int(peak['Hour']):02d}:00 to "
            f"{(int(peak['Hour']) + 1) % 24:02d}:00 ({num(peak['Crimes'])}). Friday and "
            f"Saturday nights (20:00 to 04:00) hold {pct(share)} of the crimes with a time, "
            f"against {pct(expected)} of the hours of the week."
            if peak is not None
            else "None has a time of day."
        )
    )
    figure = Figure(
        id=DAY_HOUR,
        title=f"Serious violence (local definition) by day and hour, {ctx.area.name}, "
        f"{ctx.period.label}",
        alt=alt_text,
        table=table,
        source=source_name(ctx, "police_crime", r.synthetic),
        chart=charts.heatmap(
            grid,
            "Hour",
            "Day",
            "Crimes",
            x_title="Hour of the day",
            y_title="Day of the week",
            value_title="Crimes",
            y_sort=list(when.DAYS),
        ),
        definition_version=r.definition_version,
        synthetic=r.synthetic,
        notes=_caveats(r, "Police records are counted", f"{r.time_not_known:,}"),
    )
    finding = None
    if share is not None and share >= 1.5 * expected:
        finding = Finding(
            id="finding-when-weekend-nights",
            rule="weekend-nights",
            template=(
                f"Friday and Saturday nights (20:00 to 04:00), {pct(expected)} of the hours of "
                f"the week, hold {pct(share)} of the serious violence with a recorded time in "
                f"{ctx.area.name} ({{night}} of {{timed}})."
            ),
            counts={"night": night, "timed": r.time_known},
            figure_id=DAY_HOUR,
            section="when",
            source_kind=SOURCE_KINDS["police_crime"],
            synthetic=r.synthetic,
            numbers={"share": share},
            weight=3.0 + 5 * (share - expected),
        )
    return figure, finding


# ---- who ----------------------------------------------------------------------------------------


def who_section(ctx: Context) -> Built:
    people = who.police_people(ctx.view, definition=ctx.definition)
    by_age = people.by_age[people.by_age["age_band"].isin(AGE_BANDS)]
    table = by_age.rename(
        columns={
            "role": "Role",
            "age_band": "Age band",
            "count": "People",
            "share_of_known": "Share of known ages (%)",
        }
    )[["Role", "Age band", "People", "Share of known ages (%)"]]
    table["Share of known ages (%)"] = pd.to_numeric(table["Share of known ages (%)"]) * 100
    table["Role"] = table["Role"].str.capitalize()
    shares = {s["role"]: s for s in people.under_25}
    sentences = [
        f"{role.capitalize()}s under 25: {pct(s['value'])} of those with a known age (95% "
        f"interval {pct(s['lower_95'])} to {pct(s['upper_95'])}; {num(s['numerator'])} of "
        f"{num(s['denominator'])}, with {num(s['not_known'])} not known)."
        for role, s in shares.items()
    ]
    figure = Figure(
        id=AGES,
        title=f"Victims and suspects by age band, serious violence (local definition), "
        f"{ctx.area.name}, {ctx.period.label}",
        alt=" ".join(sentences),
        table=table,
        source=source_name(ctx, "police_crime", people.synthetic),
        chart=charts.stacked_share(
            table,
            "Role",
            "Age band",
            "People",
            value_title="Share of people with a known age",
            part_title="Age band",
            part_order=list(AGE_BANDS),
        ),
        definition_version=people.definition_version,
        synthetic=people.synthetic,
        notes=_caveats(people, "Victim age", "Suspect age"),
    )
    sex = (
        people.by_age_sex[people.by_age_sex["role"] == "victim"]
        .groupby("sex", as_index=False)["count"]
        .sum()
        .rename(columns={"sex": "Victim sex", "count": "Victims"})
    )
    parts: list = [
        Paragraph(
            "Who is involved: the victims and suspects of the violence the local definition "
            "takes (police records), and the people treated in emergency departments after an "
            "assault."
        ),
        FigurePart(figure, digits={"Share of known ages (%)": 1}),
        Table(
            "tbl-who-sex",
            f"Victims by sex, serious violence (local definition), {ctx.area.name}",
            sex,
            source_name(ctx, "police_crime", people.synthetic),
            people.definition_version or ctx.definition_version,
            synthetic=people.synthetic,
        ),
    ]
    ed = _ed_ages(ctx)
    if ed is not None:
        parts.append(FigurePart(ed))
    parts.extend(people_parts(ctx))
    findings = []
    victim = shares.get("victim")
    if victim and victim["denominator"]:
        findings.append(
            Finding(
                id="finding-who-under-25",
                rule="under-25-share",
                template=(
                    f"{pct(victim['value'])} of the victims of serious violence (local "
                    f"definition) in {ctx.area.name} whose age is known were under 25 "
                    "({under} of {known}; 95% interval "
                    f"{pct(victim['lower_95'])} to {pct(victim['upper_95'])})."
                ),
                counts={"under": int(victim["numerator"]), "known": int(victim["denominator"])},
                figure_id=AGES,
                section="who",
                source_kind=SOURCE_KINDS["police_crime"],
                synthetic=people.synthetic,
                numbers={"share": victim["value"]},
                weight=5.0 + 5 * victim["value"],
            )
        )
    return Built(Section("who", "Who", tuple(parts)), findings)


def _ed_ages(ctx: Context) -> Figure | None:
    people = who.ed_people(ctx.view)
    frame = people.by_age_sex
    if frame.empty or not int(frame["count"].sum()):
        return None
    bands = (
        frame.assign(band=frame["age_band_sent"].fillna("not known"))
        .groupby("band", as_index=False, sort=False)["count"]
        .sum()
        .rename(columns={"band": "Age band (as sent)", "count": "Attendances"})
    )
    share = people.under_25[0]
    alt_text = (
        f"Emergency department attendances after an assault, {ctx.area.name}, "
        f"{ctx.period.label}: {num(share['rows'])} in all. Under 25: {pct(share['value'])} of "
        f"those whose age band lies wholly under or over 25 ({num(share['numerator'])} of "
        f"{num(share['denominator'])}; 95% interval {pct(share['lower_95'])} to "
        f"{pct(share['upper_95'])})."
    )
    return Figure(
        id=ED_AGES,
        title=f"Emergency department assault attendances by age band, {ctx.area.name}, "
        f"{ctx.period.label}",
        alt=alt_text,
        table=bands,
        source=source_name(ctx, "ed_assault", people.synthetic),
        chart=charts.bars(bands, "Age band (as sent)", "Attendances", value_title="Attendances"),
        definition_version=ctx.not_applied,
        synthetic=people.synthetic,
        notes=_caveats(people, "ED returns give", "An attendance"),
    )


# ---- what ---------------------------------------------------------------------------------------


def what_section(ctx: Context) -> Built:
    mix = what.offence_mix(ctx.view, ctx.definition)
    groups = mix.by_group.rename(
        columns={"offence_group": "Offence group", "count": "Crimes", "share": "Share (%)"}
    )
    groups["Share (%)"] = pd.to_numeric(groups["Share (%)"]) * 100
    top = groups.head(3)
    mix_fig = Figure(
        id=OFFENCES,
        title=f"Serious violence (local definition) by offence group, {ctx.area.name}, "
        f"{ctx.period.label}",
        alt=(
            f"{num(mix.rows)} police records in the scope of {ctx.definition.id}. The largest "
            "offence groups: "
            + "; ".join(
                f"{g} {num(n)} ({s:.0f}%)"
                for g, n, s in zip(
                    top["Offence group"], top["Crimes"], top["Share (%)"], strict=True
                )
            )
            + "."
        ),
        table=groups,
        source=source_name(ctx, "police_crime", mix.synthetic),
        chart=charts.bars(groups, "Offence group", "Crimes", value_title="Crimes"),
        definition_version=mix.definition_version,
        synthetic=mix.synthetic,
        notes=_caveats(mix, "Offence codes are"),
    )
    codes = mix.by_code.head(15).rename(
        columns={
            "offence_group": "Offence group",
            "offence_code": "Code",
            "offence": "Offence",
            "count": "Crimes",
            "share": "Share (%)",
        }
    )[["Code", "Offence", "Offence group", "Crimes", "Share (%)"]]
    codes["Share (%)"] = pd.to_numeric(codes["Share (%)"]) * 100
    flags_fig, findings = _flags(ctx)
    parts = [
        Paragraph(
            "What the violence is: the offences, the weapons and the circumstances the police "
            "flag, for the violence the local definition takes."
        ),
        FigurePart(mix_fig, digits={"Share (%)": 1}),
        Table(
            "tbl-what-codes",
            f"The 15 most common offences, serious violence (local definition), {ctx.area.name}",
            codes,
            source_name(ctx, "police_crime", mix.synthetic),
            mix.definition_version or ctx.definition_version,
            synthetic=mix.synthetic,
            digits={"Share (%)": 1},
        ),
        FigurePart(flags_fig, digits={"Share (%)": 1, "Lower 95%": 1, "Upper 95%": 1}),
    ]
    return Built(Section("what", "What", tuple(parts)), findings)


FLAG_NAMES = {
    "knife": "Knife or sharp instrument",
    "firearm": "Firearm",
    "domestic_abuse": "Domestic abuse",
    "alcohol": "Alcohol",
    "drugs": "Drugs",
    "exploitation": "Exploitation",
}


def _flags(ctx: Context) -> tuple[Figure, list[Finding]]:
    weapons = what.weapons(ctx.view, "police_crime", definition=ctx.definition)
    flags = what.flags(ctx.view, definition=ctx.definition)
    frame = pd.concat([weapons.frame, flags.frame], ignore_index=True)
    table = pd.DataFrame(
        {
            "Flag": frame["name"].map(FLAG_NAMES),
            "Crimes flagged": frame["numerator"],
            "Crimes where known": frame["denominator"],
            "Not known": frame["not_known"],
            "Share (%)": 100 * pd.to_numeric(frame["value"]),
            "Lower 95%": 100 * pd.to_numeric(frame["lower_95"]),
            "Upper 95%": 100 * pd.to_numeric(frame["upper_95"]),
        }
    )
    synthetic = weapons.synthetic or flags.synthetic
    alt_text = (
        f"Shares of the police records in the scope of {ctx.definition.id} in {ctx.area.name} "
        "with each flag (of those where it is known): "
        + "; ".join(
            f"{f.lower()} {s:.1f}% (95% interval {lo:.1f}% to {hi:.1f}%)"
            for f, s, lo, hi in zip(
                table["Flag"],
                table["Share (%)"],
                table["Lower 95%"],
                table["Upper 95%"],
                strict=True,
            )
        )
        + "."
    )
    figure = Figure(
        id=FLAGS,
        title=f"Weapons and circumstances flagged, serious violence (local definition), "
        f"{ctx.area.name}, {ctx.period.label}",
        alt=alt_text,
        table=table,
        source=source_name(ctx, "police_crime", synthetic),
        chart=charts.bars(
            table.dropna(subset=["Share (%)"]),
            "Flag",
            "Share (%)",
            lower="Lower 95%",
            upper="Upper 95%",
            value_title="Share of crimes where the flag is known (%)",
        ),
        definition_version=flags.definition_version,
        synthetic=synthetic,
        notes=_caveats(flags, "A blank flag"),
    )
    findings = []
    by_name = frame.set_index("name")
    for name, rule, weight in (("domestic_abuse", "domestic-abuse-share", 4.0),
                               ("knife", "knife-share", 3.0)):  # fmt: skip
        if name not in by_name.index or not by_name.loc[name, "denominator"]:
            continue
        r = by_name.loc[name]
        findings.append(
            Finding(
                id=f"finding-what-{name.replace('_', '-')}",
                rule=rule,
                template=(
                    f"{FLAG_NAMES[name]} is flagged on {pct(r['value'])} of the serious violence "
                    f"(local definition) in {ctx.area.name} ({{flagged}} of {{known}} crimes "
                    f"where the flag is known)."
                ),
                counts={"flagged": int(r["numerator"]), "known": int(r["denominator"])},
                figure_id=FLAGS,
                section="what",
                source_kind=SOURCE_KINDS["police_crime"],
                synthetic=synthetic,
                numbers={"share": float(r["value"])},
                weight=weight + 5 * float(r["value"]),
            )
        )
    return figure, findings
