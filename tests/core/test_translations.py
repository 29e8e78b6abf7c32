"""The Romanian catalogue is complete, consistent and up to date with the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "translations" / "ro" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def _catalog():
    with open(PO, "rb") as f:
        return read_po(f, locale="ro")


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def _key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def test_every_romanian_entry_is_translated_and_none_is_fuzzy():
    catalog = _catalog()
    untranslated = [_key(m) for m in catalog if m.id and not all(_strings(m))]
    fuzzy = [_key(m) for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]} (tools/i18n.py todo)"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    assert len(catalog.plural_forms) and catalog.num_plurals == 3


def test_romanian_uses_comma_below_and_keeps_the_placeholders():
    for message in _catalog():
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        for text in _strings(message):
            assert not re.search("[şţŞŢ]", text), f"cedilla in {text!r} (tools/i18n.py cedilla)"
            assert sorted(set(PLACEHOLDER.findall(text))) == sorted(set(PLACEHOLDER.findall(ids[-1]))), (
                message.id, text)


def test_a_fresh_extraction_finds_nothing_missing_from_the_catalogue(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as f:
        extracted = {_key(m) for m in read_po(f) if m.id}
    known = {_key(m) for m in _catalog() if m.id and not m.fuzzy}
    stale = sorted(extracted - known)
    assert not stale, f"{len(stale)} string(s) in the code are not in the catalogue (run `make translations`): {stale[:5]}"


def test_the_glossary_terms_are_the_ones_used():
    glossary = (ROOT / "translations" / "ro" / "GLOSSARY.md").read_text(encoding="utf-8")
    texts = " ".join(s for m in _catalog() if m.id for s in _strings(m))
    for term in ("ajutor de minimis", "echivalent subvenție brută", "Regulamentul (UE) 2023/2831",
                 "cod fiscal (CUI)", "întreprindere mică", "întreprindere mijlocie"):
        assert term in glossary
        assert term.lower() in texts.lower(), term
