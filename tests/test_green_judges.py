"""GREEN judge backends: a tiny local causal LM and a real HTTP server on 127.0.0.1, both fed the
reference implementation's judge input byte for byte."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pixtralogist.core.errors import BackendError, ConfigError
from pixtralogist.finetune.green import build_prompt
from pixtralogist.finetune.green_input import GREEN_CHAT_TEMPLATE, chat_template_path, render_green_input
from pixtralogist.finetune.judges import LocalJudge, OfflineJudge, OpenAIJudge, make_judge

CANNED = """[Explanation]:
The candidate places the effusion on the wrong side.

[Clinically Significant Errors]:
(a) False report of a finding in the candidate: 0.
(b) Missing a finding present in the reference: 0.
(c) Misidentification of a finding's anatomic location/position: 1. Left instead of right effusion
(d) Misassessment of the severity of a finding: 0.
(e) Mentioning a comparison that isn't in the reference: 0.
(f) Omitting a comparison detailing a change from a prior study: 0.

[Clinically Insignificant Errors]:
(a) False report of a finding in the candidate: 0.
(b) Missing a finding present in the reference: 0.
(c) Misidentification of a finding's anatomic location/position: 0.
(d) Misassessment of the severity of a finding: 0.
(e) Mentioning a comparison that isn't in the reference: 0.
(f) Omitting a comparison detailing a change from a prior study: 0.

[Matched Findings]:
3. No pneumothorax; Normal heart size; Clear upper lungs
"""

PAIRS = [
    ("Small right pleural effusion. No pneumothorax.", "Small left pleural effusion. No pneumothorax."),
    ("Heart size is normal.", "The heart is normal in size."),
    ("Lungs are clear.", "Garbage please"),
]


# The chat template the GREEN reference implementation sets on every judge tokenizer, copied
# verbatim from Stanford-AIMI/GREEN green_score/green.py (compute() / GREENModel.__init__:
# ``tokenizer.chat_template = ...``). Kept here, apart from the package's copy, so the expected
# judge input is derived from the reference's text and not from the code under test.
REFERENCE_TEMPLATE = (
    "{% for message in messages %}\n{% if message['from'] == 'human' %}\n{{ '<|user|>\n' + message['value'] + "
    "eos_token }}\n{% elif message['from'] == 'system' %}\n{{ '<|system|>\n' + message['value'] + eos_token }}\n"
    "{% elif message['from'] == 'gpt' %}\n{{ '<|assistant|>\n'  + message['value'] + eos_token }}\n{% endif %}\n"
    "{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}"
)


def reference_input(prompt: str, eos_token: str) -> str:
    """What the reference feeds its judge: its template rendered for one human message, as
    transformers' apply_chat_template renders templates (Jinja trim_blocks + lstrip_blocks)."""
    import jinja2

    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    return env.from_string(REFERENCE_TEMPLATE).render(
        messages=[{"from": "human", "value": prompt}], eos_token=eos_token, add_generation_prompt=True)


def render_like_vllm(template: str, messages: list, eos_token: str) -> str:
    """A chat template applied as vLLM applies ``--chat-template``: transformers' renderer."""
    from transformers.utils.chat_template_utils import render_jinja_template

    rendered, _ = render_jinja_template(conversations=[messages], chat_template=template,
                                        add_generation_prompt=True, eos_token=eos_token)
    return rendered[0]


