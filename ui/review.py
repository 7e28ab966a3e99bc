"""Review: the AI/sign-off banner, the specialty choice, one editable box per
template region with its flags and guideline citations, the impression, sign-off
and export.

Templates differ in their regions, so the layout has :data:`MAX_REGIONS` fixed
region slots; the controller shows as many as the draft's template has and
labels them from ``Draft.region_labels``. Fixed slots keep every event wired
once, at build time, and inspectable through ``demo.config``.
"""

from __future__ import annotations

import gradio as gr

from pixtralogist.ui.render import banner_html

#: Region slots laid out; a template with more regions is refused with a clear message.
MAX_REGIONS = 12


def build(max_regions: int = MAX_REGIONS) -> dict[str, gr.components.Component]:
    c: dict[str, gr.components.Component] = {}
    c["status"] = gr.Markdown(elem_id="status")
    c["banner"] = gr.HTML(banner_html(None), elem_id="banner")

    with gr.Group(visible=False, elem_id="choose-specialty") as c["choose_group"]:
        c["choose_reason"] = gr.Markdown(elem_id="choose-reason")
        c["choose_radio"] = gr.Radio(label="Specialty for this case", choices=[], elem_id="choose-radio")
        c["choose_btn"] = gr.Button("Use this specialty", variant="primary", elem_id="choose-btn")

    with gr.Column(visible=False, elem_id="draft-panel") as c["draft_panel"]:
        gr.Markdown("#### Findings", elem_classes=["px-section"])
        for i in range(max_regions):
            with gr.Column(visible=False, elem_id=f"slot-{i}", elem_classes=["px-region"]) as c[f"slot_{i}"]:
                c[f"region_{i}"] = gr.Textbox(label=f"Region {i + 1}", lines=2, max_lines=8, elem_id=f"region-{i}")
                c[f"notes_{i}"] = gr.Markdown(elem_id=f"region-{i}-notes", elem_classes=["px-notes"])
        c["general_flags"] = gr.Markdown(elem_id="general-flags", elem_classes=["px-notes"])
        gr.Markdown("#### Impression", elem_classes=["px-section"])
        c["impression"] = gr.Textbox(
            label="Impression (one item per line)", lines=3, max_lines=10, elem_id="impression"
        )
        c["save_btn"] = gr.Button("Save edits", variant="secondary", elem_id="save-btn")

        with gr.Row(equal_height=True, elem_id="signoff"):
            c["sign_name"] = gr.Textbox(
                label="Clinician", placeholder="Your name as it should appear on the report", scale=3,
                elem_id="sign-name",
            )
            c["sign_btn"] = gr.Button("Sign report", variant="primary", scale=1, elem_id="sign-btn")
        with gr.Row(elem_id="export-row"):
            c["export_text"] = gr.Button("Export text", size="sm", elem_id="export-text")
            c["export_json"] = gr.Button("Export JSON", size="sm", elem_id="export-json")
            c["export_fhir"] = gr.Button("Export FHIR R4", size="sm", elem_id="export-fhir")
            # Shown only for a case with DICOM images (the SR is filed with the source study).
            c["export_dicom_sr"] = gr.Button("Export DICOM SR", size="sm", visible=False, elem_id="export-dicom-sr")
        c["export_file"] = gr.File(label="Download", interactive=False, visible=False, elem_id="export-file")
        with gr.Accordion("Provenance", open=False, elem_id="provenance-box") as c["provenance_box"]:
            c["provenance"] = gr.Markdown(elem_id="provenance")
    return c
