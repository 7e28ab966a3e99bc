"""Training data: examples from the quiz layout and the feedback store, encoded as the drafter sees them.

Sources
-------
* The quiz layout (:mod:`pixtralogist.core.annotation`): ``annotation.json``
  (train/val/test) + ``images/<patient>/<n>.png``. IU X-Ray reports come in this
  layout through ``pixtralogist data iu-xray`` (images from a user folder;
  entries whose images are missing are skipped or refused, see
  ``TrainConfig.missing_images``).
* The feedback store (:class:`pixtralogist.persistence.feedback.FeedbackStore`):
  signed reports as supervised pairs (:meth:`~FeedbackStore.sft_pairs`) and the
  regions the clinician changed as preference pairs; each case lands in
  train/val/test by :func:`~pixtralogist.core.annotation.assign_split` of
  its id.
* ``sft.jsonl`` / ``preference.jsonl`` exported by ``pixtralogist finetune
  data`` (:func:`export_feedback`), images under ``images/<sha256>.png``.

Same format as inference
------------------------
The prompt is :func:`pixtralogist.core.structured.build_prompt` for the
template and the case, put through the SAME code the transformers backend uses
at inference (:meth:`TransformersBackend.prepare_inputs
<pixtralogist.core.backends.transformers_backend.TransformersBackend.prepare_inputs>`:
the processor's chat template, one image token per image, the processor's
image-token expansion). The answer is the JSON object the prompt asks for
(:func:`target_text`: the template's regions in order, then ``impression``),
followed by what the chat template puts after an assistant turn (``</s>``).
Only the answer tokens are learned: labels are ``-100`` on the prompt, the
image tokens and the padding (:meth:`Encoder.encode`, :func:`collate`).

Regions with no text in the source are left OUT of the target (the drafter
then shows the template's normal statement flagged for verification), rather
than trained as "normal", which the source does not say.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Literal, Sequence

from pixtralogist.core.errors import DataError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pixtralogist.persistence.feedback import FeedbackStore
    from pixtralogist.core.models import Case, Template

__all__ = [
    "IGNORE_INDEX",
    "Encoder",
    "Example",
    "PreferenceExample",
    "collate",
    "export_feedback",
    "feedback_examples",
    "fingerprint",
    "load_examples",
    "preference_examples",
    "read_annotation_examples",
    "read_preference_jsonl",
    "read_sft_jsonl",
    "target_text",
]

#: Label value that the loss ignores (prompt, image tokens, padding).
IGNORE_INDEX = -100
SFT_FILE = "sft.jsonl"
PREFERENCE_FILE = "preference.jsonl"
_CASE_TEXT_FIELDS = ("indication", "comparison", "prior_report", "notes", "modality", "body_part")


@dataclass
class Example:
    """One supervised example: a case's images and context, and the signed report by region.

    ``images`` are file paths or PNG bytes; they go through the app's own
    ingestion (:func:`pixtralogist.core.imaging.load_image`) when encoded.
    """

    id: str
    split: Literal["train", "val", "test"]
    images: list[Path | bytes]
    regions: dict[str, str]
    impression: list[str] = field(default_factory=list)
    context: dict[str, str] = field(default_factory=dict)  # indication, comparison, notes, ...
    source: str = "annotation"

    def case(self) -> "Case":
        """The case the drafter would see (images ingested, context fields)."""
        return _make_case(self.id, self.images, self.context)


@dataclass
class PreferenceExample:
    """One region the clinician changed: the same prompt, a chosen and a rejected answer (JSON text)."""

    id: str
    region: str
    images: list[Path | bytes]
    context: dict[str, str]
    chosen: str
    rejected: str

    def case(self) -> "Case":
        return _make_case(self.id, self.images, self.context)


def _make_case(case_id: str, images: Sequence[Path | bytes], context: dict[str, str]) -> "Case":
    from pixtralogist.core.imaging import load_image
    from pixtralogist.core.models import Case

    studies = [load_image(src, index=i + 1) for i, src in enumerate(images)]
    fields = {k: v for k, v in context.items() if k in _CASE_TEXT_FIELDS and v}
    return Case(id=_safe_id(case_id), images=studies, **fields)


def _safe_id(case_id: str) -> str:
    return "train-" + hashlib.sha1(case_id.encode("utf-8")).hexdigest()[:12]


# --- targets ---------------------------------------------------------------------------


def target_text(template: "Template", regions: dict[str, str], impression: Sequence[str] = ()) -> str:
    """The answer the drafting prompt asks for: ``{"<region>": "...", ..., "impression": [...]}``.

    Regions follow the template's order; empty regions and keys the template
    does not have are left out; ``impression`` only when there is one.
    """
    obj: dict[str, Any] = {}
    for r in template.regions:
        text = " ".join(str(regions.get(r.name) or "").split())
        if text:
            obj[r.name] = text
    items = [" ".join(s.split()) for s in impression if s and s.strip()]
    if items:
        obj["impression"] = items[: template.impression.max_items]
    return json.dumps(obj, ensure_ascii=False)


def _impression_items(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    if isinstance(value, str) and value.strip():
        from pixtralogist.core.text import split_sentences

        return [s for s in split_sentences(value) if s.strip()]
    return []


# --- sources ---------------------------------------------------------------------------


def read_annotation_examples(
    root: str | Path, *, missing_images: Literal["skip", "error"] = "skip", stats: dict | None = None
) -> list[Example]:
    """Examples from the quiz layout under ``root`` (every split)."""
    from pixtralogist.core.annotation import read_annotation

    root = Path(root)
    stats = stats if stats is not None else {}
    out: list[Example] = []
    for split, entries in read_annotation(root).items():
        for e in entries:
            paths = [root / "images" / p for p in e.image_path]
            missing = [p for p in paths if not p.is_file()]
            if not paths or missing:
                if missing_images == "error":
                    what = f"image {missing[0]}" if missing else "images"
                    raise DataError(f"{root}: entry {e.id!r} has no {what}; add the images or set "
                                    "missing_images: skip")
                stats["skipped_missing_images"] = stats.get("skipped_missing_images", 0) + 1
                continue
            extra = e.model_extra or {}
            context = {k: str(extra[k]) for k in _CASE_TEXT_FIELDS if extra.get(k)}
            out.append(Example(id=e.id, split=split, images=list(paths), regions=dict(e.report),
                               impression=_impression_items(extra.get("impression")), context=context,
                               source="annotation"))
    return out


def _case_context(case: dict) -> dict[str, str]:
    return {k: str(case[k]) for k in _CASE_TEXT_FIELDS if case.get(k)}


def _store_images(store: "FeedbackStore", case: dict) -> list[bytes] | None:
    out = []
    for meta in case.get("images") or []:
        png = store.image(meta.get("sha256", ""))
        if png is None:
            return None
        out.append(png)
    return out or None


def feedback_examples(store: "FeedbackStore", specialty: str | None = None,
                      template_id: str | None = None, stats: dict | None = None) -> list[Example]:
    """Supervised examples from the feedback store's signed reports (split by case id)."""
    from pixtralogist.core.annotation import assign_split

    stats = stats if stats is not None else {}
    out = []
    for pair in store.sft_pairs(specialty):
        if template_id and pair["template_id"] != template_id:
            continue
        images = _store_images(store, pair["case"])
        if images is None:
            stats["skipped_missing_images"] = stats.get("skipped_missing_images", 0) + 1
            continue
        out.append(Example(id=pair["case_id"], split=assign_split(pair["case_id"]), images=images,
                           regions=dict(pair["target"]), impression=list(pair["impression"]),
                           context=_case_context(pair["case"]), source="feedback"))
    return out


