"""The ``README.md`` model card of a checkpoint folder, built from its metrics."""

from __future__ import annotations

from lm.corpora import HUB_DATASET_IDS as HUB_DATASETS


def model_card(metrics: dict, samples: dict[float, str] | None = None) -> str:
    """Markdown with Hub YAML metadata, the command, metrics, the loss curve
    per epoch and, when given, samples by temperature."""
    corpus = metrics.get("corpus", "text")
    valid, test = metrics.get("valid", {}), metrics.get("test", {})
    config = metrics.get("config", {})
    lines = ["---", "library_name: lstm-studio", "pipeline_tag: text-generation", "license: mit",
             "tags:", "- lstm", "- language-model", f"- {corpus}"]
    if corpus in HUB_DATASETS:
        lines += ["datasets:", f"- {HUB_DATASETS[corpus]}"]
    lines += ["model-index:", f"- name: lstm-{corpus}", "  results:", "  - task:", "      type: text-generation",
              "    dataset:", f"      name: {corpus}", f"      type: {HUB_DATASETS.get(corpus, corpus)}", "    metrics:"]
    for split, figures in (("valid", valid), ("test", test)):
        if "perplexity" in figures:
            lines += ["    - type: perplexity", f"      name: {split} perplexity", f"      value: {figures['perplexity']:.3f}"]
    lines += ["---", "", f"# LSTM language model: {corpus}", ""]
    lines += [
        f"A {config.get('num_layers', '?')}-layer LSTM ({config.get('hidden_size', '?')} wide, "
        f"embedding {config.get('embedding_size', '?')}) trained at {metrics.get('level', '?')} level on "
        f"`{corpus}`: {metrics.get('parameters', 0):,} parameters, vocabulary of {metrics.get('vocab_size', 0):,} tokens.",
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
        "| split | loss (nats/token) | perplexity | accuracy | bits/token | tokens |",
        "|---|---|---|---|---|---|",
    ]
    for split, figures in (("valid", valid), ("test", test)):
        if figures:
            lines.append(
                f"| {split} | {figures['loss']:.4f} | {figures['perplexity']:.3f} | {figures['accuracy']:.4f} "
                f"| {figures['bits_per_token']:.4f} | {figures['tokens']:,} |"
            )
    lines += ["", "## Loss per epoch", "", "| epoch | train loss | valid loss |", "|---|---|---|"]
    lines += [f"| {row['epoch']} | {row['train_loss']:.4f} | {row['valid_loss']:.4f} |" for row in metrics.get("history", [])]
    if samples:
        lines += ["", "## Samples", ""]
        for temperature, text in samples.items():
            lines += [f"**temperature {temperature:g}**", "", "```", text, "```", ""]
    lines += ["", "Load it with `lm.load(FOLDER_OR_REPO_ID)`; files are safetensors and JSON only.", ""]
    return "\n".join(lines)
