"""Example cases for dermatology (``pixtralogist_examples``): synthetic images and invented dictation.

Every image is drawn here with numpy and Pillow (no patient data, no downloads) from a fixed seed,
so the bytes are identical on every run:

* ``derm-changing-pigmented-lesion``: a PNG "dermoscopic" image of an asymmetric lesion with several
  colours; the dictation describes features that score 5 on the 7-point checklist and gives no plan
  (the rules flag the missing recommendation).
* ``derm-naevus-dicom-xc``: a DICOM VL photographic image (modality ``XC``) of a small round uniform
  brown macule, with a consistent benign impression and plan.
* ``derm-scaly-plaques-jpeg``: a JPEG clinical photograph of erythematous scaly plaques with no size
  dictated (the rules flag the missing size).
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np

from pixtralogist.core.models import ExampleCase, ExampleImage

__all__ = ["dicom_photo", "examples", "lesion_image"]

SPECIALTY = "dermatology"
VL_PHOTOGRAPHIC = "1.2.840.10008.5.1.4.1.1.77.1.4"  # VL Photographic Image Storage
DERMOSCOPIC_PHOTOGRAPHY = "1.2.840.10008.5.1.4.1.1.77.1.7"  # Dermoscopic Photography Image Storage


def _skin(size: int, rng: np.random.RandomState) -> np.ndarray:
    base = np.array([222, 178, 150], dtype=np.float64)
    noise = rng.normal(0.0, 4.0, (size, size, 1))
    return np.clip(base + noise, 0, 255)


def lesion_image(kind: str, size: int = 160, seed: int = 0) -> np.ndarray:
    """An RGB uint8 array: 'atypical' (asymmetric, several colours), 'naevus' (round, uniform) or 'plaques'."""
    rng = np.random.RandomState(seed)
    img = _skin(size, rng)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    c = size / 2.0
    if kind == "naevus":
        r = np.hypot(yy - c, xx - c)
        mask = r < size * 0.22
        img[mask] = [120, 80, 55]
        img[mask & (r < size * 0.1)] = [105, 68, 46]
    elif kind == "atypical":
        ang = np.arctan2(yy - c, xx - c)
        radius = size * (0.28 + 0.07 * np.sin(3 * ang) + 0.05 * np.cos(5 * ang + 1.0)) + 6 * (xx > c)
        r = np.hypot(yy - c * 0.95, xx - c * 1.05)
        mask = r < radius
        img[mask] = [150, 100, 70]  # light brown
        img[mask & (xx < c) & (yy < c * 1.1)] = [85, 50, 35]  # dark brown
        img[mask & (np.hypot(yy - c * 1.2, xx - c * 1.15) < size * 0.1)] = [110, 120, 150]  # blue-grey
        dots = rng.randint(0, size, (40, 2))
        for y, x in dots:
            if mask[y, x]:
                img[max(0, y - 1):y + 2, max(0, x - 1):x + 2] = [40, 25, 20]
    elif kind == "plaques":
        for cy, cx, rad in ((0.35, 0.3, 0.16), (0.6, 0.65, 0.2), (0.3, 0.75, 0.1)):
            r = np.hypot((yy - cy * size) / 1.2, xx - cx * size)
            mask = r < rad * size
            img[mask] = [200, 95, 90]
            flakes = mask & (rng.rand(size, size) < 0.25)
            img[flakes] = [235, 230, 225]
    else:
        raise ValueError(f"unknown lesion kind {kind!r}")
    return img.astype(np.uint8)


def _encode(arr: np.ndarray, fmt: str) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    kwargs = {"quality": 90} if fmt == "JPEG" else {"optimize": True}
    Image.fromarray(arr, "RGB").save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def dicom_photo(arr: np.ndarray, *, modality: str = "XC", body_part: str | None = None,
                study_description: str = "Skin lesion photograph", seed: str = "derm") -> bytes:
    """A small uncompressed RGB DICOM photograph (VL Photographic, or Dermoscopic Photography for ``DMS``)."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.filewriter import dcmwrite
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    sop_class = DERMOSCOPIC_PHOTOGRAPHY if modality == "DMS" else VL_PHOTOGRAPHIC
    uid = lambda part: generate_uid(entropy_srcs=["pixtralogist-dermatology-example", seed, part])  # noqa: E731
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = uid("sop")
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = uid("study")
    ds.SeriesInstanceUID = uid("series")
    ds.Modality = modality
    ds.StudyDescription = study_description
    if body_part:
        ds.BodyPartExamined = body_part
    ds.Rows, ds.Columns = int(arr.shape[0]), int(arr.shape[1])
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = "RGB"
    ds.PlanarConfiguration = 0
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PixelData = np.ascontiguousarray(arr, dtype=np.uint8).tobytes()
    buf = io.BytesIO()
    dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue()


@lru_cache(maxsize=1)
def _build() -> tuple[ExampleCase, ...]:
    return (
        ExampleCase(
            id="derm-changing-pigmented-lesion",
            specialty=SPECIALTY,
            title="Changing pigmented lesion with dermoscopy (PNG)",
            images=[ExampleImage(filename="dermoscopy.png", data=_encode(lesion_image("atypical", seed=1), "PNG"))],
            indication="Pigmented lesion on the back, changing in size over 6 months. Dermoscopy.",
            notes=("7x5mm asym pigm macule L upper back, irreg border, 3 colours lt brown/dk brown/blue-grey\n"
                   "derm: APN, BWV, irreg dots and globules, no regression"),
            expected_template="skin_lesion",
        ),
        ExampleCase(
            id="derm-naevus-dicom-xc",
            specialty=SPECIALTY,
            title="Small uniform naevus (DICOM XC photograph)",
            images=[ExampleImage(filename="photo.dcm", data=dicom_photo(
                lesion_image("naevus", size=128, seed=2), modality="XC", body_part="ARM",
                study_description="Skin lesion photograph", seed="naevus"))],
            indication="Mole check.",
            notes=("4mm symmetric uniformly brown macule R forearm, regular border, smooth surface\n"
                   "derm: typical pigment network, regular globules, no BWV or regression\n"
                   "imp: benign naevus\nplan: routine self-monitoring, photograph for comparison"),
            expected_template="skin_lesion",
        ),
        ExampleCase(
            id="derm-scaly-plaques-jpeg",
            specialty=SPECIALTY,
            title="Erythematous scaly plaques (JPEG photograph)",
            images=[ExampleImage(filename="clinical.jpg", data=_encode(lesion_image("plaques", seed=3), "JPEG"))],
            indication="Itchy rash on the elbows for 3 months.",
            notes="multiple well-defined erythematous plaques with silvery scale on both elbows, no ulceration",
            expected_template="skin_lesion",
        ),
    )


def examples() -> list[ExampleCase]:
    """The plugin's example cases (built once; deterministic bytes)."""
    return list(_build())
