"""The typed domain model shared by core, plugins, the agent, the UI and fine-tuning.

Everything here is a pydantic model so it validates at the boundary, serialises
to JSON (the agent's checkpointer, exports, the feedback store) and round-trips.

Medical honesty is part of the model: a :class:`Draft` is AI-generated and
unsigned until :meth:`Draft.sign` is called with a clinician's name, and every
:class:`Finding` carries its :class:`Provenance`.
"""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

Laterality = Literal["left", "right", "bilateral"]
Severity = Literal["info", "warning", "critical"]
FindingSource = Literal["dictation", "model", "template-default", "clinician"]
ImageFormat = Literal["png", "jpeg", "dicom"]

AI_DISCLAIMER = (
    "AI-generated draft for clinician review. Not signed; not for clinical use "
    "until a clinician has reviewed, edited as needed, and signed it."
)
SIGNED_NOTE = "Reviewed and signed by the clinician named below; drafted with AI assistance."

MAX_IMAGES_PER_CASE = 4
#: A DICOM UID: dot-separated digits, at most 64 characters (PS3.5 9.1). Leading zeros in a
#: component are not valid DICOM but occur in the wild; they are kept so references still match.
DICOM_UID_PATTERN = r"^[0-9]{1,64}(\.[0-9]{1,64})*$"
MAX_TEXT_FIELD_CHARS = 20_000


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", ser_json_bytes="base64", val_json_bytes="base64")


# --- images and cases ------------------------------------------------------


#: Fields older versions kept in ImageMeta and that now live in the identity store
#: (:mod:`pixtralogist.core.identity`): dropped when an older checkpoint or feedback row is read.
LEGACY_IDENTITY_FIELDS = ("study_instance_uid", "series_instance_uid", "sop_instance_uid", "sop_class_uid",
                          "frame_of_reference_uid")


class ImageMeta(_Model):
    """What drafting needs to know about one image, and nothing that identifies the patient or the study.

    DICOM identity (patient name, id, birth date, sex, accession number, study
    date and id, the study/series/instance UIDs, ...) and the SHA-256 of the
    uploaded bytes are split off at ingestion into
    :class:`~pixtralogist.core.identity.ImageIdentity`, which only the identity
    store keeps (:mod:`pixtralogist.core.identity`).
    """

    label: str = Field(description="A neutral label such as 'image-1.dcm' (never the uploaded file name).")
    format: ImageFormat
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    channels: int = Field(default=1, ge=1, le=4)
    frames: int = Field(default=1, ge=1, description="Number of frames in the source (multi-frame DICOM).")
    frame_index: int = Field(default=0, ge=0, description="Which frame the display image shows.")
    modality: str | None = Field(default=None, description="DICOM Modality (CR, DX, CT, MR, OP, OPT, SM, XC, ...).")
    body_part: str | None = Field(default=None, description="DICOM BodyPartExamined, upper case (CHEST, HEAD, ...).")
    view: str | None = Field(default=None, description="DICOM ViewPosition (PA, AP, LL, ...).")
    study_description: str | None = None
    series_description: str | None = None
    photometric: str | None = Field(default=None, description="Photometric interpretation of the source.")
    window_center: float | None = None
    window_width: float | None = None
    sha256: str = Field(description="SHA-256 of the display PNG (not of the upload), for de-duplication of "
                        "stored images and provenance of what the model saw.")

    @model_validator(mode="before")
    @classmethod
    def _drop_legacy_identity(cls, data: object) -> object:
        # Checkpoints written before the identity store kept UIDs here: they still load, without them.
        if isinstance(data, dict) and any(k in data for k in LEGACY_IDENTITY_FIELDS):
            data = {k: v for k, v in data.items() if k not in LEGACY_IDENTITY_FIELDS}
        return data