def preference_examples(store: "FeedbackStore", template: "Template",
                        specialty: str | None = None) -> list[PreferenceExample]:
    """One pair per region the clinician changed (the store's ``preference_pairs`` rule).

    chosen = the AI draft's regions with that region replaced by the signed
    text; rejected = the AI draft's regions; both keep the draft's impression.
    """
    out = []
    for r in store.reports(specialty):
        if r["template_id"] != template.id:
            continue
        draft, final = r["draft"].region_dict(), r["final"].region_dict()
        images = _store_images(store, r["case"]) or []
        for region in r["final"].regions:
            before, after = draft.get(region, ""), final.get(region, "")
            if before == after or not after.strip():
                continue
            chosen = target_text(template, {**draft, region: after}, r["draft"].impression)
            rejected = target_text(template, draft, r["draft"].impression)
            out.append(PreferenceExample(id=r["case_id"], region=region, images=images,
                                         context=_case_context(r["case"]), chosen=chosen, rejected=rejected))
    return out


def _jsonl(path: Path) -> Iterable[dict]:
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{n} is not valid JSON: {exc}") from exc


def read_sft_jsonl(path: str | Path) -> list[Example]:
    """Examples from an ``sft.jsonl`` written by :func:`export_feedback` (images relative to its folder)."""
    path = Path(path)
    out = []
    for rec in _jsonl(path):
        try:
            out.append(Example(id=rec["case_id"], split=rec["split"],
                               images=[path.parent / p for p in rec["images"]], regions=dict(rec["target"]),
                               impression=list(rec.get("impression") or []), context=dict(rec.get("context") or {}),
                               source="feedback-export"))
        except (KeyError, TypeError) as exc:
            raise DataError(f"{path}: a record lacks {exc}; re-export with `pixtralogist finetune data`") from exc
    return out