class _Handler(BaseHTTPRequestHandler):
    """A stand-in for vLLM's OpenAI-compatible server: records every request; on
    /v1/chat/completions it renders the messages with the chat template it was started with
    (``--chat-template``), on /v1/completions it takes the prompt as it is."""

    requests: list = []
    chat_template: str | None = None
    eos_token = "</s>"

    def log_message(self, *args):  # keep pytest output quiet
        pass

    def _json(self, code: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/v1/chat/completions":
            if self.chat_template is None:
                text = body["messages"][0]["content"]
            else:
                text = render_like_vllm(self.chat_template, body["messages"], self.eos_token)
        elif self.path == "/v1/completions":
            text = body["prompt"]
        else:
            self._json(404, {"error": {"message": f"no route {self.path}"}})
            return
        type(self).requests.append({"path": self.path, "body": body, "model_input": text})
        if "FAIL" in text:
            self._json(400, {"error": {"message": "bad request"}})
            return
        answer = "I am not sure what to say." if "Garbage please" in text else CANNED
        if self.path == "/v1/completions":
            self._json(200, {"choices": [{"text": answer}]})
        else:
            self._json(200, {"choices": [{"message": {"role": "assistant", "content": answer}}]})


@pytest.fixture
def server():
    _Handler.requests = []
    _Handler.chat_template = None
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _check_answers(results):
    assert len(results) == 3
    first, second, garbage = results
    assert first.score == pytest.approx(3 / 4) and first.significant["c"] == 1
    assert first.significant_items["c"] == ["Left instead of right effusion"]
    assert first.explanation == "The candidate places the effusion on the wrong side."
    assert second.score == pytest.approx(3 / 4)
    assert garbage.score is None and garbage.raw == "I am not sure what to say."


def test_reference_rendering_is_user_turn_then_assistant_prompt():
    # what the reference template gives, spelled out: the framing the GREEN judges were trained on
    assert reference_input("P", "</s>") == "<|user|>\nP</s>\n<|assistant|>\n"


def test_package_template_is_the_reference_text_and_renders_alike():
    assert GREEN_CHAT_TEMPLATE == REFERENCE_TEMPLATE
    prompt = build_prompt(*PAIRS[0])
    for eos in ("</s>", "<|endoftext|>"):
        assert render_green_input(prompt, eos) == reference_input(prompt, eos)


def test_shipped_server_template_renders_openai_and_reference_messages_like_the_reference():
    shipped = chat_template_path().read_text(encoding="utf-8")
    prompt = build_prompt(*PAIRS[0])
    expected = reference_input(prompt, "</s>")
    assert render_like_vllm(shipped, [{"role": "user", "content": prompt}], "</s>") == expected
    assert render_like_vllm(shipped, [{"from": "human", "value": prompt}], "</s>") == expected
    # the reference template itself cannot read OpenAI-style messages: it drops the prompt
    assert prompt not in render_like_vllm(REFERENCE_TEMPLATE, [{"role": "user", "content": prompt}], "</s>")


def test_openai_judge_completions_api_sends_the_reference_input(server):
    judge = make_judge(f"openai:{server}#GREEN-RadLlama2-7b", concurrency=3)
    assert isinstance(judge, OpenAIJudge) and judge.metric == "GREEN" and judge.api == "completions"
    _check_answers(judge.judge(PAIRS))
    reqs = _Handler.requests
    assert len(reqs) == 3 and {r["path"] for r in reqs} == {"/v1/completions"}
    assert {r["body"]["model"] for r in reqs} == {"GREEN-RadLlama2-7b"}
    assert all(r["body"]["temperature"] == 0.0 and "max_tokens" not in r["body"] for r in reqs)
    received = sorted(r["model_input"] for r in reqs)
    assert received == sorted(reference_input(build_prompt(ref, cand), "</s>") for ref, cand in PAIRS)


def test_openai_judge_chat_api_with_the_shipped_template_gives_the_reference_input(server):
    _Handler.chat_template = chat_template_path().read_text(encoding="utf-8")  # vllm serve --chat-template
    judge = OpenAIJudge(server, "GREEN-RadLlama2-7b", api="chat", concurrency=3)
    _check_answers(judge.judge(PAIRS))
    reqs = _Handler.requests
    assert len(reqs) == 3 and {r["path"] for r in reqs} == {"/v1/chat/completions"}
    assert all(r["body"]["add_special_tokens"] is True and r["body"]["temperature"] == 0.0 for r in reqs)
    received = sorted(r["model_input"] for r in reqs)
    assert received == sorted(reference_input(build_prompt(ref, cand), "</s>") for ref, cand in PAIRS)


def test_openai_judge_phi2_eos_token(server):
    judge = OpenAIJudge(server, "GREEN-Phi2", eos_token="<|endoftext|>")
    judge.judge(PAIRS[:1])
    assert _Handler.requests[0]["model_input"] == reference_input(build_prompt(*PAIRS[0]), "<|endoftext|>")


def test_openai_judge_bad_options():
    with pytest.raises(ConfigError, match="api"):
        OpenAIJudge("http://127.0.0.1:9", "judge", api="responses")
    with pytest.raises(ConfigError, match="eos_token"):
        OpenAIJudge("http://127.0.0.1:9", "judge", eos_token="")


def test_openai_judge_failed_request_is_unscored_and_total_failure_raises(server):
    judge = OpenAIJudge(server, "judge", max_retries=0)
    res = judge.judge([("a", "FAIL"), PAIRS[0]])
    assert res[0].score is None and "HTTP 400" in res[0].explanation
    assert res[1].score == pytest.approx(0.75)
    with pytest.raises(BackendError, match="HTTP 400"):
        judge.judge([("a", "FAIL")])


def test_openai_judge_unreachable_server_raises():
    judge = OpenAIJudge("http://127.0.0.1:9", "judge", max_retries=0, timeout_s=2)
    with pytest.raises(BackendError, match="not reachable"):
        judge.judge([PAIRS[0]])


@pytest.mark.parametrize("spec", ["nope", "openai:http://x", "openai:#m", "local:"])
def test_bad_judge_specs(spec):
    with pytest.raises(ConfigError):
        make_judge(spec)


def test_local_judge_needs_a_directory(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        make_judge(f"local:{tmp_path / 'missing'}")


def test_offline_judge_is_not_labelled_green():
    judge = make_judge("offline")
    assert isinstance(judge, OfflineJudge)
    assert judge.metric == "offline-finding-match" and judge.metric != "GREEN"
    res = judge.judge(PAIRS[:1])
    assert res[0].metric == "offline-finding-match" and res[0].significant["c"] == 1


@pytest.fixture(scope="module")
def tiny_causal_lm(tmp_path_factory):
    """A tiny LlamaForCausalLM with a BPE tokenizer trained here (random weights: its answers are garbage)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from pixtralogist.finetune.tiny import report_sentences, train_tokenizer

    tok = train_tokenizer(report_sentences(200) + [CANNED], vocab_size=300, extra_specials=())
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=4096,
                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    model = LlamaForCausalLM(cfg)
    path = tmp_path_factory.mktemp("judge")
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path


def test_local_judge_with_a_tiny_causal_lm_garbage_is_unscored(tiny_causal_lm):
    judge = make_judge(f"local:{tiny_causal_lm}", batch_size=2, max_new_tokens=12)  # budget 2048
    assert isinstance(judge, LocalJudge) and judge.metric == "GREEN"
    answers = judge.generate(["[Matched Findings]: one", "short", "a much longer prompt " * 5])
    assert len(answers) == 3 and all(isinstance(a, str) for a in answers)
    # greedy: the same prompt gives the same answer, whatever its batch neighbours
    again = judge.generate(["short"])
    assert again[0] == answers[1]
    results = judge.judge(PAIRS)
    assert len(results) == 3
    assert all(r.score is None and not r.parsed for r in results)  # random weights cannot write the format
    assert all(isinstance(r.raw, str) for r in results)  # kept for audit (random weights may emit only pads)


def test_local_judge_renders_the_reference_input_not_the_tokenizers_template(tiny_causal_lm, tmp_path):
    import shutil

    from transformers import AutoTokenizer

    path = tmp_path / "judge-chat"
    shutil.copytree(tiny_causal_lm, path)
    tok = AutoTokenizer.from_pretrained(str(path))
    tok.chat_template = ("{% for m in messages %}<s>USER {{ m['content'] }}{% endfor %}"
                         "{% if add_generation_prompt %} ASSISTANT{% endif %}")
    tok.save_pretrained(path)
    judge = LocalJudge(path, max_new_tokens=4)
    model, loaded = judge._load()
    assert loaded.padding_side == "left" and loaded.pad_token == loaded.eos_token
    prompt = build_prompt(*PAIRS[0])
    assert judge.render(prompt) == reference_input(prompt, loaded.eos_token)
    assert "ASSISTANT" not in judge.render("hello")
    assert len(judge.generate(["hello"])) == 1


def test_local_judge_budget_counts_the_prompt(tiny_causal_lm):
    """max_length bounds prompt + answer together, as the reference's generate(max_length=2048)."""
    judge = LocalJudge(tiny_causal_lm, batch_size=2, max_length=96)
    model, tok = judge._load()
    steps = []
    handle = model.register_forward_hook(lambda *a: steps.append(1))
    try:
        n_prompt = len(tok(judge.render("short"))["input_ids"])
        assert n_prompt < 96
        judge.generate(["short"])
        assert 1 <= len(steps) <= 96 - n_prompt  # one forward per new token, never past the budget
        steps.clear()
        assert judge.generate(["a much longer prompt " * 60]) == [""]  # no room left: nothing generated
        assert steps == []
        assert judge.judge([("a " * 60, "b " * 60)])[0].score is None
    finally:
        handle.remove()
