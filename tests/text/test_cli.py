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
    ]
    path = write_jsonl(tmp_path / "binary.jsonl", rows)
    result = runner.invoke(app, ["evaluate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"en", "fa"}
    for lang in ("en", "fa"):
        assert (
            data[lang]["n"] == 2 and data[lang]["accuracy"] == 1.0 and data[lang]["macro_f1"] == 1.0
        )
        assert set(data[lang]["per_class_f1"]) == {"negative", "positive"}  # binary file: 2 classes
    three = write_jsonl(
        tmp_path / "three.jsonl",
        rows + [{"text": "the store opens at 9", "label": "neutral", "lang": "en"}],
    )
    data = json.loads(runner.invoke(app, ["evaluate", str(three), "--json"]).stdout)
    assert set(data["en"]["per_class_f1"]) == {"negative", "neutral", "positive"}
    human = runner.invoke(app, ["evaluate", str(path)])
    assert "confusion" in human.stdout and "macro-F1" in human.stdout


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
