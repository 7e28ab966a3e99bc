"""What a GREEN judge model reads: the reference implementation's framing of the prompt.

The released GREEN judges (GREEN-RadLlama2-7b, GREEN-Phi2, ...) were trained and are
run by the reference implementation (Stanford-AIMI/GREEN, ``green_score/green.py``) with
one chat template that it sets on every judge tokenizer, whatever template the
tokenizer ships with::

    tokenizer = AutoTokenizer.from_pretrained(model, add_eos_token=True, use_fast=True,
                                              padding_side="left")
    tokenizer.chat_template = "{% for message in messages %}\\n{% if message['from'] == 'human' %}..."
    tokenizer.pad_token = tokenizer.eos_token
    # one message per prompt: [{"from": "human", "value": make_prompt(reference, candidate)}]
    tokenizer.apply_chat_template(conv, tokenize=False, add_generation_prompt=True)
    tokenizer.batch_encode_plus(texts, return_tensors="pt", padding=True, truncation=True, max_length=2048)
    model.generate(..., do_sample=False, max_length=2048)   # 2048 tokens, the prompt included

Rendered (transformers renders chat templates with Jinja's ``trim_blocks`` and
``lstrip_blocks``), a prompt ``P`` becomes ``"<|user|>\\nP" + eos_token +
"\\n<|assistant|>\\n"``. A judge fed another framing (the tokenizer's own
template, or the bare prompt) answers differently, so every GREEN judge here
feeds exactly this text:

* :class:`pixtralogist.finetune.judges.LocalJudge` sets :data:`GREEN_CHAT_TEMPLATE`
  on the tokenizer and tokenizes, pads, truncates and generates as above;
* :class:`pixtralogist.finetune.judges.OpenAIJudge` either sends the text rendered
  by :func:`render_green_input` to ``/v1/completions`` (``api="completions"``), or
  sends the bare prompt to ``/v1/chat/completions`` of a server started with
  ``--chat-template`` :func:`chat_template_path` (``api="chat"``), which renders
  the same text from OpenAI-style messages.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = [
    "GREEN_CHAT_TEMPLATE",
    "GREEN_MAX_LENGTH",
    "chat_template_path",
    "green_messages",
    "render_green_input",
]

#: Verbatim from Stanford-AIMI/GREEN ``green_score/green.py`` (``compute()`` and
#: ``GREENModel.__init__``: ``tokenizer.chat_template = ...``; read at commits 02279b8 and 146649a).
#: Do not edit: the judge models were trained on this framing.
GREEN_CHAT_TEMPLATE = (
    "{% for message in messages %}\n{% if message['from'] == 'human' %}\n{{ '<|user|>\n' + message['value'] + "
    "eos_token }}\n{% elif message['from'] == 'system' %}\n{{ '<|system|>\n' + message['value'] + eos_token }}\n"
    "{% elif message['from'] == 'gpt' %}\n{{ '<|assistant|>\n'  + message['value'] + eos_token }}\n{% endif %}\n"
    "{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}"
)

#: The reference's token budget: ``max_length=2048`` for the encoded prompt and for
#: ``generate`` (prompt plus answer).
GREEN_MAX_LENGTH = 2048


def green_messages(prompt: str) -> list[dict[str, str]]:
    """The conversation the reference renders for one prompt (its ``from``/``value`` keys)."""
    return [{"from": "human", "value": prompt}]


def chat_template_path() -> Path:
    """The template file to give an OpenAI-compatible server (``vllm serve ... --chat-template <path>``).

    It renders OpenAI-style messages (``role``/``content``) to the same text as
    :data:`GREEN_CHAT_TEMPLATE` renders the reference's messages.
    """
    return Path(str(files("pixtralogist.finetune").joinpath("templates/green_chat_template.jinja")))


def render_green_input(prompt: str, eos_token: str) -> str:
    """The text the reference feeds its judge for ``prompt``: :data:`GREEN_CHAT_TEMPLATE` rendered
    the way transformers renders chat templates (sandboxed Jinja, ``trim_blocks``, ``lstrip_blocks``).

    :param eos_token: the judge tokenizer's end-of-sequence text (``</s>`` for the Llama-based
        GREEN-RadLlama2-7b, ``<|endoftext|>`` for GREEN-Phi2).
    """
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    return env.from_string(GREEN_CHAT_TEMPLATE).render(
        messages=green_messages(prompt), eos_token=eos_token, add_generation_prompt=True
    )