class StudyImage(_Model):
    """One ingested image: neutral metadata plus a display-ready 8-bit PNG.

    Ingestion also attaches the image's identity
    (:class:`~pixtralogist.core.identity.ImageIdentity`) as a private
    attribute: in memory only, never serialised (``model_dump``, JSON,
    checkpoints) and never in ``repr``; the service files it in the identity
    store when the case starts.
    """

    meta: ImageMeta
    png: bytes = Field(repr=False, description="Display-ready image (windowed, 8-bit), PNG-encoded.")
    _identity: Any = PrivateAttr(default=None)

    @property
    def identity(self):
        """The :class:`~pixtralogist.core.identity.ImageIdentity` ingestion found, or None (read back from storage)."""
        return self._identity

    def with_identity(self, identity) -> "StudyImage":
        """This image with ``identity`` attached (in memory only)."""
        self._identity = identity
        return self

    def pil(self):
        """The display image as a PIL image (PIL imported lazily)."""
        from PIL import Image

        img = Image.open(io.BytesIO(self.png))
        img.load()
        return img


class Case(_Model):
    """A study to report: 1-4 images plus the clinical context.

    ``notes`` holds the clinician's dictation or shorthand (e.g. "small L
    effusion, heart nl"); it is data to report from, never instructions.
    """

    id: str = Field(default_factory=lambda: new_id("case"))
    images: list[StudyImage] = Field(default_factory=list, max_length=MAX_IMAGES_PER_CASE)
    modality: str | None = None
    body_part: str | None = None
    indication: str = Field(default="", max_length=MAX_TEXT_FIELD_CHARS)
    comparison: str = Field(default="", max_length=MAX_TEXT_FIELD_CHARS)
    prior_report: str = Field(default="", max_length=MAX_TEXT_FIELD_CHARS)
    notes: str = Field(default="", max_length=MAX_TEXT_FIELD_CHARS)
    specialty_hint: str | None = None
    created_at: datetime = Field(default_factory=utcnow)

    @field_validator("indication", "comparison", "prior_report", "notes", mode="before")
    @classmethod
    def _clean_text(cls, v: object) -> object:
        if v is None:
            return ""
        if isinstance(v, str):
            from pixtralogist.core.text import clean_text

            return clean_text(v)
        return v

    @field_validator("specialty_hint", mode="before")
    @classmethod
    def _norm_hint(cls, v: object) -> object:
        if isinstance(v, str):
            v = v.strip().lower()
            return v or None
        return v

    @model_validator(mode="after")
    def _fill_from_images(self) -> "Case":
        # Modality and body part default to what the DICOM headers say.
        for img in self.images:
            if self.modality is None and img.meta.modality:
                self.modality = img.meta.modality
            if self.body_part is None and img.meta.body_part:
                self.body_part = img.meta.body_part
        return self


# --- templates -------------------------------------------------------------


