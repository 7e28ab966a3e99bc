"""GREEN judge backends: a tiny local causal LM and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pixtralogist.core.errors import BackendError, ConfigError
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


class _Handler(BaseHTTPRequestHandler):
    requests: list = []

    def log_message(self, *args):  # keep pytest output quiet
        pass

    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        prompt = body["messages"][0]["content"]
        if "Garbage please" in prompt:
            answer = "I am not sure what to say."
        elif "FAIL" in prompt:
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "bad request"}}')
            return
        else:
            answer = CANNED
        data = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server():
    _Handler.requests = []
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_openai_judge_against_a_real_http_server(server):
    judge = make_judge(f"openai:{server}#GREEN-RadLlama2-7b", concurrency=3)
    assert isinstance(judge, OpenAIJudge) and judge.metric == "GREEN"
    results = judge.judge(PAIRS)
    assert len(results) == 3
    first, second, garbage = results
    assert first.score == pytest.approx(3 / 4) and first.significant["c"] == 1
    assert first.significant_items["c"] == ["Left instead of right effusion"]
    assert first.explanation == "The candidate places the effusion on the wrong side."
    assert second.score == pytest.approx(3 / 4)
    assert garbage.score is None and garbage.raw == "I am not sure what to say."
    reqs = _Handler.requests
    assert len(reqs) == 3
    assert {r["model"] for r in reqs} == {"GREEN-RadLlama2-7b"}
    assert all(r["temperature"] == 0.0 for r in reqs)
    prompts = sorted(r["messages"][0]["content"] for r in reqs)
    assert any("Small right pleural effusion" in p and "Small left pleural effusion" in p for p in prompts)


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
    judge = make_judge(f"local:{tiny_causal_lm}", batch_size=2, max_new_tokens=12, max_length=384)
    assert isinstance(judge, LocalJudge) and judge.metric == "GREEN"
    answers = judge.generate(["[Matched Findings]: one", "short", "a much longer prompt " * 5])
    assert len(answers) == 3 and all(isinstance(a, str) for a in answers)
    # greedy: the same prompt gives the same answer, whatever its batch neighbours
    again = judge.generate(["short"])
    assert again[0] == answers[1]
    results = judge.judge(PAIRS)
    assert len(results) == 3
    assert all(r.score is None and not r.parsed for r in results)  # random weights cannot write the format
    assert all(r.raw for r in results)


def test_local_judge_uses_the_chat_template(tiny_causal_lm, tmp_path):
    import shutil

    from transformers import AutoTokenizer

    path = tmp_path / "judge-chat"
    shutil.copytree(tiny_causal_lm, path)
    tok = AutoTokenizer.from_pretrained(str(path))
    tok.chat_template = ("{% for m in messages %}{% if m['from'] == 'human' %}<s>USER {{ m['value'] }}"
                         "{% endif %}{% endfor %}{% if add_generation_prompt %} ASSISTANT{% endif %}")
    tok.save_pretrained(path)
    judge = LocalJudge(path, max_new_tokens=4)
    judge._load()
    text = judge._text("hello")
    assert text == "<s>USER hello ASSISTANT"
    assert len(judge.generate(["hello"])) == 1
