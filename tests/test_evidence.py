"""Every claim traceable: lints, the evidence ledger, the JSON trace, `trace`."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from pypdf import PdfReader

from advocacy.cli import main
from advocacy.evidence import evidence_schema, figures_without_citation
from conftest import MINIMAL, ROOT, pdf_text


def check(project, capsys, *flags):
    code = main(["--root", str(project), *flags, "check"])
    _, err = capsys.readouterr()
    return code, err.splitlines()


def test_the_default_content_passes_check_strict(capsys):
    assert main(["--root", str(ROOT), "--strict", "check"]) == 0
    out, err = capsys.readouterr()
    assert "error" not in err and "warning" not in err
    assert out.endswith(", 0 warnings\n")


def test_a_recommendation_with_no_evidence_is_an_error(make_project, capsys):
    project = make_project(
        {
            "content/recommendations/protect.yaml": "title: P\naction: Act.\naddressed_to: [academia]\n"
        }
    )
    code, err = check(project, capsys)
    assert code == 1
    assert err[0] == (
        "content/recommendations/protect.yaml:1:8: error: recommendation 'protect' rests on no "
        "evidence; list the records it rests on under rests_on"
    )


GOOD_REC = (
    "title: Protect\naction: Protect the urban poor.\naddressed_to: [national-government]\n"
    "rests_on: [urban-poor]\n"
)


def test_a_figure_without_a_citation_in_its_sentence_is_a_warning(make_project, capsys):
    project = make_project(
        {
            "content/recommendations/protect.yaml": GOOD_REC,
            "content/exclusions/urban-poor.yaml": (
                "name: U\ncommunity: U\nstatement: >\n  The urban poor [@ostrom1990commons].\n"
                "  Some 61.2 per cent of workers are informal. 2 billion people\n"
                "  [@ostrom1990commons] work informally.\n"
            ),
        }
    )
    code, err = check(project, capsys)
    assert code == 0
    assert err == [
        "content/exclusions/urban-poor.yaml:3:12: warning: statement: a figure with no citation "
        "in its sentence: 'Some 61.2 per cent of workers are informal.'"
    ]
    assert check(project, capsys, "--strict")[0] == 1


@pytest.mark.parametrize(
    ("sentence", "flagged"),
    [
        ("46.9 per cent are covered.", True),
        ("Coverage is 46.9%.", True),
        ("It costs $3 a day.", True),
        ("It costs 2 million dollars.", True),
        ("One in five workers is a migrant.", True),
        ("90 people took part.", True),
        ("It met on 19 May 2021 in Bangkok.", False),
        ("Resolution 77/281 was adopted in 2023.", False),
        ("ILO Recommendation No. 202 guides states.", False),
        ("90 people took part [@a].", False),
    ],
)
def test_what_counts_as_a_figure(sentence, flagged):
    assert bool(figures_without_citation(sentence)) is flagged


def test_a_final_document_with_an_unaddressed_recommendation_is_a_warning(make_project, capsys):
    project = make_project(
        {"content/recommendations/protect.yaml": "title: P\naction: Act.\nrests_on: [urban-poor]\n"}
    )
    code, err = check(project, capsys)
    assert code == 0
    assert err == [
        "content/documents/brief.yaml:15:19: warning: recommendations[0]: recommendation "
        "'protect' is addressed to no one; give it addressed_to before publishing"
    ]
    doc = MINIMAL["content/documents/brief.yaml"] + "status: draft\n"
    (project / "content/documents/brief.yaml").write_text(doc, encoding="utf-8")
    assert check(project, capsys) == (0, [])


def test_unused_records_and_uncited_entries_are_infos(make_project, capsys):
    project = make_project(
        {
            "content/recommendations/protect.yaml": GOOD_REC,
            "content/themes/spare.yaml": "name: Spare\nstatement: A theme nothing uses.\n",
            "content/exclusions/urban-poor.yaml": "name: U\ncommunity: U\nstatement: S.\n",
        }
    )
    code, err = check(project, capsys)
    assert code == 0
    assert err == [
        "content/references.bib:1:1: info: entry 'ostrom1990commons' is not cited anywhere",
        "content/themes/spare.yaml:1:1: info: theme 'spare' is not used by any document",
    ]


def test_the_evidence_file_follows_its_schema_and_sources_every_recommendation(built):
    data = json.loads((built / "synthesis-report.evidence.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, evidence_schema())
    committed = json.loads((ROOT / "schemas" / "evidence.schema.json").read_text())
    assert committed == evidence_schema()
    html = (built / "synthesis-report.html").read_text(encoding="utf-8")
    in_report = re.findall(r'<li class="recommendation[^"]*" id="recommendation-([^"]+)"', html)
    assert [r["id"] for r in data["recommendations"]] == in_report
    for rec in data["recommendations"]:
        assert rec["sources"] or any(e["sources"] for e in rec["evidence"]), rec["id"]
        assert rec["evidence"], rec["id"]
        assert rec["location"]["page"] >= 1
        for source in rec["sources"]:
            assert source["reference"].startswith("Jayasooria, Denison. 2021.")
            assert source["url"].startswith("https://")


@pytest.mark.default_content
def test_the_ledger_gives_the_page_of_each_recommendation(built):
    pdf = built / "synthesis-report.pdf"
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(pdf).pages]
    text = pdf_text(pdf)
    ledger = text[text.index("Annex: evidence ledger", text.index("References")) :]
    entry = re.search(r"Social movement building, p\. (\d+)", ledger)
    assert entry, ledger[:500]
    page = int(entry.group(1))
    assert "Social movement building" in pages[page - 1]
    assert "3 Way forward" in pages[page - 1] or "Way forward" in pages[page - 1]
    evidence = re.search(r"The gender dimension, p\. (\d+) \(face of exclusion\)", ledger)
    assert evidence and "The gender dimension" in pages[int(evidence.group(1)) - 1]


@pytest.mark.default_content
def test_trace_lists_every_place_a_key_is_cited(capsys):
    assert main(["--root", str(ROOT), "trace", "ilo2021wspr"]) == 0
    out = capsys.readouterr().out.splitlines()
    cited = [line for line in out if line.startswith("  cited at ")]
    assert cited == [
        "  cited at content/documents/policy-brief.ms.yaml:38:24 (introduction)",
        "  cited at content/documents/policy-brief.yaml:39:63 (introduction)",
        "  cited at content/recommendations/social-protection.ms.yaml:10:11 (rationale)",
        "  cited at content/recommendations/social-protection.yaml:11:4 (rationale)",
        "  cited at content/recommendations/social-protection.yaml:13:36 (sources[1])",
    ]
    assert "  in policy-brief: The issue, Recommendations" in out
    assert "  recommendations resting on it: social-protection" in out
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n".join(out) in readme


@pytest.mark.default_content
def test_trace_of_an_unknown_id_suggests_the_nearest(capsys):
    assert main(["--root", str(ROOT), "trace", "ilo2021wsp"]) == 2
    assert capsys.readouterr().err == (
        "advocacy: error: no record or citation key 'ilo2021wsp' (did you mean 'ilo2021wspr'?)\n"
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "ร้อยละ 40 ของครัวเรือนมีรายได้ 5,000 ริงกิต",
        "ครัวเรือน ร้อยละ ๔๐ ไม่มีหลักประกัน",
        "40 peratus isi rumah tidak dilindungi",
        "Sekitar 40 persen rumah tangga, Rp5.000 per hari",
        "Khoảng 40 phần trăm hộ gia đình",
        "सिर्फ़ ४० प्रतिशत लोग",
        "२० लाख लोग",
        "百分之四十的家庭没有保障。",
        "四成家庭没有保障",
        "家庭月收入两万元",
    ],
)
def test_the_figure_lint_reads_the_shipped_languages(sentence):
    assert figures_without_citation(sentence) == [sentence]


def test_a_chinese_or_hindi_sentence_ends_at_its_own_full_stop():
    text = "百分之四十的家庭没有保障。合作社覆盖两万户 [@ica2021]。"
    assert figures_without_citation(text) == ["百分之四十的家庭没有保障。"]
    text = "४० प्रतिशत लोग बाहर हैं। २० लाख लोग सदस्य हैं [@ica2021]।"
    assert figures_without_citation(text) == ["४० प्रतिशत लोग बाहर हैं।"]
