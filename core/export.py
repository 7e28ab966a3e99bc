"""Exports of a report draft: plain text, JSON and a FHIR R4 ``DiagnosticReport``
(and, for DICOM studies, a DICOM SR: :mod:`pixtralogist.core.dicom_sr`).

Pure functions (no I/O, no UI). Nothing exported carries a patient identifier:
cases never hold any (see :class:`~pixtralogist.core.models.ImageMeta`) and the
FHIR subject is a placeholder reference that the receiving system replaces.

An unsigned draft exports with FHIR ``status: preliminary`` and the AI
disclaimer; only a signed draft exports as ``final`` with its interpreter.

>>> from pixtralogist.core.export import to_fhir          # doctest: +SKIP
>>> resource = to_fhir(turn.draft, case, citations=turn.citations)
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pixtralogist import __version__
from pixtralogist.core.identity import RESEARCH_SIGNER, CaseIdentity, ImageIdentity, case_identity
from pixtralogist.core.models import Case, Draft, Template, utcnow

__all__ = [
    "AI_PROVENANCE_URL",
    "EXPORT_FORMATS",
    "export_bytes",
    "export_filename",
    "to_fhir",
    "to_json",
    "to_text",
]

#: Complex extension carrying the AI provenance of a report (model, adapter, template, plugin, guidelines).
AI_PROVENANCE_URL = "https://pixtralogist.example/fhir/StructureDefinition/ai-provenance"
#: Identifier system for Pixtralogist draft ids (not patient identifiers).
DRAFT_ID_SYSTEM = "https://pixtralogist.example/fhir/sid/draft-id"
#: Identifier system for the SHA-256 (hex) of the display image the model saw (the PNG made at ingestion).
IMAGE_SHA256_SYSTEM = "https://pixtralogist.example/fhir/sid/image-sha256"
#: Identifier system for the SHA-256 (hex) of the uploaded file (identified exports only).
SOURCE_SHA256_SYSTEM = "https://pixtralogist.example/fhir/sid/source-sha256"
#: DICOM UIDs as FHIR identifiers (``urn:oid:<uid>``).
DICOM_UID_SYSTEM = "urn:dicom:uid"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
#: De-identified JSON exports: every timestamp becomes this dummy instant (PS3.15 action D).
DUMMY_INSTANT = "1900-01-01T00:00:00+00:00"

LOINC = "http://loinc.org"
DICOM_DCM = "http://dicom.nema.org/resources/ontology/DCM"

#: LOINC 18748-4 "Diagnostic imaging study": the generic code used when the template declares
#: no code (report codes and titles come only from the templates: ``Template.code``,
#: ``Template.codes_by_views``, ``Template.title``).
GENERIC_CODE = {"system": LOINC, "code": "18748-4", "display": "Diagnostic imaging study"}

#: ``dicom-sr`` needs a case with DICOM images (:mod:`pixtralogist.core.dicom_sr`).
EXPORT_FORMATS = ("text", "json", "fhir", "dicom-sr")


# --- plain text and JSON ---------------------------------------------------


def to_text(draft: Draft, *, deidentify: bool = False) -> str:
    """The report as plain text, with the AI/sign-off status on top (:meth:`Draft.to_text`).

    ``deidentify``: the sign-off line names neither the clinician nor the time.
    """
    text = draft.to_text()
    if deidentify and draft.is_signed:
        lines = text.split("\n")
        lines[-1] = f"Signed by {RESEARCH_SIGNER}"
        text = "\n".join(lines)
    return text


def _deidentified_dump(value: Any, key: str = "") -> Any:
    """A JSON dump with every timestamp replaced by :data:`DUMMY_INSTANT` and the signer by "Reviewer"."""
    if isinstance(value, dict):
        return {k: _deidentified_dump(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_deidentified_dump(v, key) for v in value]
    if key.endswith("_at") and isinstance(value, str):
        return DUMMY_INSTANT
    if key in ("signed_by", "clinician") and isinstance(value, str):
        return RESEARCH_SIGNER
    return value


def _citation_dicts(citations: Any) -> dict[str, list[dict]]:
    """Normalise citations to ``{finding_id: [citation dict, ...]}``.

    Accepts the agent's ``Turn.citations`` mapping (finding id -> list of
    ``Citation``), a flat iterable of citations (kept under ``""``), or
    plain dicts. Core does not import the agent: anything with
    ``model_dump`` is dumped, dicts are copied.
    """
    if not citations:
        return {}

    def dump(c: Any) -> dict:
        if hasattr(c, "model_dump"):
            return c.model_dump(mode="json")
        if isinstance(c, Mapping):
            return json.loads(json.dumps(dict(c), default=str))
        raise TypeError(f"cannot export a citation of type {type(c).__name__}")

    if isinstance(citations, Mapping):
        return {str(k): [dump(c) for c in v] for k, v in citations.items()}
    return {"": [dump(c) for c in citations]}


def _snippet_id(c: dict) -> str | None:
    snip = c.get("snippet")
    if isinstance(snip, Mapping):
        return snip.get("id")
    return c.get("id")


def _guideline_ids(draft: Draft, cites: dict[str, list[dict]]) -> list[str]:
    """Every guideline snippet the draft relies on, in first-seen order."""
    ids: list[str] = list(draft.provenance.guideline_ids)
    for flag in draft.flags:
        ids.extend(flag.snippet_ids)
    for group in cites.values():
        ids.extend(i for i in (_snippet_id(c) for c in group) if i)
    return list(dict.fromkeys(ids))


def to_json(draft: Draft, *, citations: Any = None, deidentify: bool = False) -> str:
    """The draft, its citations and the export's provenance as pretty JSON.

    The ``draft`` member is :meth:`Draft.model_dump` and validates back with
    ``Draft.model_validate``. Each citation keeps how it was attached: ``origin``
    ``"retrieved"`` with its similarity ``score``, or ``"rule"`` with ``score: null``;
    ``rule_ids`` names the rules that cite it, and ``stance`` is set only where a rule
    computed one.
    ``deidentify``: every timestamp is the dummy :data:`DUMMY_INSTANT` and the signer
    "Reviewer" (it still validates). The JSON never carries the patient's identity in either mode.
    """
    cites = _citation_dicts(citations)
    doc: dict[str, Any] = {
        "format": "pixtralogist-report",
        "format_version": 1,
        "generator": f"pixtralogist {__version__}",
        "status": draft.status,
        "disclaimer": None if draft.is_signed else draft.disclaimer,
        "report_text": to_text(draft, deidentify=deidentify),
        "draft": draft.model_dump(mode="json"),
        "citations": cites,
        "guideline_ids": _guideline_ids(draft, cites),
    }
    if deidentify:
        doc = _deidentified_dump(doc)
        doc["deidentified"] = True
    return json.dumps(doc, indent=2, ensure_ascii=False)


# --- FHIR R4 ---------------------------------------------------------------


def _instant(dt: datetime) -> str:
    """FHIR ``instant``/``dateTime``: ISO 8601 with a time zone."""
    if dt.tzinfo is None:
        raise ValueError("FHIR instants need a time zone; got a naive datetime")
    return dt.isoformat(timespec="seconds")


def _title(draft: Draft, template: Template | None = None) -> str:
    if template is not None and template.id == draft.template_id:
        return template.title
    return f"{draft.specialty.capitalize()} imaging"


def _code(draft: Draft, case: Case | None, template: Template | None = None) -> dict:
    """The template's code for the number of images in the case (LOINC names a radiograph by its view
    count, so with no case, or a count the template has no code for, that code is not claimed), else
    its own code, else the generic one with the template's title."""
    if template is None or template.id != draft.template_id:
        return {"coding": [dict(GENERIC_CODE)], "text": "Imaging study report"}
    by_views = template.codes_by_views.get(len(case.images)) if case is not None else None
    if by_views is not None:
        return {"coding": [by_views.model_dump()], "text": by_views.display}
    if template.code is not None:
        return {"coding": [template.code.model_dump()], "text": template.title}
    return {"coding": [dict(GENERIC_CODE)], "text": template.title}


