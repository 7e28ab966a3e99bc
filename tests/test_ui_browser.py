"""The app in headless Chromium: upload, draft, edit, ask, sign, export FHIR.

Runs the real app (real service, offline engine, tmp data dir) on a free
loopback port in a background thread and drives Debian's Chromium with
Playwright (``make browser`` installs it). Set ``PIXTRALOGIST_SCREENSHOT=1`` to
refresh ``docs/screenshot.png``; otherwise the screenshot goes to tmp unless
the docs file is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import time
from pathlib import Path

import pytest

from conftest import REPO

CHROMIUM = os.environ.get("PIXTRALOGIST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
SCREENSHOT = REPO / "docs" / "screenshot.png"
NOTES = "small L effusion, heart nl, 7 mm RUL nodule, old R rib fx"

def browser_marks(timeout: int) -> list:
    """The marks of a module that drives Debian's Chromium (skipped where it is not installed)."""
    return [
        pytest.mark.browser,
        pytest.mark.slow,
        pytest.mark.skipif(
            not (Path(CHROMIUM).exists() or shutil.which("chromium")),
            reason=f"Chromium not found at {CHROMIUM}: run `make browser` (apt-get install chromium)",
        ),
        pytest.mark.timeout(timeout),
    ]


pytestmark = browser_marks(180)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    pytest.importorskip("playwright")
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.ui.app import create_ui, launch_options

    service = ReportingService.create(tmp_path_factory.mktemp("data"), host=get_plugin_manager(autoload=False))
    demo = create_ui(service, export_dir=tmp_path_factory.mktemp("exports"))
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options())
    yield f"http://127.0.0.1:{port}/"
    demo.close()
    service.close()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                                    args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        yield pg
        context.close()
        browser.close()


