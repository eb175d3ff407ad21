"""The importer on the other styles real awesome lists use, each on a small list."""

from bot.core.catalog.importer import ImportResult, parse_awesome_list
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


TYPICAL = """# Awesome Video Anomaly Detection [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)

A list of papers and datasets.

## Table of Contents
- [Datasets](#datasets)
- [Papers](#papers)

## Datasets

| Dataset | Year | Videos | Link |
|---|---|---|---|
| UCSD Ped2 | 2010 | 28 | [link](http://www.svcl.ucsd.edu/projects/anomaly/dataset.htm) |

## Papers

### 2023

- [CVPR 2023] **Bracketed Venue First** [[Paper]](https://example.org/bv) [[Code]](https://github.com/b/v)
- [Linked Title](https://example.org/lt) - A one-line description.
- **Author Style**, A. Author et al., ICCV 2023. [[pdf](https://example.org/as.pdf)]
- Nested Links
  - [paper](https://example.org/nl)
  - [code](https://github.com/n/l)
"""


def test_a_typical_awesome_list() -> None:
    result = parse_awesome_list(TYPICAL)
    assert result.problems == []
    assert result.title.startswith("Awesome Video Anomaly Detection [![Awesome]")
    found = {e.title: e for e in result.entries}
    ucsd = found["UCSD Ped2"]
    assert (ucsd.kind, ucsd.year) == ("dataset", 2010)
    assert ucsd.links == {"project": "http://www.svcl.ucsd.edu/projects/anomaly/dataset.htm"}
    first = found["Bracketed Venue First"]
    assert (first.venue, first.year) == ("CVPR", 2023)
    assert first.links == {"paper": "https://example.org/bv", "code": "https://github.com/b/v"}
    linked = found["Linked Title"]
    assert (linked.summary, linked.year, linked.venue) == ("A one-line description.", 2023, "")
    author = found["Author Style"]
    assert (author.venue, author.year) == ("ICCV", 2023)
    assert found["Nested Links"].links == {
        "paper": "https://example.org/nl",
        "code": "https://github.com/n/l",
    }
    assert len(result.entries) == 5


def test_a_break_after_a_heading_entry_leaves_its_venue_and_a_break_in_the_intro_does_not() -> None:
    result = parse_awesome_list(
        "# List\n\nIntro one.\n\n---\n\nIntro two.\n\n## Papers\n\n### CVPR 2024\n\n"
        "#### Anomaly Reasoner\n\n[![CVPR](https://img.shields.io/badge/CVPR-2024-1E90FF)]()\n\n"
        "> 总结\n\n---\n\nLoose Paper\nhttps://neurips.cc/virtual/2025/poster/1\n"
    )
    assert result.problems == []
    assert result.intro == "Intro one.\n\n---\n\nIntro two."
    found = {e.title: e for e in result.entries}
    assert (found["Anomaly Reasoner"].venue, found["Anomaly Reasoner"].summary) == ("CVPR", "总结")
    assert (found["Loose Paper"].venue, found["Loose Paper"].year) == ("NeurIPS", 2025)


def test_a_title_heading_with_badges_is_a_paper_even_if_it_says_benchmark_or_overview() -> None:
    result = parse_awesome_list(
        "## Papers\n\n### NeurIPS 2024\n\n"
        "#### HAWK-Bench: A Benchmark for Open-World Video Anomalies\n\n"
        "[![NeurIPS](https://img.shields.io/badge/NeurIPS-2024-2DB55D)](https://e.org/h)\n\n"
        "#### An Overview of Metric Learning for Anomalies\n\n"
        "[![NeurIPS](https://img.shields.io/badge/NeurIPS-2024-2DB55D)]()\n\n> 概述\n"
    )
    assert result.problems == []
    assert [(e.id, e.kind, e.venue) for e in result.entries] == [
        ("hawk-bench", "paper", "NeurIPS"),
        ("an-overview-of-metric-learning-for", "paper", "NeurIPS"),
    ]
    assert result.prose == ()


