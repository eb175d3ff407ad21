"""The committed catalog: valid, and its rendered README up to date."""

from pathlib import Path

from bot.core.render import render_markdown
from bot.infra.yaml_files import load_catalog

CATALOG = Path(__file__).resolve().parents[1] / "catalog"


def test_committed_catalog_passes_check_and_holds_the_seed() -> None:
    catalog = load_catalog(CATALOG)
    assert len(catalog.papers()) >= 30


def test_committed_readme_is_the_rendered_catalog() -> None:
    expected = render_markdown(load_catalog(CATALOG))
    actual = (CATALOG / "README.md").read_text(encoding="utf-8")
    assert actual == expected, (
        "catalog/README.md is stale: run `vadbot catalog render --out catalog/README.md`"
    )
