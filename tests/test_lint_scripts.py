"""The figure lint in every shipped language: a sentence that gives a figure
(its digits in any script, its words for per cent and money) and cites nothing
is a warning of `advocacy check` at its field; with a citation it is not, and
dates and years are no figures, as in English."""

from __future__ import annotations

import pytest

from advocacy.cli import main
from advocacy.evidence import LANGUAGES, figures_without_citation
from conftest import ROOT

AT = "content/exclusions/urban-poor.yaml:3:12: warning: statement: "


def check(make_project, capsys, statement: str) -> list[str]:
    """What `advocacy check` prints, less infos, for an exclusion with this statement."""
    project = make_project(
        {
            "content/exclusions/urban-poor.yaml": (
                f"name: The urban poor\ncommunity: Urban poor\nstatement: {statement}\n"
                "sources: [ostrom1990commons]\n"
            )
        }
    )
    assert main(["--root", str(project), "check"]) == 0
    return [line for line in capsys.readouterr().err.splitlines() if ": info: " not in line]


# One sentence per shipped language, as a translator would write it.
FIGURES = {
    "ms": "Sebanyak 40 peratus ahli menerima RM 5,000 setahun.",
    "id": "Sekitar 40 persen anggota menerima Rp5.000 per hari.",
    "th": "ร้อยละ 40 ของสมาชิกได้รับเงิน 5,000 ริงกิต",
    "vi": "Khoảng 40 phần trăm hộ gia đình không có bảo hiểm.",
    "km": "៤០ ភាគរយ នៃគ្រួសារ មិនមានការធានារ៉ាប់រង។",
    "fil": "Mga 40 porsiyento ng mga manggagawa ang walang proteksyon.",
    "zh": "百分之四十的家庭没有保障。",
    "hi": "सिर्फ़ ४० प्रतिशत लोगों के पास बीमा है।",
    "ne": "केवल ४० प्रतिशत मानिससँग बीमा छ।",
}


def test_every_shipped_language_has_a_case():
    shipped = sorted(p.stem for p in (ROOT / "templates" / "locale").glob("*.po"))
    assert sorted(LANGUAGES) == shipped == sorted(FIGURES)


@pytest.mark.parametrize("language", sorted(FIGURES))
def test_a_figure_without_a_citation_is_a_warning(make_project, capsys, language):
    sentence = FIGURES[language]
    assert check(make_project, capsys, sentence) == [
        f"{AT}a figure with no citation in its sentence: '{sentence}'"
    ]


@pytest.mark.parametrize("language", sorted(FIGURES))
def test_a_figure_with_its_citation_is_no_warning(make_project, capsys, language):
    sentence = FIGURES[language]
    end = next((mark for mark in "。।." if sentence.endswith(mark)), "")
    cited = sentence.removesuffix(end) + " [@ostrom1990commons]" + end
    assert check(make_project, capsys, cited) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "สมาชิก 40 เปอร์เซ็นต์ไม่มีประกัน",  # th: per cent, as a loanword
        "สมาชิกกว่า๕๐๐คน",  # th: Thai digits touching the words, no spaces
        "ภาคพื้นเอเชียมีสหกรณ์ ๕ ล้านแห่ง",  # th: millions
        "ភាគរយ 40 នៃគ្រួសារ",  # km: per cent before the number
        "ប្រាក់ ៥០០០ រៀល ក្នុងមួយខែ",  # km: riel, Khmer digits
        "Mga 40 bahagdan ng mga manggagawa",  # fil: the Tagalog word for per cent
        "PHP 5,000 bawat buwan",  # fil: pesos
        "有四十个合作社",  # zh: a CJK numeral with a unit
        "成员有5千人",  # zh: a digit with a CJK unit
        "成员有5000名，其中2000名是女性",  # zh: digits touching Han characters
        "４０％的家庭没有保障",  # zh: full-width digits and per cent sign
        "३ करोड़ लोग",  # hi: crore
        "৪০ শতাংশ পরিবার",  # Bengali digits
    ],
)
def test_what_counts_as_a_figure_in_every_script(sentence):
    assert figures_without_citation(sentence) == [sentence]


@pytest.mark.parametrize(
    "sentence",
    [
        "สหกรณ์ก่อตั้งเมื่อ พ.ศ. 2567",  # th: a Buddhist Era year
        "ประชุมเมื่อ 5 ม.ค. 2567 ที่กรุงเทพฯ",  # th: a date, month abbreviated
        "ก่อตั้งเมื่อวันที่ 5 มกราคม ๒๕๖๗",  # th: a date in Thai digits
        "ในปี 2567 สหกรณ์ขยายตัว",  # th: "in the year 2567"
        "នៅថ្ងៃទី ៥ មករា ២០២៤",  # km: a date in Khmer digits
        "Noong Enero 5, 2024 nagpulong ang network",  # fil
        "Pada 5 Mac 2024 mesyuarat diadakan",  # ms
        "Pada 5 Agustus 2024 rapat diadakan",  # id
        "Vào ngày 5 tháng 5 năm 2024 mạng lưới họp",  # vi
        "५ जनवरी २०२४ को बैठक हुई।",  # hi: a date in Devanagari digits
        "2024年5月1日成立。",  # zh: a date
        "十一月成立。",  # zh: November, not eleven
        "统一行动，十分重要，万一失败。",  # zh: 一 and 十 in words, not numbers
        "It met on 19 May 2021 in Bangkok.",  # en, as before
    ],
)
def test_dates_and_years_in_every_script_are_not_figures(sentence):
    assert figures_without_citation(sentence) == []