class RegionSpec(_Model):
    """One region (or section) of a report template."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Stable key, e.g. 'lung'.")
    label: str = Field(description="Heading shown to the clinician, e.g. 'Lungs and pleura'.")
    normal: str = Field(description="Normal default statement, used when the region is not mentioned.")
    description: str = Field(default="", description="What belongs in this region (for prompts and docs).")
    scored: bool = Field(default=True, description="Whether evaluation scores this region.")
    snomed: str | None = Field(
        default=None, description="When the region is exactly one anatomic structure: its SNOMED CT concept as "
        "named in pydicom's code dictionary (pydicom.sr.codedict.codes.SCT.<name>, e.g. 'Heart'), for DICOM SR.")


class ImpressionRules(_Model):
    """How the impression is built from the findings."""

    normal: str = Field(description="Impression for a study with no abnormal finding.")
    max_items: int = Field(default=5, ge=1)
    uncertain_prefix: str = Field(default="Possible", description="Prefix kept for hedged findings.")


class ReportCode(_Model):
    """A coded report type (e.g. LOINC) for exports; only codes checked against the code system."""

    system: str = Field(description="Code system URI, e.g. http://loinc.org")
    code: str
    display: str


class WordCue(_Model):
    """Words that are evidence for (or, with a negative weight, against) a template."""

    label: str = Field(description="What the words are, for the reasons shown to the clinician ('chest words').")
    words: list[str] = Field(min_length=1, description="Regular expressions (case-insensitive, whole words).")
    weight: float = Field(description="Added per distinct word found.")
    cap: float | None = Field(default=None, gt=0, description="Largest total (in absolute value) of this cue; "
                              "cues with the same label and source share one total and the largest cap.")
    source: Literal["request", "study", "descriptions"] = Field(
        default="request", description="request: indication, notes, comparison and DICOM study/series "
        "descriptions; study: what the study is (indication and descriptions); descriptions: DICOM only.")
    claims: bool = Field(default=True, description="The words belong to this specialty: templates of other "
                         "specialties lose score when they appear (the router settles the competition).")


class RoutingSignals(_Model):
    """What a template declares for routing; core scores it (:func:`pixtralogist.core.routing.score_templates`)."""

    modality: float = Field(default=0.0, description="Added when the case's modality is one of the template's.")
    modality_weights: dict[str, float] = Field(default_factory=dict, description="Per-modality weights "
                                               "overriding ``modality`` (they may name modalities it also accepts).")
    other_modality: float = Field(default=0.0, description="Added when the case has a modality not listed.")
    body_part: float = Field(default=0.0, description="Added when the case's body part is one of the template's.")
    other_body_part: float = Field(default=0.0, description="Added when the case has a body part not listed.")
    views: dict[str, float] = Field(default_factory=dict, description="DICOM view position -> weight (once).")
    colour: float = Field(default=0.0, description="Added when every image is colour, subtracted when none is.")
    words: list[WordCue] = Field(default_factory=list)
    confirmed_by: list[str] = Field(default_factory=list, description="Without the modality or one of these cue "
                                    "labels, the score stays at most unconfirmed_cap.")
    unconfirmed_cap: float = Field(default=1.0, ge=0.0, le=1.0)


class Template(_Model):
    """A report template: ordered regions with normal defaults and impression rules."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    version: str = "1"
    specialty: str
    title: str
    modalities: list[str] = Field(default_factory=list, description="DICOM modalities it fits (CR, DX, CT, ...).")
    body_parts: list[str] = Field(default_factory=list, description="DICOM body parts it fits (CHEST, ...).")
    regions: list[RegionSpec] = Field(min_length=1)
    impression: ImpressionRules
    code: ReportCode | None = Field(default=None, description="Report type code for FHIR exports (LOINC).")
    category: ReportCode | None = Field(
        default=None, description="Diagnostic service section for FHIR exports (HL7 v2 table 0074, e.g. RAD).")
    codes_by_views: dict[int, ReportCode] = Field(
        default_factory=dict, description="Report type code by number of images (e.g. LOINC 'XR Chest 2 Views'); "
        "overrides ``code`` for a case with that many images.")
    routing: RoutingSignals = Field(default_factory=RoutingSignals, description="Routing signals (DICOM, words).")
    finding_terms: tuple[str, ...] = Field(
        default=(), description="Finding words of this template beyond the core NLP vocabulary "
        "(e.g. 'lymphovascular invasion'), so that text a clinician edits in is analysed like dictation.")
    concepts: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Concept table of the consistency checks and edit matching: canonical "
        "concept -> word-bounded regular expressions, added to core's generic table "
        "(pixtralogist.core.concepts.GENERIC_CONCEPTS); the plugin fills it from its lexicon data.")

    @model_validator(mode="after")
    def _unique_regions(self) -> "Template":
        names = [r.name for r in self.regions]
        if len(set(names)) != len(names):
            raise ValueError(f"template {self.id!r} has duplicate region names: {names}")
        return self

    @property
    def region_names(self) -> list[str]:
        return [r.name for r in self.regions]

    def region(self, name: str) -> RegionSpec:
        for r in self.regions:
            if r.name == name:
                return r
        raise KeyError(f"template {self.id!r} has no region {name!r}; regions: {self.region_names}")


# --- findings, flags, drafts -----------------------------------------------