def read_preference_jsonl(path: str | Path) -> list[PreferenceExample]:
    """Pairs from a ``preference.jsonl`` written by :func:`export_feedback`."""
    path = Path(path)
    out = []
    for rec in _jsonl(path):
        try:
            out.append(PreferenceExample(id=rec["case_id"], region=rec["region"],
                                         images=[path.parent / p for p in rec.get("images", [])],
                                         context=dict(rec.get("context") or {}), chosen=rec["chosen"],
                                         rejected=rec["rejected"]))
        except (KeyError, TypeError) as exc:
            raise DataError(f"{path}: a record lacks {exc}; re-export with `pixtralogist finetune data`") from exc
    return out


def export_feedback(store: "FeedbackStore", out_dir: str | Path, template: "Template",
                    specialty: str | None = None) -> dict[str, int]:
    """Write ``sft.jsonl``, ``preference.jsonl`` and ``images/<sha256>.png`` under ``out_dir``.

    Records hold the case context (no identifiers: the store keeps none), the
    targets, and image paths relative to ``out_dir``. Returns counts.
    """
    from pixtralogist.core.annotation import assign_split

    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)

    def images_of(case: dict) -> list[str]:
        rels = []
        for meta in case.get("images") or []:
            sha = meta.get("sha256", "")
            png = store.image(sha)
            if png is None:
                continue
            rel = f"images/{sha}.png"
            if not (out / rel).is_file():
                (out / rel).write_bytes(png)
            rels.append(rel)
        return rels

    counts = {"sft": 0, "preference": 0}
    with open(out / SFT_FILE, "w", encoding="utf-8") as fh:
        for pair in store.sft_pairs(specialty):
            if pair["template_id"] != template.id:
                continue
            rec = {"case_id": pair["case_id"], "split": assign_split(pair["case_id"]), "template_id": pair["template_id"],
                   "images": images_of(pair["case"]), "context": _case_context(pair["case"]),
                   "target": pair["target"], "impression": pair["impression"]}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            counts["sft"] += 1
    cases = {r["case_id"]: r["case"] for r in store.reports(specialty)}
    with open(out / PREFERENCE_FILE, "w", encoding="utf-8") as fh:
        for p in preference_examples(store, template, specialty):
            rec = {"case_id": p.id, "region": p.region, "template_id": template.id,
                   "images": images_of(cases[p.id]), "context": p.context, "chosen": p.chosen, "rejected": p.rejected}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            counts["preference"] += 1
    return counts