def test_heading_titles_without_badges_and_labels_without_urls_are_entries() -> None:
    result = parse_awesome_list(
        "## Papers\n\n### CVPR 2024\n\n#### A Title With No Badges At All\n\n"
        "#### Another Title Without Any Link\n\n## Older\n\n"
        "Future Frame Prediction for Anomaly Detection | **[CVPR' 18]** | [pdf]\n"
    )
    assert result.problems == []
    assert [(e.title, e.venue, e.year, dict(e.links), e.summary) for e in result.entries] == [
        ("A Title With No Badges At All", "CVPR", 2024, {}, ""),
        ("Another Title Without Any Link", "CVPR", 2024, {}, ""),
        ("Future Frame Prediction for Anomaly Detection", "CVPR", 2018, {}, ""),
    ]


def test_a_byte_order_mark_keeps_the_list_title_and_its_entries() -> None:
    result = parse_awesome_list("\ufeff# Awesome BOM\n\n## Papers\n\n- [Kept](https://e.org/k)\n")
    assert result.title == "Awesome BOM"
    assert [e.title for e in result.entries] == ["Kept"]


def test_a_link_with_no_text_and_no_title_is_reported_not_made_an_entry() -> None:
    result = parse_awesome_list(
        "# L\n\n## Papers\n\n- [Kept](https://e.org/k)\n- [](https://broken.org)\n"
    )
    assert [e.title for e in result.entries] == ["Kept"]
    assert [(p.line, p.message) for p in result.problems] == [
        (6, "a link with no text and no title: write it as [Title](https://broken.org)")
    ]


def test_a_link_with_no_text_beside_a_title_keeps_its_url() -> None:
    result = parse_awesome_list("## Papers\n\n- **Titled Paper** [](https://e.org/t.pdf)\n")
    assert result.problems == []
    assert list(result.entries[0].links.values()) == ["https://e.org/t.pdf"]


def test_comments_anchor_links_feature_badges_and_oral_lines_make_no_entries() -> None:
    result = parse_awesome_list(
        "# L\n\n## Recent Updates\n\n- <a href='#VERA'>VERA</a>, <a href='#TAO'>TAO</a>\n\n"
        "## Papers\n\n<!--\n- **Hidden** [[paper](https://example.org/h)]\n-->\n"
        "1. [VERA] **Verbalized Learning for VAD** <a id='VERA'></a> \\\n"
        "![LLM](https://img.shields.io/badge/LLM-FFA500) ![CLIP-V](https://img.shields.io/badge/CLIP--V-6d4aff)\\\n"
        "CVPR '25 [[paper](https://example.org/v)][[code](https://github.com/a/vera)]\n"
        "- CVPR 2025 Oral\n"
    )
    assert [(e.title, e.venue, e.year) for e in result.entries] == [
        ("Verbalized Learning for VAD", "CVPR", 2025)
    ]
    assert result.entries[0].links == {
        "paper": "https://example.org/v",
        "code": "https://github.com/a/vera",
    }


def test_chinese_bold_titles_with_labelled_bare_urls_and_the_document_title_venue() -> None:
    result = parse_awesome_list(
        "# CVPR2020-Code\n\n# 目标检测\n\n**Scale-Equalizing Pyramid Convolution**\n\n"
        "论文：https://arxiv.org/abs/2005.03101\n\n代码：https://github.com/j/SEPC\n\n"
        "**Second Paper**\n\n- 论文：暂无\n- 代码：https://github.com/x/second\n\n"
        "# 数据集\n\n**Scale-equalizing Pyramid Convolution**\n\n- 论文：暂无\n\n"
        "# 不确定中没中\n\n**FADNet**\n\n- 论文：还没出来\n- 代码：https://github.com/h/FADNet\n"
    )
    found = {e.title: e for e in result.entries}
    sepc = found["Scale-Equalizing Pyramid Convolution"]
    assert (sepc.venue, sepc.year, sepc.arxiv_id) == ("CVPR", 2020, "2005.03101")
    assert sepc.links["code"] == "https://github.com/j/SEPC"
    assert found["Second Paper"].links == {"code": "https://github.com/x/second"}
    assert (found["FADNet"].venue, found["FADNet"].year) == ("", None)
    assert len(result.entries) == 3
    assert [n.line for n in result.notes] == [18]  # the repeat under 数据集, merged


