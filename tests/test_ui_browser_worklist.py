"""The Worklist tab in headless Chromium against a real Orthanc: search, a study without images gets its
message, open a study (drafted in the Report tab), sign, and the filing line says "filed"."""

from __future__ import annotations

import re

import pytest

from servers import OrthancServer, orthanc_available
from test_pacs import settings_for, sr_instances, study_bytes
from test_ui_browser import _free_port, _textbox, browser_marks, page  # noqa: F401 - the page fixture

pytestmark = browser_marks(240) + [pytest.mark.skipif(not orthanc_available(), reason="Orthanc: run `make pacs`")]


@pytest.fixture(scope="module")
def pacs_app(tmp_path_factory):
    pytest.importorskip("playwright")
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.pacs.worklist import Worklist
    from pixtralogist.ui.app import create_ui, launch_options
    from pixtralogist.ui.worklist import WorklistView

    server = OrthancServer(tmp_path_factory.mktemp("orthanc"))
    server.start()
    good, ids = study_bytes(60, Modality="DX", BodyPartExamined="CHEST", date="20261205")
    server.upload(good)
    empty, empty_ids = study_bytes(61, SOPClassUID="1.2.840.10008.5.1.4.1.1.88.11", Rows=None, Columns=None,
                                   PixelData=None, Modality="SR", date="20261205")
    server.upload(empty)
    service = ReportingService.create(tmp_path_factory.mktemp("data"), host=get_plugin_manager(autoload=False),
                                      retrieval=False)
    view = WorklistView(Worklist.open(service, settings_for(server)))
    demo = create_ui(service, export_dir=tmp_path_factory.mktemp("exports"), worklist_callbacks=view)
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options())
    yield {"url": f"http://127.0.0.1:{port}/", "server": server, "ids": ids, "empty": empty_ids}
    demo.close()
    view.close()
    service.close()
    server.stop()


def _pick(page, label_part: str) -> None:
    page.locator("#wl-pick input").click()
    page.get_by_role("option", name=re.compile(re.escape(label_part))).first.click()


def test_worklist_search_open_sign_file(pacs_app, page):  # noqa: F811 - the page fixture
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    ids = pacs_app["ids"]
    page.goto(pacs_app["url"])
    page.get_by_role("tab", name="Worklist").click()
    _textbox(page, "wl-from").fill("2026-12-01")
    _textbox(page, "wl-to").fill("2026-12-31")
    page.click("#wl-search")
    expect(page.locator("#wl-status textarea")).to_have_value(re.compile(r"^2 studies\."))
    expect(page.locator("#wl-table")).to_contain_text("PX0060")
    expect(page.locator("#wl-table")).to_contain_text("ACC00061")

    # a study with no images: a clear message, nothing opened
    _pick(page, "ACC00061")
    expect(page.locator("#wl-status textarea")).to_have_value(re.compile("The study has no images"))
    page.click("#wl-open")
    expect(page.locator("#wl-status textarea")).to_have_value(re.compile("The study has no images"))
    expect(page.get_by_role("tab", name="Worklist")).to_have_attribute("aria-selected", "true")

    # the chest radiograph: the proposed image, opened and drafted in the Report tab
    _pick(page, "ACC00060")
    expect(page.locator("#wl-images input[type=checkbox]")).to_have_count(1)
    expect(page.locator("#wl-images input[type=checkbox]").first).to_be_checked()
    _textbox(page, "wl-notes").fill("small L effusion, heart nl")
    page.click("#wl-open")
    expect(page.get_by_role("tab", name="Report")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#banner")).to_contain_text("AI-generated draft — not signed")
    expect(page.get_by_label("Lungs and pleura", exact=True)).to_have_value(re.compile("effusion", re.I))

    # sign: filed back to the PACS with its study
    _textbox(page, "sign-name").fill("Dr A. Example")
    page.click("#sign-btn")
    expect(page.locator("#banner")).to_contain_text("Signed by Dr A. Example")
    expect(page.locator("#filing-status textarea")).to_have_value("filed")
    assert len(sr_instances(pacs_app["server"], ids["StudyInstanceUID"])) == 1

    # the worklist shows the study opened and filed
    page.get_by_role("tab", name="Worklist").click()
    page.click("#wl-search")
    expect(page.locator("#wl-table")).to_contain_text("opened")
    expect(page.locator("#wl-table")).to_contain_text("filed")
