"""The annual review (`svduty review --year YEAR`): how the year went against the strategy.

The Duty's guidance asks a partnership to review its strategy every year, evaluating its
interventions and refreshing the needs assessment. The review is one accessible HTML page for the
partnership (internal: exact figures are shown), built from the same analysis layer as the needs
assessment:

1. each measure of the strategy (the Home Office success measures when there is no strategy)
   in the year against its baseline year and against the year before, as a rate ratio with a 95%
   interval, with the Fingertips trend marker and one plain sentence;
2. every action of the strategy with its owner, milestone and status, overdue ones flagged;
3. what changed since last year: LSOA hotspots (Gi*) that are new, gone or persistent, and the
   measures whose change from last year is statistically significant;
4. each place-based intervention against matched comparison areas (difference in differences,
   :func:`svduty.analysis.evaluation.evaluate_place_based`), with its verdict verbatim, which
   says plainly when the data cannot tell;
5. the questions the partnership must answer for the refresh, each linked to its evidence.

Like with like. A year the data cover only in part (police.uk and the police extract in the demo
stop in September 2021) is never set against whole years: every comparison of a record-level
measure uses only the calendar months both years have (January to September 2021 against
January to September 2020, less any month missing from either), and rates are per year of the
months compared. Hotspots of the two years are found on the same months too. Sources published
by financial year (partner returns, ONS tables) are compared whole year with whole year: the
review year 2021 reads the financial year 2021/22, as the measures read the baseline 2019 as
2019/20. See docs/review.md.

The parts, one module each: ``build`` is the entry (:func:`build.build` puts the parts together
as the plain-data ``model.Review``; :func:`build.write`, from ``page``, writes the HTML);
``comparison`` (like with like: a year against an earlier one), ``measures``, ``actions``,
``hotspot_changes``, ``interventions``, ``questions``, ``sources`` (what each source is called and
how much of the year it covers), ``summary`` and ``words`` (months, titles and anchors as the page
writes them).
"""
