"""Cases: every case the service knows, to reopen and continue."""

from __future__ import annotations

import gradio as gr

from pixtralogist.ui.render import CASE_COLUMNS


def build() -> dict[str, gr.components.Component]:
    c: dict[str, gr.components.Component] = {}
    c["cases_table"] = gr.Dataframe(
        headers=CASE_COLUMNS, datatype=["str"] * len(CASE_COLUMNS), type="array", interactive=False,
        wrap=True, max_height=520, label="Cases (newest first) — click a row to open it", elem_id="cases-table",
    )
    with gr.Row(equal_height=True):
        c["cases_pick"] = gr.Dropdown(label="Case", choices=[], scale=3, elem_id="cases-pick")
        c["cases_open"] = gr.Button("Open case", variant="primary", scale=1, elem_id="cases-open")
        c["cases_refresh"] = gr.Button("Refresh", scale=1, elem_id="cases-refresh")
    return c
