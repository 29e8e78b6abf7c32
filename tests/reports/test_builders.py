"""The PDF builders, called directly with plain data: fonts, page frame, tables, letters."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reports.helpers import pdf_text

from dih4society.reports import pdf
from dih4society.reports.letters import (
    APPROVAL,
    REJECTION,
    AidNotice,
    AidNoticeGrant,
    CeilingLine,
    DecisionLetter,
    aid_notice_pdf,
    decision_letter_pdf,
)
from dih4society.reports.pdf import Column, DocumentMeta, PagedTable, build_pdf, data_tables, money_column

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
META = DocumentMeta("DIH4Society — Hub de inovare digitală Nord-Vest", "Test report", NOW)


def letter(**over) -> DecisionLetter:
    values = dict(
        kind=APPROVAL, reference="DIH-2026-000123", state_label="Approved",
        organisation_name="Țesătoria Sălăjeană Șimleu SRL", fiscal_code="RO18547290",
        trade_register_no="J31/12/2015", county_name="Sălaj", contact_name="Ștefan Mureșan",
        service_code="TBI-ROB-01", service_name="Collaborative robot cell trial",
        category_label="Test before invest", partner_name="Technical University of Cluj-Napoca",
        market_value_cents=1_800_000, requested_cents=1_800_000, submitted_at=NOW, decided_at=NOW,
        decided_by_name="Mihai Pop", approved_cents=1_750_000, aid_cents=875_000, legal_basis="gber_28",
        co_payment_percent=50, co_payment_cents=875_000,  # aid = value received without paying (DESIGN §4)
        legal_basis_label="GBER Article 28 (innovation advisory and support services)",
        ceiling_cents=22_000_000)
    values.update(over)
    return DecisionLetter(**values)


def test_the_embedded_font_has_the_romanian_letters(ctx):
    assert pdf.register_fonts() == "DejaVuSans", "DejaVu Sans missing: install fonts-dejavu-core"
    content = decision_letter_pdf(letter(decision_reason="Întreprindere țesături, oraș în câmpie."), META)
    text = "".join(pdf_text(content))
    for ch in "șțăâîȘȚ":
        assert ch in text, ch
    fonts = str(PdfReader(io.BytesIO(content)).pages[0]["/Resources"]["/Font"])
    assert "Helvetica" not in fonts


def test_every_page_says_page_x_of_y_and_has_the_running_header(ctx):
    columns = [Column("Name", 3, wrap=True), money_column("Amount (EUR)", 1)]
    rows = [(f"Organizația {i} cu un nume foarte lung, care trebuie să se rupă pe două rânduri", i * 101)
            for i in range(400)]
    pages = pdf_text(build_pdf(data_tables(columns, rows, total=("Total", 0)), META))
    assert len(pages) > 5
    for n, text in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in text
        assert "Test report" in text and "Hub de inovare digitală" in text
        assert "Amount (EUR)" in text, f"header row missing on page {n}"


def test_a_long_table_is_one_table_per_page_with_the_header_on_top(ctx):
    columns = [Column("Reference", 1), Column("Name", 3, wrap=True), money_column("Spent (EUR)", 1)]
    rows = [(f"DIH-2026-{i:06d}", f"Beneficiar {i}", i) for i in range(1, 2001)]
    flowables = data_tables(columns, rows, total=lambda: ("Total", "", sum(r[2] for r in rows)))
    assert len(flowables) == 1 and isinstance(flowables[0], PagedTable)
    pages = pdf_text(build_pdf(flowables, META))
    seen = []
    for text in pages:
        lines = text.splitlines()
        assert "Reference" in lines[0], lines[:3]  # the header is the first thing on every page
        seen += [line for line in lines if line.startswith("DIH-2026-")]
    assert seen == [f"DIH-2026-{i:06d}" for i in range(1, 2001)], "rows lost, repeated or out of order"
    assert "Total" in pages[-1] and pdf.money(sum(range(1, 2001))) in pages[-1]


def test_the_table_stays_fast_at_twenty_thousand_rows(ctx):
    import time

    columns = [Column("Reference", 1), Column("Beneficiary", 3, wrap=True), money_column("Approved", 1)]
    rows = [(f"DIH-2026-{i:06d}", f"Întreprinderea {i} din Bistrița-Năsăud", i * 1000) for i in range(20_000)]
    started = time.perf_counter()
    content = build_pdf(data_tables(columns, rows), META)
    elapsed = time.perf_counter() - started
    pages = len(PdfReader(io.BytesIO(content)).pages)
    assert pages > 300
    assert elapsed < 30, f"{pages} pages in {elapsed:.1f} s"  # linear: ~2 s here; quadratic took minutes


def test_long_text_is_broken_to_fit_its_column(ctx):
    pdf.register_fonts()
    word = "Supercalifragilisticexpialidocious" * 3
    text = pdf._wrap(f"Asociația {word} pentru digitalizare", pdf.FONT, 8, 80)
    for line in text.split("\n"):
        assert stringWidth(line, pdf.FONT, 8) <= 80
    assert text.replace("\n", "").replace(" ", "") == f"Asociația{word}pentrudigitalizare"


def test_approval_letter_states_amount_aid_and_legal_basis(ctx):
    text = "".join(pdf_text(decision_letter_pdf(letter(), META)))
    assert "Decision to approve application DIH-2026-000123" in text
    assert "€17,500.00" in text and "€8,750.00" in text  # the same form in the text and the table
    assert "Article 28 of Commission Regulation (EU) No 651/2014" in text
    assert "€220,000.00" in text  # the configured ceiling, not a number in the code
    assert "pays nothing" not in text and "of the approved amount" not in text  # DESIGN §4
    assert "co-payment of €8,750.00 (50 % of the value)" in text
    assert "Mihai Pop" in text


def test_rejection_letter_gives_the_reasons(ctx):
    text = "".join(pdf_text(decision_letter_pdf(letter(
        kind=REJECTION, approved_cents=None, aid_cents=None, legal_basis=None, legal_basis_label=None,
        decision_reason="Cererea nu descrie o nevoie de transformare digitală."), META)))
    assert "Decision to reject application DIH-2026-000123" in text
    assert "Reasons for the decision" in text
    assert "Cererea nu descrie o nevoie de transformare digitală." in text
    assert "Amount approved" not in text


def test_aid_notice_lists_grants_marks_reversed_ones_and_totals_against_ceilings(ctx):
    notice = AidNotice(
        organisation_name="Brânzeturi Țara Oașului SRL", fiscal_code="18547290", kind_label="SME",
        size_label="Micro enterprise", county_name="Satu Mare", undertaking_group="18547290", group_size=1,
        as_of=date(2026, 3, 14), window_start=date(2023, 3, 14), window_years=3,
        grants=[AidNoticeGrant(date(2025, 1, 10), "DIH-2025-000001", "Robot programming course",
                               "De minimis", 550_000, 275_000),
                AidNoticeGrant(date(2025, 6, 1), "DIH-2025-000077", "Investor matchmaking", "De minimis",
                               700_000, 350_000, reversed_on=date(2025, 6, 20))],
        ceilings=[CeilingLine("De minimis", 275_000, 1_000_000, 30_000_000),
                  CeilingLine("GBER Article 28", 0, 0, 22_000_000)])
    text = "".join(pdf_text(aid_notice_pdf(notice, META)))
    assert "Brânzeturi Țara Oașului SRL" in text
    assert "DIH-2025-000001" in text and "DIH-2025-000077" in text
    assert re.search(r"Reversed\s+on\s+20\s+June\s+2025", text)  # English: 20 June 2025
    assert "2,750.00" in text  # in force, the reversed grant excluded from the total
    assert "12,750.00" in text and "300,000.00" in text and "287,250.00" in text  # total, ceiling, remaining


@pytest.mark.parametrize("value,shown", [(0, "0.00"), (123456789, "1,234,567.89"), (-5, "-0.05")])
def test_money_is_shown_the_same_way_everywhere(value, shown):
    assert pdf.money(value) == shown
