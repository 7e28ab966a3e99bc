"""Quality tab: the edit burden of signed cases, per region and adapter version over time.

Plots (``gr.LinePlot``) of the edit rate (share of regions the clinician
changed) and the comparator's score of the AI draft against the signed text,
per region and adapter version, week by week, with the numbers beside them in
tables (by region and version; by week). Read from the feedback store's
``quality`` table (:mod:`pixtralogist.finetune.quality`): counts and rates
only, no report text and no case ids.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

QUALITY_KEYS = ("quality_summary", "quality_edit_plot", "quality_score_plot", "quality_table", "quality_weeks")
TABLE_COLUMNS = ["specialty", "region", "adapter version", "cases", "regions", "edit rate", "mean edit distance",
                 "mean score"]
WEEK_COLUMNS = ["week", "specialty", "region", "adapter version", "cases", "edit rate", "mean score"]


def build() -> dict[str, gr.components.Component]:
    c: dict[str, gr.components.Component] = {}
    c["quality_summary"] = gr.Markdown("No signed cases yet.", elem_id="quality-summary")
    with gr.Row(equal_height=False):
        c["quality_edit_plot"] = gr.LinePlot(x="week", y="edit_rate", color="series", title="Edit rate per region",
                                             y_title="share of regions edited", x_title="week",
                                             elem_id="quality-edit-plot", height=300)
        c["quality_score_plot"] = gr.LinePlot(x="week", y="mean_score", color="series",
                                              title="Comparator score of the draft vs the signed text",
                                              y_title="mean score", x_title="week", elem_id="quality-score-plot",
                                              height=300)
    c["quality_table"] = gr.Dataframe(headers=TABLE_COLUMNS, type="array", interactive=False, wrap=True,
                                      label="By region and adapter version", elem_id="quality-table")
    c["quality_weeks"] = gr.Dataframe(headers=WEEK_COLUMNS, type="array", interactive=False, wrap=True,
                                      max_height=360, label="By week", elem_id="quality-weeks")
    c["quality_refresh"] = gr.Button("Refresh", elem_id="quality-refresh")
    return c


def _r(v: float | None, nd: int = 3) -> Any:
    return "-" if v is None else round(v, nd)


def quality_view(store) -> tuple:
    """The tab's values (in ``QUALITY_KEYS`` order) from what has ``quality_rows()``: the service
    (:meth:`~pixtralogist.agents.service.ReportingService.quality_rows`, in or out of process) or a
    :class:`~pixtralogist.persistence.feedback.FeedbackStore`."""
    import pandas as pd

    from pixtralogist.finetune.quality import summarize

    rows = store.quality_rows()
    empty = pd.DataFrame({"week": [], "edit_rate": [], "mean_score": [], "series": []})
    if not rows:
        return ("No signed cases yet: the edit burden appears here once clinicians sign AI drafts.",
                empty, empty, [], [])
    weekly = summarize(rows, ("specialty", "region", "adapter_version", "week"))
    overall = summarize(rows, ("specialty", "region", "adapter_version"))
    frame = pd.DataFrame([{"week": g["week"], "edit_rate": g["edit_rate"],
                           "mean_score": g["mean_score"] if g["mean_score"] is not None else float("nan"),
                           "series": f"{g['region']} · {g['adapter_version']}"} for g in weekly])
    table = [[g["specialty"], g["region"], g["adapter_version"], g["cases"], g["regions"], _r(g["edit_rate"], 2),
              _r(g["mean_edit_distance"]), _r(g["mean_score"])] for g in overall]
    weeks = [[g["week"], g["specialty"], g["region"], g["adapter_version"], g["cases"], _r(g["edit_rate"], 2),
              _r(g["mean_score"])] for g in weekly]
    cases = len({r.case_id for r in rows})
    versions = sorted({r.adapter_version for r in rows})
    edited = sum(r.edited for r in rows) / len(rows)
    summary = (f"**{cases} signed cases**, {len(rows)} regions; {edited:.0%} of regions edited by the clinician. "
               f"Adapter versions: {', '.join(versions)}. Edit rate: lower is better; score: higher is better.")
    return summary, frame, frame.dropna(subset=["mean_score"]), table, weeks
