"""Chat with the agent about the open case: edit commands and guideline questions."""

from __future__ import annotations

import gradio as gr

EXAMPLES = (
    "Try: “add small right pleural effusion”, “remove the rib fracture”, “shorter impression”, "
    "“why is the nodule flagged?”, “what does Fleischner say for 7 mm?”"
)


def build() -> dict[str, gr.components.Component]:
    c: dict[str, gr.components.Component] = {}
    c["chat"] = gr.Chatbot(
        label="Assistant", height=330, elem_id="chat", feedback_options=None, buttons=["copy"],
        placeholder="Draft or open a case, then ask or instruct here.",
        # messages are escaped by render.chat_messages; these keep the rest of the Markdown inert
        sanitize_html=True, allow_tags=False, latex_delimiters=[],
    )
    with gr.Row(equal_height=True):
        c["chat_input"] = gr.Textbox(
            show_label=False, placeholder="Ask about a guideline or give an edit command", scale=5,
            interactive=False, elem_id="chat-input",
        )
        c["chat_send"] = gr.Button("Send", scale=1, interactive=False, elem_id="chat-send")
    gr.Markdown(EXAMPLES, elem_classes=["px-hint"])
    return c
