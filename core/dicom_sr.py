"""Export a report as a DICOM Comprehensive SR, filed with the source DICOM study.

Only for cases with at least one DICOM image: the SR takes the source's
StudyInstanceUID, so a PACS files it with the study it reports on, and lists
the source instances as its evidence (Current Requested Procedure Evidence
Sequence, by the UIDs kept at ingestion in
:class:`~pixtralogist.core.models.ImageMeta`). A case without DICOM images
raises :class:`~pixtralogist.core.errors.ExportError`; export it as text, JSON
or FHIR instead.

Patient identity: ingestion drops the patient's name, id, birth date, sex,
accession number and the study date (:mod:`pixtralogist.core.imaging`), so the
Patient module and the identifying General Study attributes (all Type 2) are
written **empty**. The receiving system (PACS, RIS) links the SR to its
patient through the StudyInstanceUID and fills them in; nothing that
identifies the patient is ever exported.

The content tree follows the shape of DICOM TID 2000 "Basic Diagnostic
Imaging Report" (root LOINC 18748-4)::

    CONTAINER Diagnostic Imaging Report (LN 18748-4)
      HAS CONCEPT MOD  Language = English
      HAS CONCEPT MOD  Procedure reported (LOINC code of the template, when known)
      HAS OBS CONTEXT  Observer: Device (Pixtralogist, the drafting model)
      HAS OBS CONTEXT  Observer: Person (the signing clinician; signed reports only)
      CONTAINS CONTAINER Findings (DCM 121070)
        CONTAINS CONTAINER <region label> (99PIXTRALOGIST <region key>)
          CONTAINS TEXT Finding (DCM 121071) ...   one per finding, in order
      CONTAINS CONTAINER Impressions (DCM 121072)
        CONTAINS TEXT Impression (DCM 121073) ...  one per item
      CONTAINS CONTAINER AI drafting provenance (99PIXTRALOGIST)
        CONTAINS TEXT Comment (DCM 121106)         AI-generated/unsigned or signed statement
        HAS CONCEPT MOD  Algorithm Name/Version/Manufacturer/Parameters (TID 4019)
        CONTAINS TEXT    Guideline reference ...   one per guideline snippet id
      CONTAINS CONTAINER Image Library (DCM 111028)
        CONTAINS IMAGE Source image (DCM 121324) ... one per source DICOM instance

Sign-off maps to the SR Document General module: an unsigned AI draft is
``CompletionFlag PARTIAL``, ``VerificationFlag UNVERIFIED``, ``PreliminaryFlag
PRELIMINARY``; a signed report is ``COMPLETE``, ``VERIFIED`` (the Verifying
Observer is the signing clinician, at the signing time) and ``FINAL``.

>>> from pixtralogist.core.dicom_sr import to_dicom_sr, to_dicom_sr_bytes   # doctest: +SKIP
>>> ds = to_dicom_sr(turn.draft, case, citations=turn.citations)
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pixtralogist import __version__
from pixtralogist.core.errors import ExportError
from pixtralogist.core.models import AI_DISCLAIMER, SIGNED_NOTE, Case, Draft, ImageMeta, Template

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

__all__ = ["PRIVATE_SCHEME", "SR_SERIES_NUMBER", "dicom_evidence", "to_dicom_sr", "to_dicom_sr_bytes"]

#: Coding scheme of the project's own (local) codes: region keys and provenance items.
#: DICOM reserves designators starting with "99" for local schemes (PS3.16 8.2).
PRIVATE_SCHEME = "99PIXTRALOGIST"
#: Series number of the SR series (one SR series per case; its UID derives from the case id).
SR_SERIES_NUMBER = 9901
#: VerifyingOrganization is Type 1 once verified; the app does not record one.
UNKNOWN_ORGANIZATION = "Not recorded"
MANUFACTURER = "Pixtralogist"

_LOINC_SYSTEM = "http://loinc.org"
_IDENTIFYING_TYPE2 = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber", "StudyID", "StudyDate",
    "StudyTime", "ReferringPhysicianName",
)


# --- evidence ----------------------------------------------------------------------


def _referenceable(meta: ImageMeta) -> bool:
    return meta.format == "dicom" and all(
        (meta.study_instance_uid, meta.series_instance_uid, meta.sop_instance_uid, meta.sop_class_uid)
    )


def dicom_evidence(case: Case | None) -> list[ImageMeta]:
    """The case's DICOM images that an SR can reference (all four UIDs known), in upload order.

    Raises :class:`ExportError` with a readable message when there is none.
    """
    if case is None:
        raise ExportError(
            "A DICOM SR export needs the case's DICOM images, and this case's images are not available. "
            "Export as text, JSON or FHIR instead."
        )
    dicoms = [img.meta for img in case.images if img.meta.format == "dicom"]
    if not dicoms:
        raise ExportError(
            "DICOM SR export needs a DICOM study: this case has only PNG/JPEG images, so there is no DICOM "
            "study to file the report with. Export as text, JSON or FHIR instead."
        )
    usable = [m for m in dicoms if _referenceable(m)]
    if not usable:
        raise ExportError(
            "The DICOM images of this case carry no usable study/series/instance UIDs (the files lack them, "
            "or the case was created before UIDs were kept), so a DICOM SR could not reference them. "
            "Upload the DICOM files again in a new case, or export as text, JSON or FHIR."
        )
    return usable


def _evidence_dataset(meta: ImageMeta) -> "Dataset":
    """The minimal data set highdicom needs per evidence instance: UIDs, identity left empty."""
    from pydicom.dataset import Dataset

    ds = Dataset()
    ds.StudyInstanceUID = meta.study_instance_uid
    ds.SeriesInstanceUID = meta.series_instance_uid
    ds.SOPInstanceUID = meta.sop_instance_uid
    ds.SOPClassUID = meta.sop_class_uid
    for keyword in _IDENTIFYING_TYPE2:  # Type 2: present and empty; the receiving system links the patient
        setattr(ds, keyword, None)
    return ds


# --- content -----------------------------------------------------------------------


def _local(code: str, meaning: str):
    from highdicom.sr import CodedConcept

    return CodedConcept(value=code, scheme_designator=PRIVATE_SCHEME, meaning=_lo(meaning))


def _lo(text: str, limit: int = 64) -> str:
    """A value fit for a LO/SH-like attribute: one line, no backslash, at most ``limit`` characters."""
    text = re.sub(r"\s+", " ", str(text)).replace("\\", "/").strip()
    return text[:limit] or "-"


def person_name(display: str) -> str:
    """A clinician's name as typed ("Dr A. Example", "Example, Anna") as a DICOM PN value.

    "Family, Given" becomes ``Family^Given``; a value with ``^`` is kept; any
    other text is kept whole as the family-name component (``Dr A. Example^``)
    rather than guessing which word is the family name.
    """
    name = re.sub(r"\s+", " ", display).replace("\\", "/").replace("=", "-").strip()
    if "^" not in name:
        family, sep, given = name.partition(",")
        name = f"{family.strip()}^{given.strip()}" if sep else f"{name}^"
    return name[:64]


def _container(name, items: Sequence[Any], relationship: str | None = "CONTAINS", **kw: Any):
    from highdicom.sr import ContainerContentItem, ContentSequence

    item = ContainerContentItem(name=name, relationship_type=relationship, **kw)
    if items:
        item.ContentSequence = ContentSequence(list(items))
    return item


def _text(name, value: str, relationship: str = "CONTAINS"):
    from highdicom.sr import TextContentItem

    return TextContentItem(name=name, value=value, relationship_type=relationship)


def _procedure_code(draft: Draft, case: Case, template: Template | None):
    """The template's LOINC procedure code (as the FHIR export chooses it), or None when only generic."""
    from highdicom.sr import CodedConcept

    from pixtralogist.core.export import GENERIC_CODE, _code

    coding = _code(draft, case, template)["coding"][0]
    if coding.get("system") != _LOINC_SYSTEM or coding.get("code") == GENERIC_CODE["code"]:
        return None
    return CodedConcept(value=coding["code"], scheme_designator="LN", meaning=_lo(coding["display"]))


