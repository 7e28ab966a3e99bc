"""Compressed DICOM: the decoders clinicians' files need are part of the default install.

PACS exports are often compressed (JPEG Baseline/Extended/Lossless, JPEG 2000, JPEG-LS,
RLE). pydicom decodes them through its plugin family (pylibjpeg with libjpeg, openjpeg
and rle; pyjpegls), which pyproject.toml installs by default. These tests walk every
file pydicom ships for its own tests: each one is either ingested or refused with a
specific, helpful message; nothing raises anything else.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.pixels import get_decoder

from pixtralogist.core.errors import CorruptImageError, IngestError
from pixtralogist.core.imaging import load_image

DATA = Path(pydicom.__file__).parent / "data"

# The two compressed files pydicom ships that no conforming decoder reads (pydicom's
# test_files/README.txt): JPEG-lossy.dcm has scan parameters a sequential JPEG decoder
# must reject (pydicom ships JPGExtended.dcm as its fixed version), and
# JPEG2000-embedded-sequence-delimiter.dcm has 4 bytes of its codestream overwritten.
NON_CONFORMING = {"JPEG-lossy.dcm", "JPEG2000-embedded-sequence-delimiter.dcm"}

# Compressed transfer syntaxes a PACS sends, each with a file pydicom ships.
COMPRESSED = [
    ("SC_rgb_jpeg_dcmtk.dcm", "1.2.840.10008.1.2.4.50"),  # JPEG Baseline
    ("JPGExtended.dcm", "1.2.840.10008.1.2.4.51"),  # JPEG Extended, 12-bit
    ("SC_rgb_jpeg_gdcm.dcm", "1.2.840.10008.1.2.4.70"),  # JPEG Lossless SV1
    ("MR_small_jp2klossless.dcm", "1.2.840.10008.1.2.4.90"),  # JPEG 2000 lossless
    ("JPEG2000.dcm", "1.2.840.10008.1.2.4.91"),  # JPEG 2000
    ("MR_small_jpeg_ls_lossless.dcm", "1.2.840.10008.1.2.4.80"),  # JPEG-LS lossless
    ("JPEGLSNearLossless_16.dcm", "1.2.840.10008.1.2.4.81"),  # JPEG-LS near-lossless
    ("MR_small_RLE.dcm", "1.2.840.10008.1.2.5"),  # RLE Lossless
]

# Losslessly compressed copies of an uncompressed file: the display image must be identical.
LOSSLESS_PAIRS = [
    ("MR_small_RLE.dcm", "MR_small.dcm"),
    ("MR_small_jp2klossless.dcm", "MR_small.dcm"),
    ("MR_small_jpeg_ls_lossless.dcm", "MR_small.dcm"),
    ("SC_rgb_jpeg_gdcm.dcm", "SC_rgb_rle.dcm"),  # two lossless encodings of one image
]


def shipped_files() -> list[Path]:
    """Every file in pydicom's bundled data folders (no download is attempted)."""
    return sorted(p for d in ("test_files", "charset_files", "palettes") for p in (DATA / d).rglob("*") if p.is_file())


def shipped(name: str) -> Path:
    hits = [p for p in shipped_files() if p.name == name]
    assert hits, f"pydicom no longer ships {name}"
    return hits[0]


@pytest.fixture(autouse=True)
def _quiet_pydicom():
    logger = logging.getLogger("pydicom")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    logger.setLevel(level)


def test_every_pydicom_test_file_is_ingested_or_refused_with_a_specific_message():
    files = shipped_files()
    assert len(files) > 150, "pydicom's bundled test data went missing"
    ingested, refused, other = [], {}, []
    for path in files:
        try:
            load_image(path)
            ingested.append(path.name)
        except IngestError as exc:
            refused[path.name] = (type(exc), str(exc))
        except Exception as exc:  # noqa: BLE001 - the point of the test
            other.append(f"{path.relative_to(DATA)}: {exc!r}")
    assert not other, "ingestion raised something other than an IngestError:\n" + "\n".join(other)
    for name, (kind, message) in refused.items():
        assert kind is not IngestError, f"{name}: refused with the generic error type"
        assert message.startswith("Image 1 "), f"{name}: message does not name the image: {message}"
        assert any(w in message for w in ("Upload", "upload", "Export", "export", "Select")), (
            f"{name}: message does not say what to do: {message}"
        )
    # Every compressed image is decoded but the two non-conforming files.
    compressed_refused = {n for n, (_, m) in refused.items() if "compressed as" in m}
    assert compressed_refused == NON_CONFORMING
    for name in NON_CONFORMING:
        assert "damaged or does not follow" in refused[name][1]
        assert "tried: " in refused[name][1] and "pylibjpeg" in refused[name][1]
    assert {n for n, _ in COMPRESSED} <= set(ingested)


@pytest.mark.parametrize(("name", "uid"), COMPRESSED, ids=[n for n, _ in COMPRESSED])
def test_compressed_transfer_syntaxes_decode_by_default(name, uid):
    path = shipped(name)
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    assert ds.file_meta.TransferSyntaxUID == uid
    assert get_decoder(uid).is_available, f"no decoder for {uid}: pyproject's default dependencies lost it"
    image = load_image(path)
    arr = np.asarray(image.pil())
    assert arr.shape[:2] == (int(ds.Rows), int(ds.Columns))
    assert arr.std() > 1.0, "decoded to a flat image"


@pytest.mark.parametrize(("compressed", "plain"), LOSSLESS_PAIRS, ids=[c for c, _ in LOSSLESS_PAIRS])
def test_lossless_compression_gives_the_same_display_image(compressed, plain):
    a = np.asarray(load_image(shipped(compressed)).pil())
    b = np.asarray(load_image(shipped(plain)).pil())
    assert a.shape == b.shape
    assert np.array_equal(a, b)


@pytest.fixture
def without_jpeg_lossless_decoders():
    """Take pydicom's JPEG Lossless plugins away for one test, as on an install without them."""
    decoder = get_decoder("1.2.840.10008.1.2.4.70")
    removed = dict(decoder._available)
    decoder._available.clear()
    try:
        yield decoder
    finally:
        decoder._available.update(removed)


def test_a_missing_decoder_is_named_in_the_message(without_jpeg_lossless_decoders):
    assert not without_jpeg_lossless_decoders.is_available
    with pytest.raises(CorruptImageError) as err:
        load_image(shipped("SC_rgb_jpeg_gdcm.dcm"))
    message = str(err.value)
    assert "JPEG Lossless" in message and "cannot decode" in message and "uncompressed" in message