def _provenance_extension(draft: Draft, guideline_ids: list[str], deidentify: bool = False) -> dict:
    """A complex extension (sub-extensions only, no value of its own)."""
    p = draft.provenance
    pairs: list[tuple[str, str, Any]] = [
        ("generator", "valueString", f"pixtralogist {__version__}"),
        ("engine", "valueString", p.engine),
        ("model", "valueString", p.model),
        ("adapter", "valueString", p.adapter),
        ("adapterVersion", "valueString", p.adapter_version),
        ("plugin", "valueString", p.plugin),
        ("pluginVersion", "valueString", p.plugin_version),
        ("specialty", "valueString", draft.specialty),
        ("template", "valueString", draft.template_id),
        ("templateVersion", "valueString", draft.template_version),
        ("draftedAt", "valueDateTime", None if deidentify else _instant(p.created_at)),
        ("aiGenerated", "valueBoolean", True),
        ("clinicianSigned", "valueBoolean", draft.is_signed),
        ("disclaimer", "valueString", draft.disclaimer),
    ]
    pairs += [("guideline", "valueString", gid) for gid in guideline_ids]
    return {
        "url": AI_PROVENANCE_URL,
        "extension": [{"url": url, key: value} for url, key, value in pairs if value not in (None, "")],
    }