def _device_observer(draft: Draft):
    from highdicom.sr import DeviceObserverIdentifyingAttributes, ObserverContext
    from pydicom.sr.codedict import codes
    from pydicom.uid import generate_uid

    p = draft.provenance
    model = p.model or p.engine
    uid = generate_uid(entropy_srcs=["pixtralogist-device-observer", __version__, p.engine, model])
    return ObserverContext(
        observer_type=codes.DCM.Device,
        observer_identifying_attributes=DeviceObserverIdentifyingAttributes(
            uid=uid, name=_lo(f"Pixtralogist {__version__} ({p.engine})"), manufacturer_name=MANUFACTURER,
            model_name=_lo(model),
        ),
    )


def _person_observer(draft: Draft):
    from highdicom.sr import ObserverContext, PersonObserverIdentifyingAttributes
    from pydicom.sr.codedict import codes

    return ObserverContext(
        observer_type=codes.DCM.Person,
        observer_identifying_attributes=PersonObserverIdentifyingAttributes(name=person_name(draft.signed_by or "")),
    )


def _provenance(draft: Draft, guideline_ids: list[str]) -> Any:
    from highdicom.sr import AlgorithmIdentification
    from pydicom.sr.codedict import codes

    p = draft.provenance
    if draft.is_signed and draft.signed_at:
        status = f"{SIGNED_NOTE} Signed by {draft.signed_by} at {draft.signed_at.isoformat()}."
    else:
        status = f"AI-generated draft - NOT SIGNED. {draft.disclaimer or AI_DISCLAIMER}"
    params = [f"engine={p.engine}", f"source={p.source}"]
    params += [f"adapter={p.adapter}"] if p.adapter else []
    params += [f"adapter_version={p.adapter_version}"] if p.adapter_version else []
    params += [
        f"plugin={p.plugin} {p.plugin_version}",
        f"specialty={draft.specialty}",
        f"template={draft.template_id} v{draft.template_version}",
        f"draft_id={draft.id}",
        f"drafted_at={p.created_at.isoformat()}",
        f"generator=pixtralogist {__version__}",
    ]
    algorithm = AlgorithmIdentification(
        name=_lo(p.model or f"pixtralogist {p.engine}"),
        version=_lo(p.adapter_version or p.plugin_version or __version__),
        parameters=params,
        manufacturer=MANUFACTURER,
    )
    items = [_text(codes.DCM.Comment, status), *algorithm]
    items += [_text(_local("guideline", "Guideline reference"), gid) for gid in guideline_ids]
    return _container(_local("ai-provenance", "AI drafting provenance"), items)


