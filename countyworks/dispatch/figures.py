"""How a weekly figure adds up to date — declared per figure of a reporting form (its
"aggregation"), the one place every total, statistic, cockpit and bulletin asks.

- "sum": each week reports the week's own increment (trees planted this week); to date = Σ weeks.
- "latest": each week reports a running count of distinct people or things (乡贤 visited so far);
  to date = the unit's latest reported value — summing it would count the same people again.
"""

SUM, LATEST = "sum", "latest"
AGGREGATIONS = {SUM: "按周累加（本周完成数）", LATEST: "取最新累计值（截至本周累计人数）"}
# the words an office writes in the form editor's fourth column
WORDS = {"累加": SUM, "求和": SUM, "sum": SUM, "取最新": LATEST, "最新": LATEST, "latest": LATEST}
WORD_OF = {SUM: "累加", LATEST: "取最新"}


def aggregation(field):
    value = field.get("aggregation") or SUM
    return value if value in AGGREGATIONS else SUM


def aggregation_label(field):
    return AGGREGATIONS[aggregation(field)]