def _textbox(page, elem_id: str):
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def test_draft_edit_ask_sign_export(app_url, page, tmp_path):
    from playwright.sync_api import expect

    from test_ui import PATIENT_ID, make_dx_dicom, make_png

    expect.set_options(timeout=30_000)  # the first draft also loads the sentence embedder

    t0 = time.monotonic()
    png = make_png(tmp_path / "frontal.png")
    dcm = make_dx_dicom(tmp_path / "lateral.dcm")

    page.goto(app_url)
    page.wait_for_selector("#draft-btn")

    # intake: a PNG and a DICOM, the indication and the dictation
    page.set_input_files("#intake-files input[type=file]", [str(png), str(dcm)])
    expect(page.locator("#intake-status")).to_contain_text("2 images ready")
    expect(page.locator("#intake-gallery img")).to_have_count(2)
    expect(page.locator("#window-controls").first).to_be_visible()  # the DICOM gets a window control
    _textbox(page, "indication").fill("Cough. Chest x-ray.")
    _textbox(page, "notes").fill(NOTES)
    page.click("#draft-btn")

    # the draft: one box per region, flags/citations, an unsigned banner
    expect(page.locator("#draft-panel").first).to_be_visible()
    expect(page.locator("#banner")).to_contain_text("AI-generated draft — not signed")
    lungs = page.get_by_label("Lungs and pleura", exact=True)
    expect(lungs).to_have_value(re.compile("effusion", re.I))
    expect(page.locator("#status")).to_contain_text("in review")
    case_id = page.locator("#status code").first.inner_text()
    assert case_id.startswith("case-")
    expect(page.locator("#draft-panel").first).to_contain_text("fleischner")

    # edit a region and save
    heart = page.get_by_label("Heart", exact=True)
    heart.fill("Mild cardiomegaly.")
    page.click("#save-btn")
    expect(page.locator("#status")).to_contain_text("Saved 1 edit")
    expect(heart).to_have_value("Mild cardiomegaly.")

    # a guideline question in the chat
    _textbox(page, "chat-input").fill("what does Fleischner say for 7 mm?")
    page.click("#chat-send")
    answer = page.locator("#chat .bot, #chat [data-testid='bot']").last
    expect(answer).to_contain_text("Fleischner")

    # a natural-language edit: shown as before/after in the chat, written into the region box
    before = lungs.input_value()
    _textbox(page, "chat-input").fill("the effusion is moderate")
    page.click("#chat-send")
    expect(lungs).to_have_value(re.compile(r"moderate left pleural effusion", re.I))
    expect(answer).to_contain_text("→")
    # undo reverts it
    _textbox(page, "chat-input").fill("undo")
    page.click("#chat-send")
    expect(lungs).to_have_value(before)
    expect(answer).to_contain_text("Undone")
    # a flag explanation: the rule and what it read from the draft
    _textbox(page, "chat-input").fill("why is the nodule flagged?")
    page.click("#chat-send")
    expect(answer).to_contain_text("Rule:")
    expect(answer).to_contain_text("Read from the draft")

    # screenshot of the review (docs only on request or when missing)
    shot = SCREENSHOT if (os.environ.get("PIXTRALOGIST_SCREENSHOT") == "1" or not SCREENSHOT.exists()) \
        else tmp_path / "screenshot.png"
    page.screenshot(path=str(shot), full_page=True)

    # sign: locked boxes, signed banner
    _textbox(page, "sign-name").fill("Dr A. Example")
    page.click("#sign-btn")
    expect(page.locator("#banner")).to_contain_text("Signed by Dr A. Example")
    expect(heart).to_be_disabled()
    expect(_textbox(page, "impression")).to_be_disabled()

    # export FHIR and read the downloaded file
    page.click("#export-fhir")
    link = page.locator("#export-file a").first
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    fhir = json.loads(Path(path).read_text("utf-8"))
    assert fhir["resourceType"] == "DiagnosticReport"
    assert fhir["status"] == "final" and fhir["conclusion"]
    assert fhir["resultsInterpreter"] == [{"display": "Dr A. Example"}]
    # identified export (the default): the patient by id, from the identity store
    assert fhir["subject"]["identifier"]["value"] == PATIENT_ID

    # start over, then reopen the signed case from the Cases tab
    page.click("#new-case")
    expect(page.locator("#draft-panel").first).to_be_hidden()
    page.get_by_role("tab", name="Cases").click()
    page.locator("#cases-table [role=gridcell]", has_text=case_id).first.click()
    expect(page.get_by_role("tab", name="Report")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#banner")).to_contain_text("Signed by Dr A. Example")
    expect(heart).to_have_value("Mild cardiomegaly.")

    assert time.monotonic() - t0 < 90


# --- Quality tab ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quality_app_url(tmp_path_factory):
    """An app whose feedback store already holds signed cases (offline drafter, one region edited)."""
    pytest.importorskip("playwright")
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.finetune.simulate import HabitClinician, synthetic_case
    from pixtralogist.ui.app import create_ui, launch_options

    service = ReportingService.create(tmp_path_factory.mktemp("qdata"), host=get_plugin_manager(autoload=False),
                                      retrieval=False)
    clinician = HabitClinician()
    for i in range(3):
        clinician.handle(service, synthetic_case(i))
    demo = create_ui(service)
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options())
    yield f"http://127.0.0.1:{port}/"
    demo.close()
    service.close()


def test_quality_tab_shows_table_and_plots(quality_app_url, page):
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    page.goto(quality_app_url)
    page.get_by_role("tab", name="Quality").click()
    expect(page.locator("#quality-summary")).to_contain_text("3 signed cases")
    table = page.locator("#quality-table")
    expect(table.locator("[role=gridcell]", has_text="heart").first).to_be_visible()
    expect(table).to_contain_text("base")  # the offline drafter used no adapter
    expect(page.locator("#quality-edit-plot canvas, #quality-edit-plot svg").first).to_be_visible()
    expect(page.locator("#quality-weeks")).to_contain_text("-W")
