"""Example cases (``pixtralogist_examples``): synthetic images drawn here, invented dictation.

Nothing here is patient data. The images are drawn with numpy + Pillow (and
written as DICOM with pydicom where the case needs DICOM headers), from fixed
seeds, so every call returns the same bytes:

* ``oph-fundus-npdr-png`` - a colour fundus photograph (PNG, no metadata: the
  router works from the words and the image cue), both eyes dictated, with an
  ICDR grade per eye and DME stated: a consistent report.
* ``oph-fundus-pdr-dicom`` - a DICOM ``OP`` (ophthalmic photography) right-eye
  fundus image; the dictation describes PDR signs and macular edema but no grade:
  the rule checks flag the missing grade.
* ``oph-octa-dicom`` - a DICOM ``OPT`` OCT-angiography en-face slab of a left eye
  (enlarged FAZ, reduced vessel density, non-perfusion).
"""

from __future__ import annotations

import io

import numpy as np

from pixtralogist.core.models import ExampleCase, ExampleImage

__all__ = ["examples", "fundus_array", "octa_array"]

_UID_ROOT = "2.25."  # UUID-derived UIDs, fixed so the bytes are deterministic
_SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"


def _dot(img: np.ndarray, x: float, y: float, r: float, colour) -> None:
    """Paint a filled circle (local window only: fast)."""
    h, w = img.shape[:2]
    x0, x1 = max(0, int(x - r - 1)), min(w, int(x + r + 2))
    y0, y1 = max(0, int(y - r - 1)), min(h, int(y + r + 2))
    if x0 >= x1 or y0 >= y1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1]
    mask = (xx - x) ** 2 + (yy - y) ** 2 <= r * r
    img[y0:y1, x0:x1][mask] = colour


