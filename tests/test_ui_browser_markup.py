"""Case and chat text reaches the clinician's browser as plain text only (headless Chromium).

Markup planted in a case (notes, indication) or a chat message must never become an element:
no ``<img>``/``<iframe>``/``<script>`` from the payload in the DOM, no request to the payload's
address (a real ``http.server`` on 127.0.0.1 counts them, and Playwright's request events list
them), no handler run (the payloads set ``window.__pwned``). New markup is refused with a message;
a case stored before that check (written here below the service's gate) is shown escaped.
"""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from test_ui_browser import CHROMIUM, CHROMIUM_ARGS, _free_port, _textbox, browser_marks

pytestmark = browser_marks(300)


@pytest.fixture(scope="module")
def beacon():
    """A loopback HTTP server that records every request it receives (the payloads' target)."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"base": f"http://127.0.0.1:{server.server_address[1]}", "hits": hits}
    server.shutdown()
    server.server_close()


def payloads(base: str) -> dict[str, str]:
    return {
        "img": f'<img src="{base}/img.png" onerror="window.__pwned=1">',
        "iframe": f'<iframe src="{base}/frame" onload="window.__pwned=2"></iframe>',
        "script": "<script>window.__pwned=3</script>",
        "svg": f'<svg onload="window.__pwned=4"><image href="{base}/svg.png"/></svg>',
        "md_image": f"![chart]({base}/md.png)",
        "md_link": f"[open]({base}/link) javascript:window.__pwned=5",
    }


@pytest.fixture(scope="module")
def app(tmp_path_factory, beacon):
    pytest.importorskip("playwright")
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.imaging import build_case
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.ui.app import create_ui, launch_options

    from test_ui import make_png

    service = ReportingService.create(tmp_path_factory.mktemp("data"), host=get_plugin_manager(autoload=False))
    # a case stored before markup was refused: written below the service's gate, as an old version did
    p = payloads(beacon["base"])
    png = make_png(tmp_path_factory.mktemp("img") / "frontal.png")
    legacy = build_case([png], indication=f"Cough {p['img']} {p['md_image']}",
                        notes=f"small L effusion. {p['iframe']} {p['script']} 7 mm RUL nodule {p['svg']}",
                        specialty_hint="radiology")
    turn = service._engine.run(legacy.id, {"case": legacy.model_dump(mode="json")})
    assert turn.status == "review", turn.error
    service._cases.record(turn, legacy.indication)
    demo = create_ui(service, export_dir=tmp_path_factory.mktemp("exports"))
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options())
    yield {"url": f"http://127.0.0.1:{port}/", "legacy": legacy.id, "png": png, "service": service}
    demo.close()
    service.close()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        yield pg
        context.close()
        browser.close()


def _no_payload_in_dom(page, base: str) -> None:
    found = page.evaluate(
        """(base) => {
            const bad = [];
            for (const el of document.querySelectorAll('img, iframe, script, svg image, image, a, embed, object')) {
                const src = el.getAttribute('src') || el.getAttribute('href') || el.getAttribute('data') || '';
                if (src.includes(base) || src.toLowerCase().startsWith('javascript:')
                    || (el.tagName === 'SCRIPT' && el.textContent.includes('__pwned'))) {
                    bad.push(el.outerHTML.slice(0, 120));
                }
            }
            for (const el of document.querySelectorAll('[onerror], [onload]')) {
                const h = (el.getAttribute('onerror') || '') + (el.getAttribute('onload') || '');
                if (h.includes('__pwned')) bad.push(el.outerHTML.slice(0, 120));
            }
            return bad;
        }""",
        base,
    )
    assert found == [], found
    assert page.evaluate("() => window.__pwned === undefined")


def test_markup_in_case_and_chat_stays_text(app, page, beacon):
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    base = beacon["base"]
    p = payloads(base)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url) if r.url.startswith(base) else None)

    page.goto(app["url"])
    page.wait_for_selector("#draft-btn")
    # control: an image the page itself loads does reach the beacon and the request log
    page.evaluate("(u) => { new Image().src = u + '/control.png'; }", base)
    for _ in range(50):
        if beacon["hits"]:
            break
        page.wait_for_timeout(100)
    assert beacon["hits"] == ["/control.png"] and requested == [f"{base}/control.png"]
    beacon["hits"].clear()
    requested.clear()

    # 1. new markup at intake is refused with a readable message; nothing is drafted
    page.set_input_files("#intake-files input[type=file]", [str(app["png"])])
    expect(page.locator("#intake-status")).to_contain_text("1 image ready")
    _textbox(page, "indication").fill(f"Cough. {p['img']}")
    _textbox(page, "notes").fill(f"small L effusion {p['iframe']} {p['script']}")
    page.click("#draft-btn")
    expect(page.locator("#intake-status")).to_contain_text("was not saved")
    expect(page.locator("#draft-panel").first).to_be_hidden()
    _no_payload_in_dom(page, base)

    # 2. a clean case, then payloads through the chat: shown as text, refused as edits
    _textbox(page, "indication").fill("Cough. Chest x-ray.")
    _textbox(page, "notes").fill("small L effusion, heart nl")
    page.click("#draft-btn")
    # the first draft also loads the sentence embedder (slow on a busy machine)
    expect(page.locator("#draft-panel").first).to_be_visible(timeout=120_000)
    lungs = page.get_by_label("Lungs and pleura", exact=True)
    before = lungs.input_value()
    chat = page.locator("#chat")
    chat_input = _textbox(page, "chat-input")
    for key in ("img", "iframe", "script", "svg", "md_image", "md_link"):
        chat_input.fill(f"add {p[key]}")
        page.click("#chat-send")
        expect(chat_input).to_have_value("")  # the answer has arrived
    expect(chat).to_contain_text("was not saved")
    assert chat.inner_text().count("was not saved") == 6
    # the clinician's own words are visible as typed (as text)
    expect(chat).to_contain_text('<img src="' + base)
    expect(chat).to_contain_text("<script>window.__pwned=3</script>")
    expect(chat).to_contain_text(f"![chart]({base}/md.png)")
    assert lungs.input_value() == before
    assert base not in page.get_by_label("Other", exact=True).input_value()
    _no_payload_in_dom(page, base)

    # 3. a case stored before the check: indication in the case list, report and flags as text
    page.get_by_role("tab", name="Cases").click()
    table = page.locator("#cases-table")
    expect(table).to_contain_text(app["legacy"])
    expect(table).to_contain_text("<img src=")
    page.locator("#cases-table [role=gridcell]", has_text=app["legacy"]).first.click()
    expect(page.get_by_role("tab", name="Report")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#status")).to_contain_text(app["legacy"])
    expect(page.locator("#draft-panel").first).to_be_visible()
    shown = " ".join(page.locator("#draft-panel textarea").evaluate_all("els => els.map(e => e.value)"))
    assert "<iframe" in shown or "<script>" in shown or "<svg" in shown  # the stored text is shown, as text
    page.wait_for_timeout(1500)  # give any planted fetch time to fire
    _no_payload_in_dom(page, base)

    assert requested == [], requested
    assert beacon["hits"] == [], beacon["hits"]