def _media(case: Case, identity: CaseIdentity | None) -> tuple[list[dict], list[dict]]:
    """Contained ``Media`` resources and the report's ``media`` entries.

    R4 offers two ways to point at images: ``imagingStudy`` (a Reference to
    an ImagingStudy, used too when the identity store knows the DICOM study,
    see :func:`_imaging_study`) and ``media`` (``comment`` + ``link`` to a
    Media resource, "key images"). Every image gets a *contained* Media
    resource: resolvable inside this one document, with only ``status`` and
    ``content`` required, carrying the image's size, modality and the SHA-256
    of the display image the model saw (as an identifier, since R4
    ``Attachment.hash`` is defined as SHA-1). Identified exports (``identity``
    given) add the SHA-256 of the uploaded file and, for DICOM, its SOP
    Instance UID. The pixels themselves are not embedded.
    """
    contained: list[dict] = []
    entries: list[dict] = []
    for i, img in enumerate(case.images, 1):
        meta = img.meta
        mid = f"image-{i}"
        ids = [{"system": IMAGE_SHA256_SYSTEM, "value": meta.sha256}]
        record = identity.for_label(meta.label) if identity is not None else None
        if record is not None:
            if record.sop_instance_uid:
                ids.append({"system": DICOM_UID_SYSTEM, "value": f"urn:oid:{record.sop_instance_uid}"})
            ids.append({"system": SOURCE_SHA256_SYSTEM, "value": record.source_sha256})
        res: dict[str, Any] = {"resourceType": "Media", "id": mid, "identifier": ids, "status": "completed"}
        if meta.modality:
            res["modality"] = {"coding": [{"system": DICOM_DCM, "code": meta.modality}]}
        if meta.view:
            res["view"] = {"text": meta.view}
        res["content"] = {
            "contentType": "application/dicom" if meta.format == "dicom" else f"image/{meta.format}",
            "title": meta.label,
        }
        res["height"] = meta.height
        res["width"] = meta.width
        res["frames"] = meta.frames
        contained.append(res)
        entries.append({"comment": f"{meta.label} (sha256 {meta.sha256})", "link": {"reference": f"#{mid}"}})
    return contained, entries


def _fhir_date(value: str | None) -> str | None:
    """A DICOM DA (YYYYMMDD) as a FHIR date; None when it is not one."""
    if value and len(value) == 8 and value.isdigit():
        try:
            return datetime.strptime(value, "%Y%m%d").date().isoformat()
        except ValueError:
            return None
    return None


def _patient_reference(record: ImageIdentity) -> dict | None:
    """A logical reference to the patient by the source's Patient ID (the receiving system resolves it)."""
    if not record.patient_id:
        return None
    identifier: dict[str, Any] = {
        "type": {"coding": [{"system": V2_0203, "code": "MR", "display": "Medical record number"}]},
        "value": record.patient_id,
    }
    if record.issuer_of_patient_id:
        identifier["assigner"] = {"display": record.issuer_of_patient_id}
    ref: dict[str, Any] = {"type": "Patient", "identifier": identifier}
    name = " ".join(p for p in (record.patient_name or "").replace("=", "^").split("^")[:2][::-1] if p.strip())
    if name:
        ref["display"] = name
    return ref