def _content(draft: Draft, case: Case, evidence: list[ImageMeta], template: Template | None, guideline_ids: list[str]):
    from highdicom.sr import CodeContentItem, CodedConcept, ImageContentItem, LanguageOfContentItemAndDescendants
    from pydicom.sr.codedict import codes

    root_items: list[Any] = [
        *LanguageOfContentItemAndDescendants(
            language=CodedConcept(value="en", scheme_designator="RFC5646", meaning="English")),
    ]
    procedure = _procedure_code(draft, case, template)
    if procedure is not None:
        root_items.append(CodeContentItem(name=codes.DCM.ProcedureReported, value=procedure,
                                          relationship_type="HAS CONCEPT MOD"))
    root_items += [*_device_observer(draft)]
    if draft.is_signed:
        root_items += [*_person_observer(draft)]

    regions = []
    for region, findings in draft.by_region().items():
        label = draft.region_labels.get(region) or region.replace("_", " ").capitalize()
        regions.append(_container(_local(region, label), [_text(codes.DCM.Finding, f.text) for f in findings]))
    root_items.append(_container(codes.DCM.Findings, regions))
    root_items.append(_container(codes.DCM.Impressions, [_text(codes.DCM.Impression, i) for i in draft.impression]))
    root_items.append(_provenance(draft, guideline_ids))
    root_items.append(_container(codes.DCM.ImageLibrary, [
        ImageContentItem(name=codes.DCM.SourceImage, referenced_sop_class_uid=m.sop_class_uid,
                         referenced_sop_instance_uid=m.sop_instance_uid, relationship_type="CONTAINS")
        for m in evidence
    ]))
    return _container(codes.LN.DiagnosticImagingReport, root_items, relationship=None, template_id="2000")


# --- the document ------------------------------------------------------------------


