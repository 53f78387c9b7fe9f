from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sada.text.cli import app

runner = CliRunner()


def test_analyze_json_contract() -> None:
    result = runner.invoke(
        app,
        [
            "analyze",
            "--json",
            "--no-embeddings",
            "التوصيل كان متأخر لكن الأكل لذيذ. اتصل 0501234567",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["language"] == "ar"
    assert data["sentiment"]["label"] in ("negative", "neutral", "positive")
    assert set(data["sentiment"]["scores"]) == {"negative", "neutral", "positive"}
    assert data["sentences"] and {"text", "sentiment", "aspects"} <= set(data["sentences"][0])
    assert isinstance(data["topics"], list)
    assert [p["type"] for p in data["pii"]] == ["phone"]


def test_analyze_human_output() -> None:
    result = runner.invoke(app, ["analyze", "--no-embeddings", "这家酒店很干净，服务很好"])
    assert result.exit_code == 0, result.output
    assert "zh" in result.stdout and "positive" in result.stdout


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    return path


def test_evaluate_binary_and_three_class(tmp_path: Path) -> None:
    rows = [
        {"text": "great product, love it", "label": "positive", "lang": "en"},
        {"text": "terrible, broken after a day", "label": "negative", "lang": "en"},
        {"text": "خیلی خوشمزه بود ممنون", "label": "positive", "lang": "fa"},
        {"text": "افتضاح بود، سرد و بی کیفیت", "label": "negative", "lang": "fa"},
        {"text": "not happy at all", "label": "negative", "lang": "en"},
        {"text": "😍😍", "label": "positive", "lang": "en"},
    ]
    path = write_jsonl(tmp_path / "binary.jsonl", rows)
    result = runner.invoke(app, ["evaluate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    data = report["groups"]
    assert set(data) == {"en", "fa"}
    # slices: the negation and the emoji rows
    assert report["slices"]["negation"]["n"] == 1
    assert report["slices"]["emoji"]["n"] == 1 and report["slices"]["emoji-only"]["n"] == 1
    for lang in ("en", "fa"):
        assert (
            data[lang]["n"] == (4 if lang == "en" else 2)
            and data[lang]["accuracy"] == 1.0
            and data[lang]["macro_f1"] == 1.0
        )
        assert set(data[lang]["per_class_f1"]) == {"negative", "positive"}  # binary file: 2 classes
    three = write_jsonl(
        tmp_path / "three.jsonl",
        rows + [{"text": "the store opens at 9", "label": "neutral", "lang": "en"}],
    )
    data = json.loads(runner.invoke(app, ["evaluate", str(three), "--json"]).stdout)["groups"]
    assert set(data["en"]["per_class_f1"]) == {"negative", "neutral", "positive"}
    human = runner.invoke(app, ["evaluate", str(path)])
    assert "confusion" in human.stdout and "macro-F1" in human.stdout


def test_evaluate_any_labelled_file_csv_and_label_spellings(tmp_path: Path) -> None:
    csv_path = tmp_path / "reviews.csv"
    csv_path.write_text(
        "review,sentiment\n"
        '"great product, love it",POS\n'
        '"terrible, broken after a day",neg\n'
        '"not good at all",Negative\n'
        '"the store opens at 9",neu\n'
        '"no label here",\n'
        '"great, but it broke",mixed\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["evaluate", str(csv_path), "--json", "--no-embeddings"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 4 and report["skipped"] == 2
    en = report["groups"]["en"]
    assert set(en["per_class_f1"]) == {"negative", "neutral", "positive"}
    assert sum(sum(row.values()) for row in en["confusion"].values()) == 4
    assert report["slices"]["negation"]["n"] == 1 and "contrast" not in report["slices"]
    # 0/1 labels are ambiguous (0 = negative or neutral?): skipped, not guessed
    zero_one = write_jsonl(
        tmp_path / "zero_one.jsonl",
        [{"text": "fine", "label": 1}, {"text": "bad", "label": 0}, {"text": "ok", "label": "pos"}],
    )
    report = json.loads(runner.invoke(app, ["evaluate", str(zero_one), "--json"]).stdout)
    assert report["n"] == 1 and report["skipped"] == 2
    human = runner.invoke(app, ["evaluate", str(csv_path), "--no-embeddings"])
    assert "2 rows skipped" in human.stdout and "negation" in human.stdout


def test_train_adapts_and_writes_loadable_models(tmp_path: Path) -> None:
    rows = [{"text": f"this is sick {w}", "label": "positive", "lang": "en"} for w in "abcdefghij"]
    rows += [{"text": f"meh whatever {w}", "label": "negative", "lang": "en"} for w in "abcdefghij"]
    path = write_jsonl(tmp_path / "labels.jsonl", rows)
    out = tmp_path / "models"
    result = runner.invoke(app, ["train", str(path), "--out", str(out), "--c", "4"])
    assert result.exit_code == 0, result.output
    assert (out / "sentiment_en.npz").exists() and (out / "sentiment_en.json").exists()
    data = json.loads(
        runner.invoke(
            app, ["analyze", "--json", "--no-embeddings", "--model-dir", str(out), "this is sick"]
        ).stdout
    )
    assert data["sentiment"]["label"] == "positive"
    assert data["sentiment"]["model"].startswith("workspace-en")


def test_reanalyze_and_topics_commands(sqlite_db, make_workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sada.settings import get_settings
    from sada.text import service

    from .test_db import analyses, ingest

    ws = make_workspace(sqlite_db)
    ids = ingest(sqlite_db, ws.id)
    monkeypatch.setenv("SADA_DATABASE_URL", sqlite_db.url)
    monkeypatch.setattr(service, "get_embedder", lambda *_a, **_k: None)
    service._PIPELINES.clear()
    get_settings.cache_clear()
    try:
        added = runner.invoke(
            app,
            [
                "topic",
                "add",
                "refunds",
                "--workspace",
                ws.name,
                "--keyword",
                "refund",
                "--example",
                "give my money back",
            ],
        )
        assert added.exit_code == 0, added.output
        listed = runner.invoke(app, ["topic", "list", "--workspace", ws.name, "--json"])
        assert json.loads(listed.stdout)[0]["name"] == "refunds"
        result = runner.invoke(
            app, ["reanalyze", "--workspace", ws.name, "--since", "2026-01-01", "--no-embeddings"]
        )
        assert result.exit_code == 0, result.output
        assert "3 interactions analysed" in result.output
        stored = analyses(sqlite_db, ws.id)
        assert set(stored) == set(ids[:3])
        assert [t["name"] for t in stored[ids[2]].topics] == ["refunds"]
        missing = runner.invoke(app, ["reanalyze", "--workspace", "no-such-ws"])
        assert missing.exit_code == 1
    finally:
        get_settings.cache_clear()


def test_evaluate_a_pii_file_skips_bad_lines_with_reasons(tmp_path: Path) -> None:
    """A file of names and addresses is told apart from a sentiment file by its first line;
    lines that cannot be scored are left out, each with its reason, and the rest scored."""
    path = tmp_path / "pii.jsonl"
    rows = [
        {"text": "My name is Sarah Johnson, please call me back", "name": ["Sarah Johnson"]},
        {"text": "ok ask zzq about it", "lang": "en", "name": ["zzq"], "address": []},
        {"text": "no such name here", "name": ["Layla"]},
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows] + ["{not json", '{"name": []}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(path), "--json", "--misses", "5"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["task"] == "pii" and report["n"] == 2
    assert report["skipped"] == [
        "line 3: name 'Layla' is not in the text",
        "line 4: not JSON",
        "line 5: no text",
    ]
    name = report["scores"]["name"]
    assert (name["gold"], name["hit"], name["found"]) == (2, 1, 1)
    assert name["recall"] == 0.5 and name["precision"] == 1.0
    assert report["scores"]["name/en"]["gold"] == 2  # the first line's language was detected
    assert report["misses"] == [
        {"text": "ok ask zzq about it", "type": "name", "missed": ["zzq"], "extra": []}
    ]
    human = runner.invoke(app, ["evaluate", str(path)])
    assert human.exit_code == 0, human.output
    assert "2 labelled texts, 3 lines skipped" in human.stdout
    assert "recall 0.500" in human.stdout


def test_evaluate_an_aspect_file(tmp_path: Path) -> None:
    rows = [
        {
            "text": "the food was great but delivery was late",
            "lang": "en",
            "aspects": {"product_quality": "positive", "delivery": "negative"},
        },
        {
            "text": "the food was great but delivery was late",
            "lang": "en",
            "aspects": {"delivery": "positive"},
        },
        {"text": "bad polarity", "aspects": {"delivery": "awful"}},
    ]
    path = write_jsonl(tmp_path / "aspects.jsonl", rows)
    result = runner.invoke(app, ["evaluate", str(path), "--json", "--no-embeddings"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["task"] == "aspects" and report["n"] == 2
    assert report["skipped"][0].startswith("line 3: aspect 'delivery': polarity 'awful'")
    assert report["scores"]["accuracy"] == {"all": 0.667, "en": 0.667}
    assert report["scores"]["mixed_texts"]["n"] == 1
    refused = runner.invoke(app, ["evaluate", str(path), "--task", "topics"])
    assert refused.exit_code != 0