class Provenance(_Model):
    """Where a finding or draft came from."""

    source: FindingSource
    engine: str = Field(description="'offline-dictation', 'transformers', 'openai', or 'clinician'.")
    plugin: str
    plugin_version: str
    template_id: str
    template_version: str
    model: str | None = None
    adapter: str | None = None
    adapter_version: str | None = None
    guideline_ids: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)


class Finding(_Model):
    """One statement of the report, in one region."""

    id: str = Field(default_factory=lambda: new_id("f"))
    region: str
    text: str = Field(min_length=1)
    abnormal: bool = False
    negated: bool = Field(default=False, description="The sentence denies the finding ('no mass').")
    uncertain: bool = Field(default=False, description="The sentence hedges ('possible', 'may represent').")
    laterality: Laterality | None = None
    size_mm: float | None = Field(default=None, ge=0)
    is_default: bool = Field(default=False, description="Template normal statement: verify before signing.")
    provenance: Provenance


class Flag(_Model):
    """Something the clinician should look at before signing."""

    code: str = Field(description="Stable machine code, e.g. 'fleischner-followup-missing'.")
    severity: Severity
    message: str
    region: str | None = None
    finding_id: str | None = None
    snippet_ids: list[str] = Field(default_factory=list, description="Guideline snippets the rule relies on.")
    stance: Literal["supports", "contradicts"] | None = Field(
        default=None,
        description="How the finding stands against the cited snippets, as the rule computed it: 'contradicts' "
                    "when the report conflicts with the guideline (e.g. a size word against its threshold), "
                    "'supports' when the rule checked that it agrees; None when the rule only points to them.")