def _imaging_study(case: Case, identity: CaseIdentity, subject: dict) -> dict | None:
    """A contained ImagingStudy naming the DICOM study (Study Instance UID, accession number) and its
    series and instances, or None when the identity store knows no DICOM study for the case."""
    records = identity.referenceable
    if not records:
        return None
    first = records[0]
    ids: list[dict] = [{"system": DICOM_UID_SYSTEM, "value": f"urn:oid:{first.study_instance_uid}"}]
    if first.accession_number:
        ids.append({"type": {"coding": [{"system": V2_0203, "code": "ACSN", "display": "Accession ID"}]},
                    "value": first.accession_number})
    modality = {img.meta.label: img.meta.modality for img in case.images}
    series: dict[str, dict] = {}
    for r in records:
        if r.study_instance_uid != first.study_instance_uid:
            continue
        entry = series.setdefault(r.series_instance_uid, {
            "uid": r.series_instance_uid,
            "modality": {"system": DICOM_DCM, "code": modality.get(r.label) or "OT"},
            "instance": [],
        })
        entry["instance"].append({"uid": r.sop_instance_uid,
                                  "sopClass": {"system": "urn:ietf:rfc:3986", "code": f"urn:oid:{r.sop_class_uid}"}})
    study: dict[str, Any] = {"resourceType": "ImagingStudy", "id": "study", "identifier": ids,
                             "status": "available", "subject": subject}
    started = _fhir_date(first.study_date)
    if started:
        study["started"] = started
    study["series"] = list(series.values())
    return study


def _narrative(draft: Draft, report: str) -> dict:
    """The human-readable narrative. R4 ``DiagnosticReport`` has no ``note``
    element (it arrives in R5), so the AI/unsigned statement lives here, in
    the provenance extension and at the top of the presented report."""
    status = "Signed by the clinician named in the report; drafted with AI assistance." if draft.is_signed else (
        "AI-generated draft - NOT SIGNED. " + draft.disclaimer
    )
    body = html.escape(report)
    div = (
        '<div xmlns="http://www.w3.org/1999/xhtml">'
        f"<p><b>{html.escape(status)}</b></p><pre>{body}</pre></div>"
    )
    return {"status": "generated", "div": div}


PLACEHOLDER_SUBJECT = {
    "reference": "Patient/placeholder",
    "display": "Placeholder: no patient identifiers are exported; the receiving system links the patient",
}