def load_examples(cfg, stats: dict | None = None) -> list[Example]:
    """Every example named by a :class:`~pixtralogist.finetune.config.TrainConfig` (all splits)."""
    stats = stats if stats is not None else {}
    examples: list[Example] = []
    if cfg.data is not None:
        data = Path(cfg.data)
        if not data.exists():
            raise DataError(f"data directory {data} does not exist")
        found = False
        if (data / "annotation.json").is_file() or data.is_file():
            examples += read_annotation_examples(data, missing_images=cfg.missing_images, stats=stats)
            found = True
        if data.is_dir() and (data / SFT_FILE).is_file():
            examples += read_sft_jsonl(data / SFT_FILE)
            found = True
        if not found:
            raise DataError(f"{data} has neither annotation.json nor {SFT_FILE}; see docs/finetune.md for the layout")
    if cfg.feedback_db is not None:
        from pixtralogist.persistence.feedback import FeedbackStore

        store = FeedbackStore.open_existing(cfg.feedback_db)
        try:
            examples += feedback_examples(store, cfg.plugin, cfg.template_id, stats=stats)
        finally:
            store.close()
    return examples


def fingerprint(examples: Iterable[Example], template: "Template") -> str:
    """SHA-256 over the examples' ids, splits, targets and image bytes: what the adapter was trained on."""
    h = hashlib.sha256(f"{template.id}:{template.version}".encode())
    for e in sorted(examples, key=lambda x: (x.split, x.id)):
        h.update(json.dumps([e.id, e.split, e.regions, e.impression, e.context], sort_keys=True).encode())
        for img in e.images:
            h.update(img if isinstance(img, bytes) else Path(img).read_bytes())
    return "sha256:" + h.hexdigest()


# --- encoding ---------------------------------------------------------------------------