def to_dicom_sr(draft: Draft, case: Case | None, *, template: Template | None = None, citations: Any = None,
                organization: str | None = None) -> "Dataset":
    """The report as a DICOM Comprehensive SR instance (a ``pydicom.Dataset``, highdicom ``ComprehensiveSR``).

    - Study: the StudyInstanceUID of the case's first DICOM image, so a PACS
      files the SR with the study it reports on; a new SR series whose UID
      derives from the case id (repeated exports share it), a new SOP
      instance per export.
    - Evidence: every DICOM image of the case with known UIDs (Current
      Requested Procedure Evidence Sequence for the same study, Pertinent
      Other Evidence for images of another study) and an IMAGE item each.
    - Patient module and identifying study attributes: present and **empty**
      (Type 2). Identifiers are dropped at ingestion; the receiving system
      links the patient through the StudyInstanceUID.
    - Findings: one container per template region with one TEXT item per
      finding; the impression as TEXT items.
    - Status: unsigned -> PARTIAL / UNVERIFIED / PRELIMINARY with the AI
      disclaimer; signed -> COMPLETE / VERIFIED / FINAL, the Verifying Observer
      being the signing clinician at the signing time (``organization`` is the
      Verifying Organization; "Not recorded" when not given).
    - AI provenance: a device observer (Pixtralogist and the model) and an
      algorithm identification (model, adapter version, plugin and template
      versions) plus the guideline snippet ids relied on (from the draft,
      its flags and ``citations``).

    ``template`` (optional) supplies the report's LOINC procedure code.
    Raises :class:`~pixtralogist.core.errors.ExportError` when the case has no
    DICOM image that can be referenced, or the draft is of another case.
    """
    from highdicom.coding_schemes import CodingSchemeIdentificationItem
    from highdicom.sr import ComprehensiveSR
    from pydicom.uid import generate_uid
    from pydicom.valuerep import DT

    from pixtralogist.core.export import _citation_dicts, _guideline_ids, _title

    evidence = dicom_evidence(case)
    if draft.case_id != case.id:
        raise ExportError(
            f"The draft belongs to case {draft.case_id}, not to case {case.id}; export it with its own case.")
    # The SR joins the first image's study; highdicom takes the study from evidence[0].
    study = evidence[0].study_instance_uid
    ordered = [m for m in evidence if m.study_instance_uid == study] + [
        m for m in evidence if m.study_instance_uid != study]
    guideline_ids = _guideline_ids(draft, _citation_dicts(citations))
    content = _content(draft, case, ordered, template, guideline_ids)
    signed = draft.is_signed
    sr = ComprehensiveSR(
        evidence=[_evidence_dataset(m) for m in ordered],
        content=content,
        series_instance_uid=generate_uid(entropy_srcs=["pixtralogist-sr-series", case.id]),
        series_number=SR_SERIES_NUMBER,
        sop_instance_uid=generate_uid(),
        instance_number=1,
        manufacturer=MANUFACTURER,
        is_complete=signed,
        is_final=signed,
        is_verified=signed,
        verifying_observer_name=person_name(draft.signed_by) if signed and draft.signed_by else None,
        verifying_organization=_lo(organization or UNKNOWN_ORGANIZATION) if signed else None,
        series_description=_lo(f"{_title(draft, template)} report (AI-assisted)"),
        manufacturer_model_name=MANUFACTURER,
        software_versions=_lo(__version__, 64),
        specific_character_set="ISO_IR 192",
        coding_schemes=[CodingSchemeIdentificationItem(designator=PRIVATE_SCHEME, name="Pixtralogist local codes")],
    )
    if signed and draft.signed_at is not None:
        sr.VerifyingObserverSequence[0].VerificationDateTime = DT(draft.signed_at)
    return sr


def to_dicom_sr_bytes(draft: Draft, case: Case | None, *, template: Template | None = None,
                      citations: Any = None, organization: str | None = None) -> bytes:
    """:func:`to_dicom_sr` written as a DICOM Part 10 file (what ``export_bytes('dicom-sr', ...)`` returns)."""
    from pydicom import dcmwrite

    sr = to_dicom_sr(draft, case, template=template, citations=citations, organization=organization)
    buf = io.BytesIO()
    dcmwrite(buf, sr, enforce_file_format=True)
    return buf.getvalue()
