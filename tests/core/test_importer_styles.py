"""The importer on the other styles real awesome lists use, each on a small list."""

from bot.core.importer import ImportResult, parse_awesome_list
from bot.core.models import Entry


def entries(text: str) -> dict[str, Entry]:
    result = parse_awesome_list(text)
    assert result.problems == []
    return {e.title: e for e in result.entries}


BULLETS = """# Awesome Bullets

## Papers

### 2024

- **Open-Vocabulary Video Anomaly Detection** [[paper](https://example.org/ovvad)] [[code](https://github.com/a/ovvad)]
- **Prompt Anomaly: Weak Supervision** (CVPR 2024) [[pdf](https://example.org/pa.pdf)]
  - Prompts learned from normal clips.
* **Third Paper** [[arXiv](https://arxiv.org/abs/2403.01234v2)] — a short note
"""


def test_bullet_lines_with_labelled_links_and_a_nested_note() -> None:
    found = entries(BULLETS)
    ovvad = found["Open-Vocabulary Video Anomaly Detection"]
    assert ovvad.year == 2024
    assert ovvad.links == {
        "paper": "https://example.org/ovvad",
        "code": "https://github.com/a/ovvad",
    }
    prompt = found["Prompt Anomaly: Weak Supervision"]
    assert (prompt.venue, prompt.year, prompt.id) == ("CVPR", 2024, "prompt-anomaly")
    assert prompt.links == {"pdf": "https://example.org/pa.pdf"}
    assert prompt.summary == "Prompts learned from normal clips."
    third = found["Third Paper"]
    assert (third.arxiv_id, third.summary) == ("2403.01234", "a short note")


def test_crlf_line_endings_read_like_lf() -> None:
    crlf = parse_awesome_list(BULLETS.replace("\n", "\r\n"))
    assert crlf.entries == parse_awesome_list(BULLETS).entries
    assert all("\r" not in e.title + e.summary for e in crlf.entries)


def test_pipe_separated_lines_with_short_venue_years() -> None:
    found = entries(
        "## Papers\n\n"
        "Future Frame Prediction for Anomaly Detection | **[CVPR' 18]** | [pdf](https://example.org/ffp.pdf)\n"
        "Graph Convolutional Label Noise Cleaner | **[CVPR' 19]** | [pdf](https://example.org/g.pdf)"
        " | [code](https://github.com/x/g)\n"
    )
    ffp = found["Future Frame Prediction for Anomaly Detection"]
    assert (ffp.venue, ffp.year) == ("CVPR", 2018)
    assert ffp.links == {"pdf": "https://example.org/ffp.pdf"}
    graph = found["Graph Convolutional Label Noise Cleaner"]
    assert (graph.venue, graph.year) == ("CVPR", 2019)
    assert graph.links["code"] == "https://github.com/x/g"


def test_numbered_list_of_datasets_with_bracket_venue() -> None:
    found = entries(
        "## Datasets\n\n"
        "1. [UCF-Crime](https://example.org/ucf) — long untrimmed surveillance videos\n"
        "2. XD-Violence [ECCV 2020] [[project](https://example.org/xd)]\n"
        "3. ShanghaiTech CVPR'18\n"
    )
    assert {e.kind for e in found.values()} == {"dataset"}
    assert found["UCF-Crime"].links == {"project": "https://example.org/ucf"}
    assert found["UCF-Crime"].summary == "long untrimmed surveillance videos"
    assert (found["XD-Violence"].venue, found["XD-Violence"].year) == ("ECCV", 2020)
    assert (found["ShanghaiTech"].venue, found["ShanghaiTech"].year) == ("CVPR", 2018)


def test_markdown_table_with_columns_in_any_order() -> None:
    found = entries(
        "## Papers\n\n"
        "| Date | Code | Title | Venue | Paper |\n"
        "|:----:|------|-------|-------|-------|\n"
        "| 2024-03 | [code](https://github.com/a/b) | Table Paper One | NeurIPS"
        " | [arXiv](https://arxiv.org/abs/2403.01234) |\n"
        "| Jun 2023 | - | Table Paper Two | ICCV 2023 | [link](https://example.org/two) |\n"
    )
    one = found["Table Paper One"]
    assert (one.venue, one.year, one.arxiv_id) == ("NeurIPS", 2024, "2403.01234")
    assert one.links == {
        "code": "https://github.com/a/b",
        "arxiv": "https://arxiv.org/abs/2403.01234",
    }
    two = found["Table Paper Two"]
    assert (two.venue, two.year, dict(two.links)) == (
        "ICCV",
        2023,
        {"paper": "https://example.org/two"},
    )


def test_table_whose_paper_column_holds_the_linked_title() -> None:
    found = entries(
        "## 2022\n\n| Paper | Conference | Code |\n|---|---|---|\n"
        "| [Linked Title](https://example.org/lt) | ECCV | [GitHub](https://github.com/l/t) |\n"
    )
    linked = found["Linked Title"]
    assert (linked.venue, linked.year) == ("ECCV", 2022)
    assert linked.links == {"paper": "https://example.org/lt", "code": "https://github.com/l/t"}


def test_year_and_venue_from_nested_headings() -> None:
    found = entries(
        "# List\n\n## CVPR\n\n### 2023\n\n- [Heading Paper](https://example.org/hp)\n\n"
        "## 2021\n\n- [Inline Wins](https://example.org/iw) (ICCV 2021)\n"
    )
    assert (found["Heading Paper"].venue, found["Heading Paper"].year) == ("CVPR", 2023)
    assert (found["Inline Wins"].venue, found["Inline Wins"].year) == ("ICCV", 2021)


def test_reference_style_links() -> None:
    found = entries(
        "## Papers\n\n- **Ref Paper** [[pdf][1]] [[code][gh]]\n\n"
        "[1]: https://example.org/r.pdf\n[gh]: https://github.com/r/p\n"
    )
    assert found["Ref Paper"].links == {
        "pdf": "https://example.org/r.pdf",
        "code": "https://github.com/r/p",
    }


def test_what_fits_nowhere_is_reported_with_its_line() -> None:
    result: ImportResult = parse_awesome_list(
        "# List\n\n## Papers\n\n- [Kept](https://example.org/k)\n\n"
        "This paragraph explains the section and is not a paper.\n\n"
        "> a quote after a blank section\n"
        "\n## Datasets\n\n> orphan quote\n"
    )
    assert [e.title for e in result.entries] == ["Kept"]
    lines = [p.line for p in result.problems]
    assert lines == [7, 13]
    assert "neither an entry" in result.problems[0].message


def test_same_title_twice_gets_year_then_number_suffix() -> None:
    result = parse_awesome_list(
        "## Papers\n\n- VAD: One [[paper](https://e.org/1)] (CVPR 2023)\n"
        "- VAD: Two [[paper](https://e.org/2)] (CVPR 2024)\n"
        "- VAD: Three [[paper](https://e.org/3)] (CVPR 2024)\n"
    )
    assert [e.id for e in result.entries] == ["vad", "vad-2024", "vad-2"]