def test_title_wrapped_over_two_lines_and_venue_forms() -> None:
    found = entries(
        "## Papers\n\n"
        "1. [AbbrA] **A Title Broken\n   Over Two Lines** \\\nT-PAMI '24[[paper](https://example.org/a)]\n"
        "1. [AbbrB] **Apostrophe After** \\\nCVPR 19' [[paper](https://example.org/b)]\n"
        "1. <span id='x'>[Conv-AE]</span> [Learning Temporal Regularity](https://example.org/c), `CVPR 16`. [code](https://github.com/c/c)\n"  # noqa: E501 (a list line as written)
        "1. [Multi Line Link Text\nEnds Here](https://example.org/d), ` CVPR 2019`.\n"
        "1. [Under Ticks](https://example.org/e), `ACM MM 17`.\n"
        "- [**ALOCC**]Adversarially Learned One-Class | **[arXiv' 19]** | [`[pdf]`](https://example.org/f.pdf)\n"
        "- No Space Venue | [CVPR'19] | [pdf](https://example.org/g.pdf)\n"
        "- Paren Venue (NeurIPS 2025 D&B) [[paper](https://example.org/h)]\n"
    )
    got = {t: (e.venue, e.year) for t, e in found.items()}
    assert got == {
        "A Title Broken Over Two Lines": ("TPAMI", 2024),
        "Apostrophe After": ("CVPR", 2019),
        "Learning Temporal Regularity": ("CVPR", 2016),
        "Multi Line Link Text Ends Here": ("CVPR", 2019),
        "Under Ticks": ("ACM MM", 2017),
        "Adversarially Learned One-Class": ("arXiv", 2019),
        "No Space Venue": ("CVPR", 2019),
        "Paren Venue": ("NeurIPS", 2025),
    }
    assert found["Learning Temporal Regularity"].links["code"] == "https://github.com/c/c"
    assert found["Adversarially Learned One-Class"].links == {"pdf": "https://example.org/f.pdf"}


def test_plus_bullets_with_the_venue_as_the_paper_links_label() -> None:
    found = entries(
        "## Papers\n\n"
        "+ First [[CVPR 2024]](https://example.org/1)[[code]](https://github.com/a/1)\n"
        " + Second [[ICML2025]](https://example.org/2)\n"
        "+ Third [[NeurIPS2022v1]](https://example.org/3)[[2024v1.5]](https://arxiv.org/abs/2306.09301)[[github page]](https://github.com/a/3)\n"  # noqa: E501 (a list line as written)
        "+ Fourth [[ICLR 2026 Workshop]](https://example.org/4)\n"
        "+ Fifth Wrapped Over\nTwo Lines [[2026]](https://arxiv.org/abs/2603.00055)\n"
    )
    assert {t: (e.venue, e.year, e.links.get("paper")) for t, e in found.items()} == {
        "First": ("CVPR", 2024, "https://example.org/1"),
        "Second": ("ICML", 2025, "https://example.org/2"),
        "Third": ("NeurIPS", 2022, "https://example.org/3"),
        "Fourth": ("ICLR Workshop", 2026, "https://example.org/4"),
        "Fifth Wrapped Over Two Lines": ("", 2026, "https://arxiv.org/abs/2603.00055"),
    }
    assert found["Third"].links["code"] == "https://github.com/a/3"


def test_tables_with_star_badges_br_dates_and_figures_sections() -> None:
    star = "[![Star](https://img.shields.io/github/stars/s/vlog.svg?style=social)](https://github.com/s/vlog)"
    result = parse_awesome_list(
        "# L\n\n## Models\n\n| Title | Model | Date | Code | Venue |\n|:--|:--|:--|:--|:--|\n"
        f"| [**VLog: Video as a Long Document**](https://github.com/s/vlog) {star} | VLog | 04/2023 | [code](https://hf.co/vlog) | - |\n"  # noqa: E501 (a list line as written)
        f"| {star}<br>[**Second Model**](https://arxiv.org/abs/2302.14115)<br> | S | 02/2023 | [code]() | CVPR |\n\n"  # noqa: E501 (a list line as written)
        "## Performance Comparison\n\n| Method | AUC |\n|--|--|\n| [VLog](#vlog) | 90.1 |\n"
        "| Other Method | 80.0 |\n\n"
        "## Datasets\n\n| Name | Paper | Date |\n|--|--|--|\n| UCF-Crime | [p](https://example.org/u) | 2018 |\n"  # noqa: E501 (a list line as written)
    )
    found = {e.title: e for e in result.entries}
    assert set(found) == {"VLog: Video as a Long Document", "Second Model", "UCF-Crime"}
    vlog = found["VLog: Video as a Long Document"]
    assert (vlog.venue, vlog.year) == ("", 2023)
    assert vlog.links == {"paper": "https://github.com/s/vlog", "code": "https://hf.co/vlog"}
    second = found["Second Model"]
    assert (second.venue, second.year, second.arxiv_id) == ("CVPR", 2023, "2302.14115")
    assert found["UCF-Crime"].kind == "dataset"