def fundus_array(size: int = 256, *, eye: str = "right", seed: int = 0, lesions: str = "npdr") -> np.ndarray:
    """A synthetic colour fundus photograph (``size`` x ``size`` x 3, uint8): an orange-red round field on
    black, a bright optic disc (nasal: image right for a right eye), vessel arcades, a darker macula, and
    lesions (``'npdr'``: red dots and yellow exudates; ``'pdr'``: also a vessel tuft at the disc)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    c = (size - 1) / 2.0
    r = np.hypot(xx - c, yy - c) / (size * 0.46)
    field = r <= 1.0
    shade = np.clip(1.0 - 0.45 * r**2, 0, 1)
    img = np.zeros((size, size, 3), np.float32)
    img[..., 0] = 205 * shade
    img[..., 1] = 92 * shade
    img[..., 2] = 40 * shade
    dx = 0.22 * size if eye == "right" else -0.22 * size
    disc_x, disc_y = c + dx, c
    mac_x = c - 0.12 * size if eye == "right" else c + 0.12 * size
    macula = np.exp(-((xx - mac_x) ** 2 + (yy - c) ** 2) / (2 * (0.07 * size) ** 2))
    img *= (1.0 - 0.35 * macula)[..., None]
    # vessel arcades: four arcs leaving the disc towards the macula side
    t = np.linspace(0, 1, 400)
    for sign in (-1, 1):
        for k, (width, col) in enumerate(((2.2, (120, 20, 25)), (1.5, (150, 35, 30)))):
            bend = 0.30 + 0.08 * k
            px = disc_x - np.sign(dx) * t * 0.55 * size
            py = disc_y + sign * np.sin(t * np.pi * 0.9) * bend * size
            for x, y in zip(px, py):
                _dot(img, x, y, width, col)
    disc = np.hypot(xx - disc_x, yy - disc_y) <= 0.055 * size
    img[disc] = (250, 215, 150)
    cup = np.hypot(xx - disc_x, yy - disc_y) <= 0.018 * size
    img[cup] = (255, 240, 200)
    # lesions
    for _ in range(14):
        x, y = rng.uniform(0.2, 0.8, 2) * size
        _dot(img, x, y, rng.uniform(1.0, 2.4), (110, 10, 10))
    for _ in range(6):
        x = mac_x + rng.uniform(-0.08, 0.08) * size
        y = c + rng.uniform(-0.08, 0.08) * size
        _dot(img, x, y, rng.uniform(1.0, 2.0), (235, 210, 90))
    if lesions == "pdr":
        for a in np.linspace(0, 2 * np.pi, 9):
            px = disc_x + np.cos(a) * np.linspace(0, 0.07 * size, 30)
            py = disc_y + np.sin(a) * np.linspace(0, 0.07 * size, 30) + np.sin(np.linspace(0, 6, 30)) * 2
            for x, y in zip(px, py):
                _dot(img, x, y, 0.9, (170, 30, 40))
        lower = (yy > c + 0.18 * size) & field
        img[lower] = img[lower] * 0.55 + np.array([90, 10, 10]) * 0.45
    img[~field] = 0
    return np.clip(img, 0, 255).astype(np.uint8)


def octa_array(size: int = 128, *, seed: int = 1) -> np.ndarray:
    """A synthetic OCTA en-face slab (``size`` x ``size``, uint8): a bright capillary mesh with a dark,
    slightly irregular foveal avascular zone in the centre and a dark non-perfused patch temporally."""
    rng = np.random.default_rng(seed)
    img = np.zeros((size, size), np.float32)
    for _ in range(260):  # random short capillary segments
        x0, y0 = rng.uniform(0, size, 2)
        ang = rng.uniform(0, np.pi)
        length = rng.uniform(4, 14)
        for s in np.linspace(0, length, int(length * 2)):
            x, y = int(x0 + np.cos(ang) * s), int(y0 + np.sin(ang) * s)
            if 0 <= x < size and 0 <= y < size:
                img[y, x] = 230
    for k in range(6):  # larger vessels from the edges towards the centre
        ang = k * np.pi / 3 + 0.2
        for s in np.linspace(0.18 * size, 0.7 * size, 200):
            x, y = int(size / 2 + np.cos(ang) * s), int(size / 2 + np.sin(ang) * s)
            if 0 <= x < size and 0 <= y < size:
                img[max(0, y - 1):y + 1, max(0, x - 1):x + 1] = 255
    yy, xx = np.mgrid[0:size, 0:size]
    theta = np.arctan2(yy - size / 2, xx - size / 2)
    faz = np.hypot(xx - size / 2, yy - size / 2) <= 0.14 * size * (1 + 0.15 * np.sin(3 * theta))
    img[faz] = 0
    img[(np.hypot(xx - 0.2 * size, yy - 0.55 * size) <= 0.1 * size)] = 0
    return np.clip(img, 0, 255).astype(np.uint8)


def _png(arr: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _dicom(arr: np.ndarray, *, modality: str, laterality: str, study: str, series: str, n: int) -> bytes:
    """A minimal, uncompressed, de-identified DICOM (Secondary Capture SOP class) with ophthalmic headers."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    sop_uid = f"{_UID_ROOT}{331_000_000 + n}"
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = _SECONDARY_CAPTURE
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = f"{_UID_ROOT}331999"
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = _SECONDARY_CAPTURE
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = f"{_UID_ROOT}{332_000_000 + n}"
    ds.SeriesInstanceUID = f"{_UID_ROOT}{333_000_000 + n}"
    ds.Modality = modality
    ds.BodyPartExamined = "EYE"
    ds.ImageLaterality = laterality
    ds.Laterality = laterality
    ds.StudyDescription = study
    ds.SeriesDescription = series
    ds.PatientName = "Synthetic^Example"
    ds.PatientID = "SYNTHETIC"
    ds.ConversionType = "SYN"
    ds.Rows, ds.Columns = arr.shape[:2]
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    if arr.ndim == 3:
        ds.SamplesPerPixel = 3
        ds.PhotometricInterpretation = "RGB"
        ds.PlanarConfiguration = 0
    else:
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
    ds.PixelData = np.ascontiguousarray(arr).tobytes()
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def examples() -> list[ExampleCase]:
    """The plugin's example cases (deterministic bytes, each image well under 200 KB)."""
    npdr = ExampleCase(
        id="oph-fundus-npdr-png",
        specialty="ophthalmology",
        title="Fundus photograph, diabetic eye screening (moderate NPDR right, mild NPDR left)",
        images=[ExampleImage(filename="fundus-od.png", data=_png(fundus_array(eye="right", seed=3)))],
        indication="Diabetic eye screening, type 2 diabetes. Fundus photographs both eyes.",
        notes=("OD: CDR 0.3, disc pink sharp. scattered MAs and DBH in 2 quads, few HE temporal to fovea, no NV. "
               "OS: few MAs only, no NV.\nvessels nl caliber OU. no DME OU.\nmod NPDR OD, mild NPDR OS"),
        expected_template="fundus",
    )
    pdr = ExampleCase(
        id="oph-fundus-pdr-dicom",
        specialty="ophthalmology",
        title="Fundus photograph (DICOM OP), right eye with new vessels at the disc",
        images=[ExampleImage(filename="fundus-op-od.dcm",
                             data=_dicom(fundus_array(192, eye="right", seed=5, lesions="pdr"), modality="OP",
                                         laterality="R", study="Colour fundus photography",
                                         series="Fundus OD 45 degrees", n=1))],
        indication="Type 1 diabetes, reduced vision right eye.",
        notes="OD: NVD, VH inferiorly, DBH in 4 quads, prominent IRMA, macular edema centre-involving",
        expected_template="fundus",
    )
    octa = ExampleCase(
        id="oph-octa-dicom",
        specialty="ophthalmology",
        title="OCT angiography (DICOM OPT), left eye, 3x3 mm macula",
        images=[ExampleImage(filename="octa-os.dcm",
                             data=_dicom(octa_array(seed=7), modality="OPT", laterality="L",
                                         study="OCT Angiography Macula 3x3 mm", series="Superficial slab en face",
                                         n=2))],
        indication="Diabetic retinopathy follow-up, OCT angiography left eye.",
        notes="OS: FAZ enlarged irregular, VD reduced SCP and DCP, NP temporal macula, no NV",
        expected_template="octa",
    )
    return [npdr, pdr, octa]
