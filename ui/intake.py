"""Intake: the study (1-4 PNG/JPEG/DICOM images), the clinical context and the dictation.

``build`` lays the components out; the helpers load and window the images with
:mod:`pixtralogist.core.imaging` (every upload goes through its one ingestion
path, so previews show exactly what the agent will see).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import gradio as gr

from pixtralogist.core.imaging import CT_WINDOW_PRESETS, build_case, load_study, window_dicom
from pixtralogist.core.models import MAX_IMAGES_PER_CASE, Case, Specialty, StudyImage

AUTO = "auto"
FILE_WINDOW = "file default"
WINDOW_PRESETS: dict[str, tuple[float, float] | None] = {FILE_WINDOW: None, **CT_WINDOW_PRESETS}


def specialty_choices(installed: Mapping[str, Specialty]) -> list[tuple[str, str]]:
    return [("Auto (route from images and notes)", AUTO)] + [(s.label, name) for name, s in installed.items()]


def build(installed: Mapping[str, Specialty],
          examples: Sequence[tuple[str, str]] = ()) -> dict[str, gr.components.Component]:
    """The intake components by key; ``examples`` are ``(label, id)`` choices for "Try example"."""
    c: dict[str, gr.components.Component] = {}
    with gr.Accordion("Study and dictation", open=True, elem_id="intake"):
        with gr.Row(equal_height=True, visible=bool(examples), elem_id="example-row") as c["example_row"]:
            c["example_pick"] = gr.Dropdown(
                label="Example case (synthetic images, invented notes)", choices=list(examples),
                value=examples[0][1] if examples else None, scale=4, elem_id="example-pick",
            )
            c["example_btn"] = gr.Button("Try example", size="sm", scale=1, min_width=90, elem_id="example-btn")
        c["files"] = gr.File(
            label=f"Images (1-{MAX_IMAGES_PER_CASE}: PNG, JPEG or DICOM)",
            file_count="multiple",
            type="filepath",
            height=110,
            elem_id="intake-files",
        )
        c["gallery"] = gr.Gallery(
            label="Study", columns=4, height=190, format="png", object_fit="contain",
            interactive=False, visible=False, elem_id="intake-gallery",
        )
        with gr.Column(visible=False, elem_id="window-controls", variant="panel") as c["window_group"]:
            with gr.Row(equal_height=True):
                c["window_image"] = gr.Dropdown(label="DICOM window: image", choices=[], min_width=120,
                                                elem_id="window-image")
                c["window_preset"] = gr.Dropdown(label="Preset", choices=list(WINDOW_PRESETS), value=FILE_WINDOW,
                                                 min_width=120, elem_id="window-preset")
            with gr.Row(equal_height=False):
                c["window_center"] = gr.Number(label="Center", min_width=90, elem_id="window-center")
                c["window_width"] = gr.Number(label="Width", minimum=1, min_width=90, elem_id="window-width")
                c["window_apply"] = gr.Button("Apply window", size="sm", min_width=90, elem_id="window-apply")
        c["intake_status"] = gr.Markdown(elem_id="intake-status")
        c["indication"] = gr.Textbox(label="Indication", lines=1, placeholder="e.g. cough, fever", elem_id="indication")
        with gr.Row():
            c["comparison"] = gr.Textbox(label="Comparison", lines=1, placeholder="e.g. none", elem_id="comparison")
            c["specialty"] = gr.Dropdown(
                label="Specialty", choices=specialty_choices(installed), value=AUTO, elem_id="specialty"
            )
        c["prior_report"] = gr.Textbox(label="Prior report", lines=2, elem_id="prior-report")
        c["notes"] = gr.Textbox(
            label="Dictation / notes",
            lines=3,
            placeholder="e.g. small L effusion, heart nl, 7 mm RUL nodule, old R rib fx",
            elem_id="notes",
        )
        with gr.Row():
            c["new_case"] = gr.Button("New case", variant="secondary", elem_id="new-case")
            c["draft_btn"] = gr.Button("Draft report", variant="primary", elem_id="draft-btn")
    return c


# --- helpers used by the controller -----------------------------------------------


def paths(files: Sequence[str] | str | None) -> list[str]:
    """gr.File's value as a list of paths (it is a str for one file, a list for several, None for none)."""
    if not files:
        return []
    items = [files] if isinstance(files, str) else list(files)
    return [getattr(f, "name", f) for f in items]


def windows_of(session: Mapping) -> dict[int, tuple[float, float]]:
    return {int(k): (float(v[0]), float(v[1])) for k, v in (session.get("windows") or {}).items()}


def load_preview(files: Sequence[str], windows: Mapping[int, tuple[float, float]]) -> list[StudyImage]:
    """Ingest the uploads (raises an IngestError with a readable message) and apply any chosen windows."""
    images = load_study(files)
    for index, (center, width) in windows.items():
        if not 1 <= index <= len(images):
            raise ValueError(f"there is no image {index}; choose one of the uploaded DICOM images")
        images[index - 1] = window_dicom(files[index - 1], center, width, index=index)  # refuses non-DICOM
    return images


def gallery_items(images: Sequence[StudyImage]) -> list[tuple]:
    items = []
    for img in images:
        m = img.meta
        extra = f" · {m.modality}" if m.modality else ""
        if m.window_center is not None and m.window_width is not None:
            extra += f" · W {m.window_width:g} / C {m.window_center:g}"
        items.append((img.pil(), f"{m.label}{extra}"))
    return items


def dicom_choices(images: Sequence[StudyImage]) -> list[tuple[str, int]]:
    return [(img.meta.label, i) for i, img in enumerate(images, 1) if img.meta.format == "dicom"]


def make_case(
    files: Sequence[str],
    windows: Mapping[int, tuple[float, float]],
    *,
    indication: str,
    comparison: str,
    prior_report: str,
    notes: str,
    specialty: str | None,
) -> Case:
    """Build the case from the uploads and the form; DICOM images keep the window the clinician chose."""
    hint = None if not specialty or specialty == AUTO else specialty
    case = build_case(
        list(files), indication=indication or "", comparison=comparison or "", prior_report=prior_report or "",
        notes=notes or "", specialty_hint=hint,
    )
    if windows:
        images = list(case.images)
        for index, (center, width) in windows.items():
            if 1 <= index <= len(images) and images[index - 1].meta.format == "dicom":
                images[index - 1] = window_dicom(files[index - 1], center, width, index=index)
        case = case.model_copy(update={"images": images})
    return case
