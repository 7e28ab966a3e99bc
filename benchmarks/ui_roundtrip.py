"""UI round trip: time from pressing "Draft report" to the draft on screen.

Starts the app (real service, offline engine, a temporary data dir) on a free
loopback port, drives headless Chromium with Playwright through N cases
(upload a PNG and a chest DICOM, type the dictation, press Draft) and prints
the per-case times, the median and whether it meets the target.

    python benchmarks/ui_roundtrip.py [--cases 5] [--target 2.0]

Needs Debian's Chromium (``make browser``). The first case also pays for
loading the sentence embedder and is reported separately (warm-up, on a note of its own).
Exits 1 when the median misses the target.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

CHROMIUM = os.environ.get("PIXTRALOGIST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
#: The warm-up case's note; the timed notes share no sentence with it or with each other,
#: so no timed draft is answered from a per-sentence cache (up to len(NOTES) timed cases).
WARMUP_NOTE = "hyperinflated lungs c/w copd, degenerative changes of the spine"
NOTES = [
    "small L effusion, heart nl, 7 mm RUL nodule, old R rib fx",
    "lungs clear, no ptx, heart size normal",
    "mild cardiomegaly, small R effusion",
    "RLL consolidation, mediastinum nl",
    "4 mm LUL nodule, otherwise nl",
    "no acute findings",
]


def make_inputs(folder: Path) -> tuple[Path, Path]:
    """A gradient PNG and a 12-bit DX chest DICOM (PA) in ``folder``."""
    import numpy as np
    from PIL import Image
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    png = folder / "frontal.png"
    Image.linear_gradient("L").resize((512, 512)).save(png)
    sop_class = "1.2.840.10008.5.1.4.1.1.1.1"
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = sop_class, generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.BodyPartExamined, ds.ViewPosition = "DX", "CHEST", "LL"
    yy, xx = np.mgrid[0:512, 0:512]
    pixels = (2048 + 1500 * np.sin(xx / 31.0) * np.cos(yy / 41.0)).astype(np.uint16)
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = pixels.tobytes()
    dcm = folder / "lateral.dcm"
    ds.save_as(dcm, enforce_file_format=True)
    return png, dcm


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=5, help="timed cases after the warm-up (default 5)")
    ap.add_argument("--target", type=float, default=2.0, help="target median in seconds (default 2.0)")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}: run `make browser`", file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    from pixtralogist.agents.service import ReportingService
    from pixtralogist.ui.app import create_ui, launch_options

    with tempfile.TemporaryDirectory(prefix="px-bench-") as tmp:
        tmp_path = Path(tmp)
        png, dcm = make_inputs(tmp_path)
        t = time.perf_counter()
        service = ReportingService.create(tmp_path / "data")
        demo = create_ui(service, export_dir=tmp_path / "exports")
        port = _free_port()
        demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                    **launch_options())
        startup = time.perf_counter() - t
        times: list[float] = []
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                page.set_default_timeout(60_000)
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector("#draft-btn")
                for i in range(args.cases + 1):
                    page.click("#new-case")
                    page.wait_for_function("!document.querySelector('#status').innerText.trim()")
                    page.set_input_files("#intake-files input[type=file]", [str(png), str(dcm)])
                    page.wait_for_function("document.querySelectorAll('#intake-gallery img').length >= 2")
                    page.locator("#indication textarea").fill("Cough. Chest x-ray.")
                    page.locator("#notes textarea").fill(WARMUP_NOTE if i == 0 else NOTES[(i - 1) % len(NOTES)])
                    start = time.perf_counter()
                    page.click("#draft-btn")
                    page.wait_for_function(
                        "document.querySelector('#status').innerText.includes('in review') && "
                        "document.querySelector('#region-0 textarea').value.length > 0"
                    )
                    times.append(time.perf_counter() - start)
                browser.close()
        finally:
            demo.close()
            service.close()

    warm, timed = times[0], times[1:]
    median = statistics.median(timed)
    print(f"app start (service + UI build + launch): {startup:.2f} s")
    print(f"warm-up case (loads the embedder): {warm:.2f} s")
    print("Draft -> draft shown, per case: " + ", ".join(f"{x:.2f}" for x in timed) + " s")
    print(f"median {median:.2f} s  min {min(timed):.2f} s  max {max(timed):.2f} s  "
          f"(target <= {args.target:.1f} s: {'met' if median <= args.target else 'NOT met'})")
    return 0 if median <= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