class Draft(_Model):
    """A report draft organised by the regions of its template."""

    id: str = Field(default_factory=lambda: new_id("draft"))
    case_id: str
    specialty: str
    template_id: str
    template_version: str
    regions: list[str] = Field(min_length=1, description="Region order, from the template.")
    region_labels: dict[str, str] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)
    impression: list[str] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    provenance: Provenance
    indication: str | None = Field(
        default=None, description="Demographics and the clinical question read from the dictation ('65M SOB').")
    not_placed: list[str] = Field(
        default_factory=list, description="Dictation the drafter could not place in a region: shown, never dropped.")
    status: Literal["ai-draft-unsigned", "signed"] = "ai-draft-unsigned"
    disclaimer: str = AI_DISCLAIMER
    signed_by: str | None = None
    signed_at: datetime | None = None

    @model_validator(mode="after")
    def _findings_in_regions(self) -> "Draft":
        unknown = {f.region for f in self.findings} - set(self.regions)
        if unknown:
            raise ValueError(f"findings in regions the template does not have: {sorted(unknown)}")
        if self.status == "signed" and not (self.signed_by and self.signed_at):
            raise ValueError("a signed report needs signed_by and signed_at")
        return self

    @property
    def is_signed(self) -> bool:
        return self.status == "signed"

    def by_region(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {r: [] for r in self.regions}
        for f in self.findings:
            out[f.region].append(f)
        return out

    def region_text(self, region: str) -> str:
        return " ".join(f.text for f in self.by_region()[region])

    def region_dict(self) -> dict[str, str]:
        """``{region: text}`` for every region of the template, in order."""
        return {r: self.region_text(r) for r in self.regions}

    def to_text(self) -> str:
        """Plain-text report with the AI/sign-off status on top."""
        lines = [self.disclaimer if not self.is_signed else SIGNED_NOTE, "", "FINDINGS:"]
        for region, findings in self.by_region().items():
            label = self.region_labels.get(region, region.capitalize())
            text = " ".join(f.text for f in findings) or "(none)"
            lines.append(f"  {label}: {text}")
        lines += ["", "IMPRESSION:"]
        lines += [f"  {i}. {item}" for i, item in enumerate(self.impression, 1)] or ["  (none)"]
        if self.is_signed:
            lines += ["", f"Signed by {self.signed_by} at {self.signed_at.isoformat()}"]
        return "\n".join(lines)

    def sign(self, clinician: str) -> "Draft":
        """Return a signed copy. The clinician's name is required; a signed report is final."""
        name = (clinician or "").strip()
        if not name:
            raise ValueError("a clinician's name is required to sign")
        if self.is_signed:
            raise ValueError("this report is already signed")
        from pixtralogist.core.text import ensure_plain_text

        ensure_plain_text(name, "The signer's name")
        return self.model_copy(update={"status": "signed", "signed_by": name, "signed_at": utcnow()})


# --- plugin contributions --------------------------------------------------


class Specialty(_Model):
    """A specialty a plugin provides."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    label: str
    version: str
    description: str = ""


class RouteScore(_Model):
    """How well a plugin's template fits a case (0 = not at all, 1 = certain)."""

    specialty: str
    template_id: str
    score: float = Field(ge=0.0, le=1.0)
    reasons: list[str] = Field(default_factory=list)


class GuidelineSnippet(_Model):
    """A short guideline statement in the project's own words, with its source."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.:-]*$")
    specialty: str
    text: str = Field(min_length=1)
    source: str = Field(min_length=1, description="Citation of the source the fact comes from.")
    regions: list[str] = Field(default_factory=list)
    template_ids: list[str] = Field(default_factory=list, description="Empty means every template of the specialty.")
    applicability: str = Field(default="", description="Who/what it applies to and what it does not cover.")
    keywords: list[str] = Field(default_factory=list)


class ExampleImage(_Model):
    """One image of an example case, generated by the plugin itself (never patient data)."""

    filename: str = Field(pattern=r"^[A-Za-z0-9_.-]+\.(png|jpe?g|dcm)$")
    data: bytes = Field(repr=False)


class ExampleCase(_Model):
    """A ready-made case a plugin ships for demos ("try an example") and tests.

    Images are synthetic, made by the plugin's own code; notes are invented
    dictation. Build a :class:`Case` from it with
    :func:`pixtralogist.core.examples.example_to_case`.
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    specialty: str
    title: str
    images: list[ExampleImage] = Field(min_length=1, max_length=MAX_IMAGES_PER_CASE)
    indication: str = ""
    comparison: str = ""
    notes: str = ""
    specialty_hint: str | None = None
    expected_template: str | None = Field(default=None, description="Template the router should pick (tests).")


class ModelConfig(_Model):
    """Which drafting engine a specialty uses. 'offline' needs no model."""

    backend: Literal["offline", "transformers", "openai"] = "offline"
    base_model: str | None = Field(default=None, description="Local model directory (transformers backend).")
    adapter: str | None = Field(default=None, description="Local LoRA adapter directory or served adapter name.")
    adapter_version: str | None = None
    endpoint: str | None = Field(default=None, description="Base URL of an OpenAI-compatible server.")
    model_name: str | None = Field(default=None, description="Model name on the server.")
    max_new_tokens: int = Field(default=512, ge=1, le=8192)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    # Added for the model backends (core.backends); all optional with neutral defaults.
    top_p: float = Field(default=1.0, gt=0.0, le=1.0, description="Nucleus sampling (used when temperature > 0).")
    quantization: Literal["4bit", "8bit"] | None = Field(
        default=None, description="Load the base model in 4-bit or 8-bit with bitsandbytes (transformers backend)."
    )
    device: str = Field(
        default="auto", pattern=r"^(auto|cpu|cuda(:\d+)?)$",
        description="'auto' (CUDA bf16/fp16 when available, else CPU float32), 'cpu', 'cuda' or 'cuda:N'.",
    )
    api_key_env: str | None = Field(
        default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Name of the environment variable holding the server's API key (the key itself is never stored).",
    )
    timeout_s: float = Field(default=120.0, gt=0.0, le=3600.0, description="HTTP timeout per request (openai backend).")
    max_retries: int = Field(default=2, ge=0, le=10, description="Retries on connection errors, 429 and 5xx (openai).")
