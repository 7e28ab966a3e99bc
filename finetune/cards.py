"""Model cards for adapter versions and dataset cards for training sets (Hugging Face formats).

* :func:`write_model_card` writes ``README.md`` beside ``adapter_config.json``:
  the Hugging Face YAML metadata header (``base_model``, ``library_name: peft``,
  tags, and ``model-index`` with the evaluation results per region when the
  learning loop evaluated the version), then the intended use - drafts for
  clinician review, not for unsupervised clinical use - the training data
  fingerprint, the method and every gate decision. It is built from
  ``metadata.json`` only, so it never holds more than the metadata does.
* :func:`write_dataset_card` writes a training set's ``README.md``: the
  ``configs`` header that lets ``datasets.load_dataset(<folder>, "sft")`` read
  it, then source, dates, de-identification and counts.

Only the standard library and PyYAML (already needed for the site settings).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

__all__ = ["CARD_FILE", "INTENDED_USE", "write_dataset_card", "write_model_card"]

CARD_FILE = "README.md"
#: The sentence every model card carries.
INTENDED_USE = "Drafts for clinician review, not for unsupervised clinical use."


def _yaml(data: Mapping[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, default_flow_style=False)


def _fmt(v: Any) -> str:
    return f"{v:.3f}" if isinstance(v, float) else ("-" if v is None else str(v))


def write_model_card(adapter_dir: str | Path, meta: Mapping[str, Any]) -> Path:
    """Write ``<adapter_dir>/README.md`` from the version's metadata (see the module docstring)."""
    version = str(meta.get("version") or Path(adapter_dir).name)
    plugin = str(meta.get("plugin") or "")
    learning = meta.get("learning") or {}
    header: dict[str, Any] = {
        "base_model": str(meta.get("base_model_name") or meta.get("base_model") or "unknown"),
        "library_name": "peft",
        "pipeline_tag": "image-text-to-text",
        "tags": ["pixtralogist", "lora", str(meta.get("method") or "lora"), plugin, "clinical-drafting"],
        "license": "other",
    }
    evaluation = learning.get("evaluation") or {}
    regions = (evaluation.get("candidate") or {}).get("regions") or {}
    if regions:
        metric = evaluation.get("metric", "edit")
        mname = "edit_similarity" if metric == "edit" else str(metric)
        header["model-index"] = [{
            "name": f"{plugin}-{version}",
            "results": [{
                "task": {"type": "image-text-to-text", "name": "report drafting"},
                "dataset": {"type": "local-feedback-store", "name": f"{plugin} signed reports (evaluation set)",
                            "split": "evaluation"},
                "metrics": [{"type": mname, "name": f"{r} {mname}", "value": round(float(v), 4)}
                            for r, v in regions.items() if v is not None],
            }],
        }]
    lines = ["---", _yaml(header).rstrip(), "---", "",
             f"# {plugin} adapter {version}", "",
             f"A LoRA adapter (peft) for the {plugin} drafting model of Pixtralogist, on "
             f"`{header['base_model']}`. Load it with `peft.PeftModel.from_pretrained(base, '<this folder>')` "
             "or name its registry in the site configuration (`adapter_registry:`).", "",
             "## Intended use", "",
             f"{INTENDED_USE} Every draft is AI-generated and unsigned until a qualified clinician reviews, "
             "edits and signs it.", ""]
    if meta.get("intended_use"):
        lines += [f"Recorded intended use: {meta['intended_use']}", ""]
    lines += ["## Training", "",
              f"- method: {meta.get('method', '-')}",
              f"- created: {meta.get('created_at', '-')}",
              f"- data fingerprint: `{meta.get('data_fingerprint', '-')}`",
              f"- template: {meta.get('template_id', '-')}"]
    if learning.get("dataset"):
        ds = learning["dataset"]
        lines.append(f"- training set: {ds.get('train_cases', 0)} signed cases, "
                     f"{ds.get('preference_pairs', 0)} preference pairs (dataset card: `{ds.get('path', '-')}`)")
    metrics = meta.get("metrics") or {}
    if metrics:
        lines.append("- metrics: " + ", ".join(f"{k}={_fmt(v)}" for k, v in metrics.items()))
    if regions:
        active = (evaluation.get("active") or {}).get("regions") or {}
        lines += ["", "## Evaluation (per region)", "",
                  f"{evaluation.get('n_cases', '-')} recent signed cases no version was trained on; metric: "
                  f"{'1 - normalised word edit distance to the signed text' if evaluation.get('metric') == 'edit' else evaluation.get('metric')} "
                  "(higher is better).", "",
                  f"| region | this version | compared with ({evaluation.get('active_version', '-')}) |",
                  "|---|---|---|"]
        lines += [f"| {r} | {_fmt(v)} | {_fmt(active.get(r))} |" for r, v in regions.items()]
    decisions = meta.get("decisions") or []
    if decisions or meta.get("live_check"):
        lines += ["", "## Decisions", ""]
        lines += [f"- {d.get('at', '')}: {d.get('reason', '')}" for d in decisions]
        live = meta.get("live_check")
        if live:
            lines.append(f"- live check {live.get('at', '')}: {live.get('reason', '')}")
    lines += ["", "## Limitations", "",
              "Trained on one site's signed reports; it can repeat that site's habits and errors. "
              "It does not replace reading the images."]
    path = Path(adapter_dir) / CARD_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def write_dataset_card(folder: str | Path, *, specialty: str, template_id: str, counts: Mapping[str, int],
                       first_signed: str | None, last_signed: str | None, version: str) -> Path:
    """Write a training set's ``README.md`` (Hugging Face dataset card with ``configs``)."""
    header = {
        "configs": [
            {"config_name": "sft", "data_files": [{"split": "train", "path": "sft.jsonl"}]},
            {"config_name": "preference", "data_files": [{"split": "train", "path": "preference.jsonl"}]},
        ],
        "license": "other",
        "tags": ["pixtralogist", specialty, "clinical-reports", "de-identified"],
        "task_categories": ["image-text-to-text"],
        "pretty_name": f"{specialty} signed reports for adapter {version}",
    }
    day = lambda ts: (ts or "-")[:10]  # noqa: E731 - dates only, no times
    lines = ["---", _yaml(header).rstrip(), "---", "",
             f"# {specialty} training set for adapter {version}", "",
             "## Source", "",
             f"Reports signed by clinicians in Pixtralogist ({specialty}, template `{template_id}`), read from "
             "the site's feedback store by `pixtralogist learn`. Supervised targets are the signed text by "
             "region; preference pairs are regions the clinician changed (chosen = signed text, rejected = "
             "the AI draft).", "",
             "## Dates", "",
             f"Signed between {day(first_signed)} and {day(last_signed)}.", "",
             "## De-identification", "",
             "Case ids are replaced by one-way hashes; images are the app's de-identified renderings, named "
             "by content hash. No DICOM tag, UID, file name or clinician name is written. Free-text context "
             "(indication, notes) is included as typed in the app: the site is responsible for keeping "
             "names out of it.", "",
             "## Counts", "",
             "| what | count |", "|---|---|"]
    lines += [f"| {k.replace('_', ' ')} | {v} |" for k, v in counts.items()]
    lines += ["", "## Layout", "",
              "- `sft.jsonl`: `case_id` (hashed), `split` (`train` or `val`; `val` is the evaluation set, "
              "never trained on), `images` (paths), `context`, `target` (signed text by region), `impression`;",
              "- `preference.jsonl`: `case_id`, `region`, `images`, `context`, `chosen`, `rejected` "
              "(training cases only);",
              "- `images/<sha256>.png`.", "",
              "Load with `datasets.load_dataset('<this folder>', 'sft')`."]
    path = Path(folder) / CARD_FILE
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path