class Encoder:
    """Turns examples into model inputs exactly as the transformers backend does at inference.

    :param processor: the checkpoint's processor (as the backend loads it).
    :param template: the template whose prompt and regions are used.
    :param max_length: token budget; the answer is cut to fit, a prompt longer
        than the budget is a :class:`DataError` (raise ``max_length``).
    """

    def __init__(self, processor, template: "Template", *, max_length: int = 4096, base_path: str | Path = ".") -> None:
        import torch

        from pixtralogist.core.backends.transformers_backend import LoadedModel, TransformersBackend
        from pixtralogist.core.models import ModelConfig

        self.processor = processor
        self.template = template
        self.max_length = max_length
        self.tokenizer = getattr(processor, "tokenizer", processor)
        # The backend's own input builder; on CPU float32 (the training loop moves and casts batches).
        self._backend = TransformersBackend(ModelConfig(backend="transformers", base_model=str(base_path)))
        self._loaded = LoadedModel(key=(str(base_path), None, "cpu"), path=Path(base_path), model=None,
                                   processor=processor, device="cpu", dtype=torch.float32, quantization=None, load_seconds=0.0)

    @property
    def pad_token_id(self) -> int:
        tok = self.tokenizer
        return tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id

    def prompt_text(self, n_images: int, prompt: str) -> str:
        return self._backend.build_text(self._loaded, n_images, prompt)[0]

    def answer_text(self, n_images: int, prompt: str, target: str) -> str:
        """What follows the prompt in a rendered conversation: the chat template's assistant turn."""
        prompt_text, templated = self._backend.build_text(self._loaded, n_images, prompt)
        eos = self.tokenizer.eos_token or ""
        if templated:
            messages = [
                {"role": "user", "content": [{"type": "image"} for _ in range(n_images)] + [{"type": "text", "text": prompt}]},
                {"role": "assistant", "content": [{"type": "text", "text": target}]},
            ]
            try:
                full = self.processor.apply_chat_template(messages, add_generation_prompt=False, tokenize=False)
                full = full[0] if isinstance(full, list) else full
            except Exception:  # a template without assistant turns: plain answer below
                full = ""
            if full.startswith(prompt_text) and target in full[len(prompt_text):]:
                return full[len(prompt_text):]
        return (" " if not prompt_text.endswith((" ", "\n")) else "") + target + eos

    def encode_parts(self, images: list, prompt: str, answer: str) -> dict[str, Any]:
        """``input_ids``/``labels``/``attention_mask`` (1-D) plus the processor's image tensors."""
        import torch

        if images:
            inputs = self._backend.prepare_inputs(self._loaded, images, prompt)
        else:  # text-only (e.g. text DPO): the chat template without image tokens
            text = self.prompt_text(0, prompt)
            inputs = dict(self.tokenizer(text, return_tensors="pt", add_special_tokens=not text.startswith(
                self.tokenizer.bos_token or "\0")))
        prompt_ids = inputs.pop("input_ids")[0]
        inputs.pop("attention_mask", None)
        answer_ids = torch.tensor(self.tokenizer(answer, add_special_tokens=False)["input_ids"], dtype=torch.long)
        room = self.max_length - prompt_ids.shape[0]
        if room < 1:
            raise DataError(
                f"a prompt with its image tokens is {prompt_ids.shape[0]} tokens, more than max_length "
                f"{self.max_length}; raise max_length (or use fewer/smaller images)"
            )
        answer_ids = answer_ids[:room]
        input_ids = torch.cat([prompt_ids, answer_ids])
        labels = torch.cat([torch.full_like(prompt_ids, IGNORE_INDEX), answer_ids])
        out = {"input_ids": input_ids, "labels": labels, "attention_mask": torch.ones_like(input_ids)}
        out.update({k: v for k, v in inputs.items() if isinstance(v, torch.Tensor)})
        return out

    def encode(self, example: Example) -> dict[str, Any]:
        """Model inputs for one example (labels -100 on the prompt and image tokens)."""
        from pixtralogist.core.structured import build_prompt

        case = example.case()
        prompt = build_prompt(self.template, case)
        target = target_text(self.template, example.regions, example.impression)
        answer = self.answer_text(len(case.images), prompt, target)
        return self.encode_parts([img.pil() for img in case.images], prompt, answer)


def _pad_to(t, shape: Sequence[int]):
    import torch.nn.functional as F

    pad: list[int] = []
    for have, want in zip(reversed(t.shape), reversed(shape)):
        pad += [0, want - have]
    return F.pad(t, pad) if any(pad) else t


def collate(items: list[dict[str, Any]], pad_token_id: int) -> dict[str, Any]:
    """Right-pad the token sequences (labels -100, mask 0) and stack the images of every example.

    Image tensors (``pixel_values``, ``image_sizes``, ...) are concatenated
    along the image axis (examples may have 1-4 images), zero-padded where
    the per-image shapes differ (e.g. LLaVA-NeXT's number of patches: the
    model keeps only the patches ``image_sizes`` calls for).
    """
    import torch

    length = max(int(it["input_ids"].shape[0]) for it in items)
    batch: dict[str, Any] = {}
    for key, fill in (("input_ids", pad_token_id), ("labels", IGNORE_INDEX), ("attention_mask", 0)):
        batch[key] = torch.stack([
            torch.cat([it[key], torch.full((length - it[key].shape[0],), fill, dtype=it[key].dtype)]) for it in items
        ])
    other = [k for k in items[0] if k not in batch]
    for key in other:
        tensors = [it[key] for it in items if key in it]
        if len(tensors) != len(items):
            raise DataError(f"some examples in a batch have {key!r} and others do not (mixed text-only and image examples)")
        if tensors[0].dim() == 0:
            batch[key] = torch.stack(tensors)
            continue
        shape = [max(t.shape[d] for t in tensors) for d in range(tensors[0].dim())]
        batch[key] = torch.cat([_pad_to(t, [t.shape[0], *shape[1:]]) for t in tensors])
    return batch
