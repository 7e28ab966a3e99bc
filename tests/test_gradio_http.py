"""benchmarks/gradio_http.py: the browser's requests (upload, queue/join, queue/data) over http.client give
the same outputs as gradio_client, on a real Gradio server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


@pytest.fixture()
def demo():
    from pixtralogist.ui import gradio_import

    gr = gradio_import.load()

    def echo(files, text, state):
        names = [Path(f).name for f in files or []]
        sizes = [Path(f).stat().st_size for f in files or []]
        return f"{text}|{','.join(names)}|{sum(sizes)}", gr.update(value=text.upper(), label="Shout"), state

    with gr.Blocks() as app:
        state = gr.State("kept")
        files = gr.File(file_count="multiple")
        text = gr.Textbox()
        out = gr.Textbox(label="Out")
        shout = gr.Textbox(label="Loud")
        with gr.Row():
            btn = gr.Button("Go")
        btn.click(echo, [files, text, state], [out, shout, state], api_name="echo")

        def fail(text):
            raise gr.Error("refused: " + text)

        gr.Button("Fail").click(fail, [text], [out], api_name="fail")
    app.queue().launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    try:
        yield app
    finally:
        app.close()


def test_predict_uploads_files_fills_state_and_leaves_it_out(demo, tmp_path):
    from gradio_http import FilePath, GradioError, GradioHTTP

    f = tmp_path / "scan.png"
    f.write_bytes(b"\x89PNG" + bytes(96))
    client = GradioHTTP(demo.local_url, timeout=60)
    try:
        assert [r["label"] for r in client.returns("/echo")] == ["Out", "Loud"]
        out = client.predict([FilePath(str(f))], "hello", api_name="/echo")
        assert len(out) == 2  # the State output is left out, as gradio_client does
        assert out[0] == "hello|scan.png|100"
        assert isinstance(out[1], dict) and out[1]["value"] == "HELLO" and out[1]["label"] == "Shout"
        with pytest.raises(GradioError, match="refused"):
            client.predict("no", api_name="/fail")
        with pytest.raises(GradioError, match="no endpoint"):
            client.predict(api_name="/missing")
        # the same connection keeps working after an error
        assert client.predict([], "again", api_name="/echo")[0] == "again||0"
    finally:
        client.close()
