"""Chat with the agent about the open case: plain edits, undo, flag and guideline questions."""

from __future__ import annotations

import gradio as gr

EXAMPLES = (
    "Try: “effusion is small”, “no, it's the left side”, “make the effusion small”, “drop the atelectasis”, "
    "“undo”, “why is the nodule flagged?”, “what does Fleischner say for 7 mm?”"
)


def build() -> dict[str, gr.components.Component]:
    c: dict[str, gr.components.Component] = {}
    c["chat"] = gr.Chatbot(
        label="Assistant", height=330, elem_id="chat", feedback_options=None, buttons=["copy"],
        placeholder="Draft or open a case, then say a correction, ask for a change or ask a question here.",
        # messages are escaped by render.chat_messages; these keep the rest of the Markdown inert
        sanitize_html=True, allow_tags=False, latex_delimiters=[],
    )
    with gr.Row(equal_height=True):
        c["chat_input"] = gr.Textbox(
            show_label=False, placeholder="e.g. “the effusion is small”, “undo”, “why is the nodule flagged?”",
            scale=5, interactive=False, elem_id="chat-input",
        )
        c["chat_send"] = gr.Button("Send", scale=1, interactive=False, elem_id="chat-send")
    gr.Markdown(EXAMPLES, elem_classes=["px-hint"])
    return c
