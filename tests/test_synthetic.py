"""The benchmark's synthetic data: valid under the same schemas as data/, and unmistakably not real."""

import sys
from pathlib import Path

from usascp.load import load_dataset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from make_synthetic_data import PER_UNIT, SOURCE_ID, generate  # noqa: E402


def test_synthetic_data_validates_and_scales(tmp_path):
    counts = generate(4, tmp_path / "4x")
    dataset = load_dataset(tmp_path / "4x")  # raises DatasetError if any rule is broken
    assert dataset.row_counts == counts
    assert len(dataset.grants) == 4 * PER_UNIT["grants"] and len(dataset.metrics) == 4 * PER_UNIT["metrics"]
    assert len(dataset.cities) == 31  # every member city, as in data/


def test_every_synthetic_row_says_so(tmp_path):
    dataset = load_dataset(generate(2, tmp_path / "2x") and tmp_path / "2x")
    assert dataset.projects["title"].str.startswith("[SYNTHETIC]").all()
    assert dataset.events["name"].str.startswith("[SYNTHETIC]").all()
    for table in (dataset.grants, dataset.metrics, dataset.project_sources):
        assert set(table["source_id"]) == {SOURCE_ID}
    source = dataset.sources.set_index("source_id").loc[SOURCE_ID]
    assert "SYNTHETIC" in source["title"] and source["url"].startswith("https://example.invalid/")


def test_the_same_size_is_the_same_data(tmp_path):
    generate(2, tmp_path / "a")
    generate(2, tmp_path / "b")
    for name in ("grants.csv", "metrics.csv", "projects.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
