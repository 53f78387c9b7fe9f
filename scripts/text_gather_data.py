"""Gather labelled sentiment data for Sada's models, deduplicated, split into train and eval.

    python scripts/text_gather_data.py [--mirrors /work/.mirror] [--out .text-data]

Reads the project's `../shared/data/sentiment/*.jsonl` and public repositories
fetched as git directories under `--mirrors` (one folder per repository,
`owner+name/repo`, as the fetch tool lays them), and writes one JSONL file per
data set in the shared data format to `OUT/train/` or `OUT/eval/`.

Every set has a role:

- `train`: the shipped models learn from it;
- `eval`: a whole data set held out — never trained on — for the cross-domain
  figures of the model card (several are the kind of set the issue's published
  anchors use);
- `split`: trained on its 85% and evaluated on its 15% (by a hash of the text),
  for in-domain slices only (Arabizi).

Deduplication uses near-duplicate keys (`sada.text.dedupe`): within a set the
first copy stays and texts whose copies disagree on the label are dropped;
between training sets the first set in `DATASETS` order keeps the text; and an
evaluation text that near-duplicates any training text is dropped from its
evaluation set (as the issue's held-out figures were "clean of near-duplicates"):
ArSarcasm re-annotates SemEval and ASTD tweets, so those sets are scored on the
tweets ArSarcasm does not hold. The held-out part of a `split` set is kept out
of training instead.
Nothing written here is committed: `OUT` is ignored by git.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sada.text.dedupe import Deduper, near_dup_keys  # noqa: E402
from sada.text.normalize import clean  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "sentiment"
if not SHARED.exists():
    SHARED = Path("/work/shared/data/sentiment")
csv.field_size_limit(10**8)

Row = dict[str, object]


@dataclass(frozen=True)
class Dataset:
    name: str
    role: str  # train | eval | split
    lang: str
    domain: str
    source: str  # public repository and file
    licence: str
    load: Callable[[Path], Iterator[Row]]
    note: str = ""


def git_show(mirrors: Path, repo: str, path: str) -> bytes:
    folder = mirrors / repo.replace("/", "+") / "repo"
    git_dir = folder / ".git" if (folder / ".git").exists() else folder
    return subprocess.run(  # noqa: S603 - fixed arguments, no shell
        ["git", f"--git-dir={git_dir}", "show", f"HEAD:{path}"],  # noqa: S607 - git from PATH
        check=True,
        capture_output=True,
    ).stdout


def shared(name: str) -> Callable[[Path], Iterator[Row]]:
    def load(_mirrors: Path) -> Iterator[Row]:
        with open(SHARED / f"{name}.jsonl", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)

    return load


def lines_with_labels(
    repo: str, text_path: str, label_path: str, names: dict[str, str]
) -> Callable[[Path], Iterator[Row]]:
    def load(mirrors: Path) -> Iterator[Row]:
        texts = git_show(mirrors, repo, text_path).decode("utf-8").split("\n")
        labels = git_show(mirrors, repo, label_path).decode("utf-8").split("\n")
        for text, label in zip(texts, labels, strict=False):
            if text.strip() and label.strip() in names:
                yield {"text": text, "label": names[label.strip()]}

    return load


THREE = {"0": "negative", "1": "neutral", "2": "positive"}
POLARITY = {"-1": "negative", "0": "neutral", "1": "positive"}


def elsahar(file: str) -> Callable[[Path], Iterator[Row]]:
    def load(mirrors: Path) -> Iterator[Row]:
        raw = git_show(mirrors, "hadyelsahar/large-arabic-sentiment-analysis-resouces", file)
        for row in csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))):
            label = POLARITY.get(str(row.get("polarity", "")).strip().removesuffix(".0"))
            if label and row.get("text"):
                yield {"text": row["text"], "label": label}

    return load


def astd(mirrors: Path) -> Iterator[Row]:
    names = {"POS": "positive", "NEG": "negative", "NEUTRAL": "neutral", "OBJ": "neutral"}
    raw = git_show(mirrors, "mahmoudnabil/ASTD", "data/Tweets.txt").decode("utf-8")
    for line in raw.split("\n"):
        text, _, label = line.rpartition("\t")
        if label.strip() in names and text.strip():
            yield {"text": text, "label": names[label.strip()], "dialect": "egypt"}


def ajgt(mirrors: Path) -> Iterator[Row]:
    from openpyxl import load_workbook

    raw = git_show(mirrors, "komari6/Arabic-twitter-corpus-AJGT", "AJGT.xlsx")
    sheet = load_workbook(io.BytesIO(raw), read_only=True).active
    assert sheet is not None
    for row in sheet.iter_rows(min_row=2, values_only=True):
        text, label = row[1], str(row[2]).strip().lower()
        if text and label in ("positive", "negative"):
            yield {"text": str(text), "label": label, "dialect": "levant"}


def arsarcasm_test(mirrors: Path) -> Iterator[Row]:
    raw = git_show(mirrors, "iabufarha/ArSarcasm-v2", "ArSarcasm-v2/testing_data.csv")
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))):
        label = {"NEG": "negative", "NEU": "neutral", "POS": "positive"}.get(
            str(row.get("sentiment", "")).strip()
        )
        if label and row.get("tweet"):
            yield {"text": row["tweet"], "label": label, "dialect": row.get("dialect", "")}


def sophon(path: str) -> Callable[[Path], Iterator[Row]]:
    def load(mirrors: Path) -> Iterator[Row]:
        raw = git_show(mirrors, "SophonPlus/ChineseNlpCorpus", path)
        for row in csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))):
            label = {"1": "positive", "0": "negative"}.get(str(row.get("label")).strip())
            if label and row.get("review"):
                yield {"text": row["review"], "label": label}

    return load


def snappfood_test(mirrors: Path) -> Iterator[Row]:
    raw = git_show(mirrors, "conflictednerd/Unsupervised-Style-Transfer", "data/snappfood/test.csv")
    names = {"HAPPY": "positive", "SAD": "negative"}
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))):
        label = names.get(str(row.get("label")).strip())
        if label and row.get("comment"):
            yield {"text": row["comment"], "label": label}


def parsinlu_food(mirrors: Path) -> Iterator[Row]:
    names = {"-2": "negative", "-1": "negative", "0": "neutral", "3": "neutral"}
    names.update({"1": "positive", "2": "positive"})
    for part in ("food_dev.jsonl", "food_test.jsonl"):
        raw = git_show(mirrors, "persiannlp/parsinlu", f"data/sentiment-analysis/{part}")
        for line in raw.decode("utf-8").split("\n"):
            if not line.strip():
                continue
            row = json.loads(line)
            label = names.get(str(row.get("label")))
            if row.get("aspect") == "کلی" and label:  # the overall opinion of the review
                yield {"text": row["review"], "label": label, "category": row.get("category", "")}


def uci(file: str) -> Callable[[Path], Iterator[Row]]:
    def load(mirrors: Path) -> Iterator[Row]:
        raw = git_show(
            mirrors,
            "murilovalenso/Processamento-de-Linguagem-Natural",
            f"NLP/sentiment_labelled_sentences/{file}",
        )
        for line in raw.decode("utf-8", errors="replace").split("\n"):
            text, _, label = line.rstrip().rpartition("\t")
            if text.strip() and label in ("0", "1"):
                yield {"text": text, "label": "positive" if label == "1" else "negative"}

    return load


def tunizi(mirrors: Path) -> Iterator[Row]:
    raw = git_show(
        mirrors,
        "chaymafourati/TUNIZI-Sentiment-Analysis-Tunisian-Arabizi-Dataset",
        "TUNIZI-Dataset.txt",
    )
    for line in raw.decode("utf-8", errors="replace").split("\n"):
        label, _, text = line.strip().lstrip("%").partition(";")
        if text.strip() and label in ("1", "-1"):
            yield {
                "text": text,
                "label": "positive" if label == "1" else "negative",
                "dialect": "arabizi",
            }


def msra_neutral(mirrors: Path) -> Iterator[Row]:
    """News sentences of the MSRA NER corpus, as neutral examples for the Chinese model."""
    import zipfile

    raw = git_show(mirrors, "SophonPlus/ChineseNlpCorpus", "datasets/dh_msra/dh_msra.zip")
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        lines = zf.read("dh_msra.txt").decode("utf-8", errors="replace").split("\n")
    sentences, chars = [], []
    for line in lines:
        ch = line.split("\t", 1)[0]
        if ch.strip():
            chars.append(ch)
            continue
        if 10 <= len(chars) <= 60:
            sentences.append("".join(chars))
        chars = []
    picked = sorted(
        sentences, key=lambda t: hashlib.sha1(t.encode(), usedforsecurity=False).digest()
    )
    for text in picked[:4000]:
        yield {"text": text, "label": "neutral"}


SEMEVAL_GOLD = "语义计算与知识检索/hw2/2017_English_final/GOLD/Subtask_A"
SEMEVAL_TWEETS = [
    "twitter-2013train-A.txt", "twitter-2013dev-A.txt", "twitter-2013test-A.txt",
    "twitter-2014test-A.txt", "twitter-2014sarcasm-A.txt", "twitter-2015train-A.txt",
    "twitter-2015test-A.txt", "twitter-2016train-A.txt", "twitter-2016dev-A.txt",
    "twitter-2016devtest-A.txt", "twitter-2016test-A.txt",
]  # fmt: skip


def semeval_gold(files: list[str]) -> Callable[[Path], Iterator[Row]]:
    """SemEval 2013-2016 task 4A gold files: id [id] label text, tab-separated."""
    import re

    escape = re.compile(r"\\u([0-9a-fA-F]{4})")

    def load(mirrors: Path) -> Iterator[Row]:
        for file in files:
            raw = git_show(mirrors, "FireBrother/assignment", f"{SEMEVAL_GOLD}/{file}")
            for line in raw.decode("utf-8", errors="replace").split("\n"):
                parts = line.rstrip("\r").split("\t")
                for i, part in enumerate(parts[:-1]):
                    if part in ("positive", "negative", "neutral"):
                        text = escape.sub(
                            lambda m: chr(int(m.group(1), 16)), "\t".join(parts[i + 1 :])
                        )
                        if text.strip() and text.strip() != "Not Available":
                            yield {"text": text, "label": part}
                        break

    return load


XLM_T = "cardiffnlp/xlm-t"
TWITTER = "repository Apache-2.0; tweets under Twitter terms"
NONE = "none stated"
# Order matters: between training sets the first keeps a near-duplicate text.
DATASETS: list[Dataset] = [
    # ---- held-out evaluation sets (whole data sets, never trained on)
    Dataset("ar_social_semeval_test", "eval", "ar", "social",
            f"{XLM_T} data/sentiment/arabic/test (SemEval-2017 4A test)", TWITTER,
            lines_with_labels(XLM_T, "data/sentiment/arabic/test_text.txt",
                              "data/sentiment/arabic/test_labels.txt", THREE)),
    Dataset("en_social_semeval_test", "eval", "en", "social",
            f"{XLM_T} data/sentiment/english/test (SemEval-2017 4A test)", TWITTER,
            lines_with_labels(XLM_T, "data/sentiment/english/test_text.txt",
                              "data/sentiment/english/test_labels.txt", THREE)),
    Dataset("ar_social_astd", "eval", "ar", "social",
            "mahmoudnabil/ASTD data/Tweets.txt (Egyptian tweets; OBJ counted as neutral)",
            "GPL-2.0 (evaluation only)", astd),
    Dataset("ar_reviews_att", "eval", "ar", "reviews",
            "hadyelsahar/large-arabic-sentiment-analysis-resouces datasets/ATT.csv (attractions)",
            NONE, elsahar("datasets/ATT.csv")),
    Dataset("ar_reviews_res2", "eval", "ar", "reviews",
            "hadyelsahar/large-arabic-sentiment-analysis-resouces datasets/RES2.csv (TripAdvisor restaurants)",
            NONE, elsahar("datasets/RES2.csv")),
    Dataset("fa_fooddelivery_snappfood_test", "eval", "fa", "food-delivery",
            "conflictednerd/Unsupervised-Style-Transfer data/snappfood/test.csv",
            NONE, snappfood_test,
            "same data set as fa_fooddelivery_snappfood_train (its dev.csv), another split"),
    Dataset("fa_products_parsinlu_food", "eval", "fa", "products",
            "persiannlp/parsinlu data/sentiment-analysis/food_{dev,test}.jsonl, overall aspect "
            "(very negative/negative, neutral/mixed, positive/very positive)",
            "CC BY-NC-SA 4.0 (evaluation only)", parsinlu_food),
    Dataset("zh_fooddelivery_waimai", "eval", "zh", "food-delivery",
            "SophonPlus/ChineseNlpCorpus datasets/waimai_10k/waimai_10k.csv", NONE,
            sophon("datasets/waimai_10k/waimai_10k.csv")),
    Dataset("en_reviews_uci_yelp", "eval", "en", "restaurants",
            "UCI Sentiment Labelled Sentences, yelp_labelled.txt (copy in "
            "murilovalenso/Processamento-de-Linguagem-Natural)", "CC BY 4.0", uci("yelp_labelled.txt")),
    Dataset("en_sms_semeval2013", "eval", "en", "sms",
            "SemEval-2013 task 2 SMS test (gold, in FireBrother/assignment 2017_English_final)",
            "research use (NUS SMS corpus; evaluation only)", semeval_gold(["sms-2013test-A.tsv"])),
    Dataset("en_livejournal_semeval2014", "eval", "en", "blogs",
            "SemEval-2014 task 9 LiveJournal test (gold, in FireBrother/assignment 2017_English_final)",
            "research use (evaluation only)", semeval_gold(["livejournal-2014test-A.tsv"])),
    # ---- training sets
    Dataset("ar_social_semeval_train", "train", "ar", "social",
            f"{XLM_T} data/sentiment/arabic train+val", TWITTER, shared("ar_social_semeval_train"),
            "re-annotated in ArSarcasm: near-duplicates keep this (SemEval) copy and label"),
    Dataset("ar_social_arsarcasm_train", "train", "ar", "social", "iabufarha/ArSarcasm-v2 training_data.csv",
            "MIT", shared("ar_social_arsarcasm_train")),
    Dataset("ar_social_arsarcasm_test", "train", "ar", "social", "iabufarha/ArSarcasm-v2 testing_data.csv",
            "MIT", arsarcasm_test),
    Dataset("ar_social_ajgt", "train", "ar", "social",
            "komari6/Arabic-twitter-corpus-AJGT AJGT.xlsx (Jordanian tweets)", "AFL-3.0", ajgt),
    Dataset("ar_reviews_train", "train", "ar", "reviews",
            "hadyelsahar/large-arabic-sentiment-analysis-resouces RES1.csv + PROD.csv", NONE,
            shared("ar_reviews_train")),
    Dataset("ar_arabizi_tunizi", "split", "ar", "social",
            "chaymafourati/TUNIZI-Sentiment-Analysis-Tunisian-Arabizi-Dataset TUNIZI-Dataset.txt "
            "(Tunisian Arabizi)", NONE, tunizi),
    Dataset("fa_products_sentipers_train", "train", "fa", "products",
            "JoyeBright/DeepSentiPers Dataset/original.csv (SentiPers)", NONE,
            shared("fa_products_sentipers_train")),
    Dataset("fa_fooddelivery_snappfood_train", "train", "fa", "food-delivery",
            "conflictednerd/Unsupervised-Style-Transfer data/snappfood/dev.csv", NONE,
            shared("fa_fooddelivery_snappfood_train")),
    Dataset("zh_shopping_train", "train", "zh", "shopping",
            "SophonPlus/ChineseNlpCorpus online_shopping_10_cats", NONE, shared("zh_shopping_train")),
    Dataset("zh_hotels_chnsenticorp", "train", "zh", "hotels",
            "SophonPlus/ChineseNlpCorpus datasets/ChnSentiCorp_htl_all", NONE,
            sophon("datasets/ChnSentiCorp_htl_all/ChnSentiCorp_htl_all.csv")),
    Dataset("zh_news_msra_neutral", "train", "zh", "news",
            "SophonPlus/ChineseNlpCorpus datasets/dh_msra (MSRA NER news sentences, 10-60 characters, "
            "4,000 by hash) as the neutral class", NONE, msra_neutral,
            "objective news sentences stand in for neutral: no Chinese three-class set was reachable"),
    Dataset("en_reviews_uci_train", "train", "en", "reviews",
            "UCI Sentiment Labelled Sentences (amazon_cells, imdb)", "CC BY 4.0",
            shared("en_reviews_uci_train")),
    Dataset("en_social_semeval_train", "train", "en", "social",
            f"{XLM_T} data/sentiment/english train+val", TWITTER, shared("en_social_semeval_train")),
    Dataset("en_social_semeval1316", "train", "en", "social",
            "SemEval 2013-2016 task 4A English tweets, gold (FireBrother/assignment 2017_English_final)",
            "tweets under Twitter terms", semeval_gold(SEMEVAL_TWEETS)),
    Dataset("en_social_tweeteval_val", "train", "en", "social",
            "cardiffnlp/tweeteval datasets/sentiment/val (SemEval-2017 4A)",
            "released without restrictions; tweets under Twitter terms",
            lines_with_labels("cardiffnlp/tweeteval", "datasets/sentiment/val_text.txt",
                              "datasets/sentiment/val_labels.txt", THREE)),
]  # fmt: skip


def is_dev(text: str, share: float = 0.15) -> bool:
    h = int(hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:8], 16)
    return (h % 10_000) < share * 10_000


def dedupe_within(rows: list[Row]) -> tuple[list[Row], int, int]:
    """First copy of each near-duplicate group; groups whose labels disagree are dropped."""
    labels: dict[str, set[str]] = {}
    for row in rows:
        for k in near_dup_keys(str(row["text"])):
            labels.setdefault(k, set()).add(str(row["label"]))
    kept: list[Row] = []
    seen: set[str] = set()
    conflicts = dups = 0
    for row in rows:
        keys = near_dup_keys(str(row["text"]))
        if any(len(labels[k]) > 1 for k in keys):
            conflicts += 1
            continue
        if keys and any(k in seen for k in keys):
            dups += 1
            continue
        seen.update(keys)
        kept.append(row)
    return kept, dups, conflicts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--out", type=Path, default=ROOT / ".text-data")
    args = ap.parse_args()
    loaded: dict[str, list[Row]] = {}
    for ds in DATASETS:
        try:
            rows = []
            for row in ds.load(args.mirrors):
                text = " ".join(clean(str(row["text"])).split())
                if text:
                    rows.append({**row, "text": text})
        except (subprocess.CalledProcessError, FileNotFoundError) as exc:
            print(f"{ds.name}: not available ({exc})", file=sys.stderr)
            continue
        kept, dups, conflicts = dedupe_within(rows)
        loaded[ds.name] = kept
        print(f"{ds.name}: {len(rows)} read, {dups} near-duplicates, {conflicts} conflicting")
    split_dev = Deduper()
    for ds in DATASETS:
        if ds.role == "split" and ds.name in loaded:
            for row in loaded[ds.name]:
                if is_dev(str(row["text"])):
                    split_dev.add(str(row["text"]))
    trained = Deduper()
    train_rows: dict[str, list[Row]] = {}
    for ds in DATASETS:
        if ds.role == "eval" or ds.name not in loaded:
            continue
        kept, dropped = [], 0
        for row in loaded[ds.name]:
            text = str(row["text"])
            if ds.role == "split" and is_dev(text):
                continue
            if split_dev.seen(text) or trained.seen(text):
                dropped += 1
                continue
            trained.add(text)
            kept.append(row)
        train_rows[ds.name] = kept
        loaded[ds.name + "#dropped"] = [{"n": dropped}]
    summary = []
    for folder in ("train", "eval"):
        (args.out / folder).mkdir(parents=True, exist_ok=True)
    for ds in DATASETS:
        rows = loaded.get(ds.name)
        if rows is None:
            continue
        out_rows: dict[str, list[Row]] = {"train": train_rows.get(ds.name, []), "eval": []}
        dropped = {"train": int(loaded.get(ds.name + "#dropped", [{"n": 0}])[0]["n"]), "eval": 0}
        for row in rows:
            text = str(row["text"])
            if ds.role == "eval" or (ds.role == "split" and is_dev(text)):
                if trained.seen(text):
                    dropped["eval"] += 1
                else:
                    out_rows["eval"].append(row)
        for folder, items in out_rows.items():
            if not items:
                continue
            name = ds.name + ("_heldout" if ds.role == "split" and folder == "eval" else "")
            with open(args.out / folder / f"{name}.jsonl", "w", encoding="utf-8") as fh:
                for row in items:
                    record = {
                        **row,
                        "lang": ds.lang,
                        "source": name,
                        "domain": ds.domain,
                    }
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            counts = Counter(str(r["label"]) for r in items)
            summary.append(
                {
                    "name": name,
                    "role": folder,
                    "lang": ds.lang,
                    "domain": ds.domain,
                    "rows": len(items),
                    "labels": dict(sorted(counts.items())),
                    "dropped_as_near_duplicates": dropped[folder],
                    "source": ds.source,
                    "licence": ds.licence,
                    "note": ds.note,
                }
            )
    (args.out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    for s in summary:
        print(
            f"{s['role']:<5} {s['name']:<36} {s['rows']:>6}  {s['labels']}  "
            f"near-duplicates dropped {s['dropped_as_near_duplicates']}"
        )


if __name__ == "__main__":
    main()