def to_fhir(draft: Draft, case: Case | None = None, *, citations: Any = None,
            template: Template | None = None, identity: CaseIdentity | None = None,
            deidentify: bool = False) -> dict:
    """The report as a FHIR R4 ``DiagnosticReport`` resource (a JSON-ready dict).

    - ``status``: ``preliminary`` while unsigned, ``final`` once signed.
    - ``code``: the ``template``'s code for the number of images in the case
      (:attr:`Template.codes_by_views`, e.g. LOINC 36643-5 "XR Chest 2 Views" for the chest
      radiograph template), else its own code (:attr:`Template.code`) when it has one, else
      LOINC 18748-4 "Diagnostic imaging study" with the template's title as text.
    - ``subject``: identified exports (``identity``, from the identity store;
      default: what ingestion attached to ``case`` in memory): a logical
      reference by the source's Patient ID (type MR, assigner = Issuer of
      Patient ID) with the patient's name; otherwise, and always when
      ``deidentify``, a placeholder without any identifier.
    - ``imagingStudy``: identified DICOM cases: a contained ImagingStudy with
      the Study Instance UID and accession number as identifiers, its series
      and instances. Never in de-identified exports.
    - ``presentedForm``: the plain-text report (UTF-8, base64).
    - ``media``: one entry per image, linked to a contained ``Media``.
    - ``resultsInterpreter`` and ``performer``: the signing clinician, only when
      signed ("Reviewer" when ``deidentify``).
    - ``extension``: AI provenance (:data:`AI_PROVENANCE_URL`).
    - ``deidentify``: no dates at all (``effectiveDateTime``, ``issued``,
      attachment creation, drafting time are left out), no patient, no study.

    ``case`` is optional: without it the images and the view count are left out.
    """
    cites = _citation_dicts(citations)
    report = to_text(draft, deidentify=deidentify)
    data = report.encode("utf-8")
    issued = draft.signed_at if draft.is_signed and draft.signed_at else utcnow()
    effective = case.created_at if case is not None else draft.provenance.created_at
    title = f"{_title(draft, template)} report"
    if deidentify or case is None:
        identity = None
    elif identity is None:
        identity = case_identity(case)

    subject: dict[str, Any] = dict(PLACEHOLDER_SUBJECT)
    study = None
    if identity is not None:
        first = identity.referenceable[0] if identity.referenceable else next(
            (i for i in identity.images if i.patient_id), None)
        subject = (_patient_reference(first) if first is not None else None) or subject
        study = _imaging_study(case, identity, subject)

    resource: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": draft.id,
        "meta": {"tag": [{"system": "https://pixtralogist.example/fhir/CodeSystem/tags", "code": "ai-assisted"}]
                 + ([{"system": "https://pixtralogist.example/fhir/CodeSystem/tags", "code": "deidentified"}]
                    if deidentify else [])},
        "text": _narrative(draft, report),
    }
    contained, media = _media(case, identity) if case is not None else ([], [])
    if study is not None:
        contained = [study, *contained]
    if contained:
        resource["contained"] = contained
    resource["extension"] = [_provenance_extension(draft, _guideline_ids(draft, cites), deidentify)]
    resource["identifier"] = [{"system": DRAFT_ID_SYSTEM, "value": draft.id}]
    resource["status"] = "final" if draft.is_signed else "preliminary"
    section = template.category if template is not None and template.id == draft.template_id else None
    resource["category"] = [{"coding": [section.model_dump()]} if section else {"text": draft.specialty}]
    resource["code"] = _code(draft, case, template)
    resource["subject"] = subject
    if not deidentify:
        resource["effectiveDateTime"] = _instant(effective)
        resource["issued"] = _instant(issued)
    if draft.is_signed:
        interpreter = [{"display": RESEARCH_SIGNER if deidentify else draft.signed_by}]
        resource["performer"] = interpreter
        resource["resultsInterpreter"] = interpreter
    if study is not None:
        resource["imagingStudy"] = [{"reference": "#study"}]
    if media:
        resource["media"] = media
    resource["conclusion"] = "\n".join(f"{i}. {item}" for i, item in enumerate(draft.impression, 1))
    if not resource["conclusion"]:
        del resource["conclusion"]
    form: dict[str, Any] = {
        "contentType": "text/plain; charset=utf-8",
        "language": "en",
        "data": base64.b64encode(data).decode("ascii"),
        "size": len(data),
        # R4 Attachment.hash is the base64 SHA-1 of the data.
        "hash": base64.b64encode(hashlib.sha1(data).digest()).decode("ascii"),
        "title": title,
    }
    if not deidentify:
        form["creation"] = _instant(issued)
    resource["presentedForm"] = [form]
    return resource


# --- files -----------------------------------------------------------------


def export_filename(draft: Draft, fmt: str) -> str:
    """A neutral file name for an export (the draft's case id, never a patient's name)."""
    suffix = {"text": "report.txt", "json": "report.json", "fhir": "fhir-diagnosticreport.json",
              "dicom-sr": "dicom-sr.dcm"}
    if fmt not in suffix:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    return f"{draft.case_id}-{suffix[fmt]}"


def export_bytes(fmt: str, draft: Draft, case: Case | None = None, *, citations: Any = None,
                 template: Template | None = None, identity: CaseIdentity | None = None,
                 deidentify: bool = False, research_key: bytes | None = None) -> bytes:
    """The bytes of one export format (``text``, ``json``, ``fhir`` or ``dicom-sr``).

    Identified (default): the FHIR and DICOM SR exports carry the patient and
    study of ``identity`` (from the identity store). ``deidentify=True``: a
    research export (no identity, no dates, new UIDs keyed with
    ``research_key``; see :mod:`pixtralogist.core.identity`).
    ``dicom-sr`` raises :class:`~pixtralogist.core.errors.ExportError` when ``case``
    has no DICOM image (see :func:`pixtralogist.core.dicom_sr.to_dicom_sr`).
    """
    if fmt == "text":
        return (to_text(draft, deidentify=deidentify) + "\n").encode("utf-8")
    if fmt == "json":
        return to_json(draft, citations=citations, deidentify=deidentify).encode("utf-8")
    if fmt == "fhir":
        resource = to_fhir(draft, case, citations=citations, template=template, identity=identity,
                           deidentify=deidentify)
        return json.dumps(resource, indent=2, ensure_ascii=False).encode("utf-8")
    if fmt == "dicom-sr":
        from pixtralogist.core.dicom_sr import to_dicom_sr_bytes

        return to_dicom_sr_bytes(draft, case, citations=citations, template=template, identity=identity,
                                 deidentify=deidentify, research_key=research_key)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