NAME_DASH_SUBTITLE = (
    "# Awesome Dashes\n"
    "\n"
    "## Papers\n"
    "\n"
    "+ AnomalyVFM -- Transforming Vision Foundation Models into Zero-Shot Detectors [[CVPR 2026]](https://arxiv.org/abs/2601.20524)\n"
    "+ [Future Frame Prediction for Anomaly Detection -- A New Baseline](https://example.org/ffp), `CVPR 2018`\n"  # noqa: E501 (a list line as written)
    "+ **AutoAD III: The Prequel – Back to the Pixels** [[CVPR 2024]](https://arxiv.org/abs/2404.14412)\n"
    "+ LAVAD -- training-free detection with a language model [[CVPR 2024]](https://example.org/lavad)\n"
    "\n"
    "## 3.3 Anomaly Synthesis [[awesome-anomaly-synthesis]](https://github.com/lab/awesome-anomaly-synthesis)\n"
    "\n"
    "+ Cutpaste: Self-supervised learning for anomaly detection [[ICCV 2021]](http://arxiv.org/pdf/2104.04015)\n"
    "+ MuSc: Zero-Shot Anomaly Segmentation[[ICLR 2024]](https://openreview.net/forum?id=AHgc5SMdtd)[[2025 v2]](https://arxiv.org/abs/2511.10047)\n"  # noqa: E501 (a list line as written)
    "+ MuSc-V2: Zero-Shot Multimodal Anomaly Segmentation [[TPAMI 2026]](https://arxiv.org/abs/2511.10047)\n"
    "\n"
)


def test_a_dash_inside_a_title_and_a_heading_that_links_its_own_awesome_list() -> None:
    found = entries(NAME_DASH_SUBTITLE)
    assert set(found) == {
        "AnomalyVFM -- Transforming Vision Foundation Models into Zero-Shot Detectors",
        "Future Frame Prediction for Anomaly Detection -- A New Baseline",
        "AutoAD III: The Prequel – Back to the Pixels",
        "LAVAD",  # a description after the dash stays a description
        "Cutpaste: Self-supervised learning for anomaly detection",
        "MuSc: Zero-Shot Anomaly Segmentation",
        "MuSc-V2: Zero-Shot Multimodal Anomaly Segmentation",  # its arXiv is MuSc's "v2" link
    }
    assert found["LAVAD"].summary == "training-free detection with a language model"
    assert found["Cutpaste: Self-supervised learning for anomaly detection"].section == (
        "3.3 Anomaly Synthesis"
    )
    assert found["MuSc-V2: Zero-Shot Multimodal Anomaly Segmentation"].arxiv_id == "2511.10047"


FIGURES = (
    "# Awesome Figures\n"
    "\n"
    "## Papers\n"
    "\n"
    "+ Real Paper [[CVPR 2024]](https://example.org/real)\n"
    "\n"
    "# Paper Tree (Classification of representative methods)\n"
    "![PaperTree](https://example.org/tree.png)\n"
    "# Timeline\n"
    "![Timeline](https://example.org/timeline.png)\n"
)


def test_a_short_heading_over_only_an_image_is_a_figure_not_a_paper() -> None:
    result = parse_awesome_list(FIGURES)
    assert [e.title for e in result.entries] == ["Real Paper"]
    assert result.problems == []
    assert "timeline.png" in "".join(b.body for b in result.prose)
