"""``pixtralogist eval``: draft a split and score it region by region (see :mod:`.evaluate`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pixtralogist.core.command import Command


class EvalCommand(Command):
    name = "eval"
    help = ("draft every case of a split and score it per region against the reference "
            "(GREEN via a judge model, or the offline finding-match comparator)")

    def configure(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--plugin", default="radiology", help="the plugin whose drafter and template are evaluated")
        p.add_argument("--adapter", default=None, metavar="VERSION|PATH",
                       help="LoRA adapter directory or registry version (default: the offline drafter baseline)")
        p.add_argument("--registry", type=Path, default=None, metavar="DIR",
                       help="adapter registry root, to name --adapter by version")
        p.add_argument("--base-model", default=None, help="base model directory (default: from the adapter's metadata)")
        p.add_argument("--split", action="append", default=None, metavar="SPLIT",
                       help="train, val (validation) or test; repeat for several (default: val and test)")
        p.add_argument("--judge", default="offline", metavar="SPEC",
                       help="offline | local:<model dir> | openai:<url>#<model> (default: offline)")
        p.add_argument("--api-key-env", default=None, help="environment variable with the judge server's API key")
        p.add_argument("--judge-api", choices=("completions", "chat"), default="completions",
                       help="openai judge: completions (the GREEN template rendered here, sent to /v1/completions; "
                            "default) or chat (/v1/chat/completions of a server started with --chat-template "
                            "finetune/templates/green_chat_template.jinja)")
        p.add_argument("--judge-eos-token", default="</s>",
                       help="openai judge, completions api: the judge tokenizer's eos text used by the GREEN "
                            "template (default </s>, GREEN-RadLlama2-7b; GREEN-Phi2: <|endoftext|>)")
        p.add_argument("--batch-size", type=int, default=8, help="local judge batch size / server concurrency")
        p.add_argument("--data", type=Path, required=True, help="annotation layout (annotation.json, images/)")
        p.add_argument("--out", type=Path, required=True, help="output folder for the table, CSV, PNG and pairs")
        p.add_argument("--limit", type=int, default=None, help="only the first N cases of each split")

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.finetune.evaluate import evaluate, resolve_adapter
        from pixtralogist.finetune.judges import make_judge

        if args.plugin != "radiology":
            print(f"error: evaluation is implemented for the radiology plugin's chest X-ray template, "
                  f"not {args.plugin!r}")
            return 2
        options: dict = {}
        if args.judge.startswith("local:"):
            options["batch_size"] = args.batch_size
        elif args.judge.startswith("openai:"):
            options.update(concurrency=args.batch_size, api_key_env=args.api_key_env, api=args.judge_api,
                           eos_token=args.judge_eos_token)
        judge = make_judge(args.judge, **options)
        adapter = resolve_adapter(args.adapter, registry=args.registry, plugin=args.plugin)
        splits = args.split or ["val", "test"]
        report = evaluate(args.data, splits, judge, adapter_dir=adapter, base_model=args.base_model,
                          out_dir=args.out, limit=args.limit, summary={"plugin": args.plugin})
        print(report.markdown)
        for kind, path in report.paths.items():
            print(f"{kind}: {path}")
        return 0
