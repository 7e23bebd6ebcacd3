"""The ``README.md`` model card of a checkpoint folder, built from its
metrics, and the loss curve it shows (an SVG drawn from the epoch history)."""

from __future__ import annotations

from huggingface_hub import EvalResult, ModelCardData

from lm.corpora import HUB_DATASET_IDS as HUB_DATASETS

LOSS_CURVE_FILE = "loss_curve.svg"


def model_card(metrics: dict, samples: dict[float, str] | None = None, curve: bool = False) -> str:
    """Markdown with Hub YAML metadata, the command, metrics, the loss per
    epoch (with ``curve``, also as the picture ``loss_curve.svg``) and, when
    given, samples by temperature."""
    corpus = metrics.get("corpus", "text")
    valid, test = metrics.get("valid", {}), metrics.get("test", {})
    config = metrics.get("config", {})
    lines = ["---", card_metadata(metrics).to_yaml(), "---", "", f"# LSTM language model: {corpus}", ""]
    lines += [
        f"A {config.get('num_layers', '?')}-layer LSTM ({config.get('hidden_size', '?')} wide, "
        f"embedding {config.get('embedding_size', '?')}) trained at {metrics.get('level', '?')} level on "
        f"`{corpus}`: {metrics.get('parameters', 0):,} parameters, vocabulary of {metrics.get('vocab_size', 0):,} tokens."
        + (f" Fine-tuned from `{config['init_from']}` (its weights and vocabulary)." if config.get("init_from") else ""),
        "",
        "## How it was trained",
        "",
        "```",
        metrics.get("command") or "(command not recorded)",
        "```",
        "",
        f"{metrics.get('epochs', 0)} epochs ({metrics.get('tokens_seen', 0):,} training tokens) in "
        f"{metrics.get('wall_seconds', 0):.0f} s on {metrics.get('device', '?')}; best valid loss at epoch "
        f"{metrics.get('best_epoch', '?')}.",
        "",
        "## Metrics",
        "",
        "| split | loss (nats/token) | perplexity | accuracy | bits/token | tokens | `<unk>` targets "
        "| perplexity without them |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for split, figures in (("valid", valid), ("test", test)):
        if figures:
            unknown = f"{figures['unknown_tokens']:,}" if "unknown_tokens" in figures else "–"
            known = f"{figures['known_perplexity']:.3f}" if "known_perplexity" in figures else "–"
            lines.append(
                f"| {split} | {figures['loss']:.4f} | {figures['perplexity']:.3f} | {figures['accuracy']:.4f} "
                f"| {figures['bits_per_token']:.4f} | {figures['tokens']:,} | {unknown} | {known} |"
            )
    lines += ["", "## Loss per epoch", ""]
    if curve:
        lines += [f"![train and valid loss per epoch]({LOSS_CURVE_FILE})", ""]
    lines += ["| epoch | train loss | valid loss |", "|---|---|---|"]
    lines += [f"| {row['epoch']} | {row['train_loss']:.4f} | {row['valid_loss']:.4f} |" for row in metrics.get("history", [])]
    lines += _counting(metrics.get("counting")) + _measured(metrics.get("measured"))
    if samples:
        lines += ["", "## Samples", ""]
        for temperature, text in samples.items():
            lines += [f"**temperature {temperature:g}**", "", "```", text, "```", ""]
    lines += ["", "Load it with `lm.load(FOLDER_OR_REPO_ID)`; files are safetensors and JSON only.", ""]
    return "\n".join(lines)


def _counting(counting: list[dict] | None) -> list[str]:
    """Human Numbers: how many numbers greedy sampling continues correctly."""
    if not counting:
        return []
    lines = ["", "## Can it count?", "",
             "Greedy sampling from two consecutive numbers of the valid range (never seen in training): how many "
             "of the numbers that follow it writes correctly, in a row, before its first mistake.", "",
             "| prompt | correct numbers in a row | checked |", "|---|---|---|"]
    return lines + [f"| `{row['prompt']}` | {row['correct']} | {row['checked']} |" for row in counting]


def _measured(measured: list[dict] | None) -> list[str]:
    """Figures measured beside other models or the corpus, each with its command."""
    if not measured:
        return []
    lines = ["", "## Measured beside the corpus and other models", ""]
    return lines + [f"- {item['figure']}: {item['value']}. Measured with `{item['command']}`." for item in measured]


def card_metadata(metrics: dict) -> ModelCardData:
    """The card's Hub metadata: library, task, tags, the Hub dataset of a
    named corpus, and the valid and test perplexities as evaluation results."""
    corpus = metrics.get("corpus", "text")
    dataset = HUB_DATASETS.get(corpus, corpus)
    results = [
        EvalResult(task_type="text-generation", dataset_type=dataset, dataset_name=corpus, metric_type="perplexity",
                   metric_name=f"{split} perplexity", metric_value=round(metrics[split]["perplexity"], 3))
        for split in ("valid", "test") if "perplexity" in metrics.get(split, {})
    ]
    return ModelCardData(
        library_name="lstm-studio", pipeline_tag="text-generation", license="mit",
        tags=["lstm", "language-model", corpus], datasets=[HUB_DATASETS[corpus]] if corpus in HUB_DATASETS else None,
        model_name=f"lstm-{corpus}", eval_results=results or None,
    )
