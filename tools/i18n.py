"""The Romanian catalogue's workflow: what is left to translate, and filling it in.

    make translations                        # re-extract strings, update the .po files, compile
    python tools/i18n.py status              # counts per language; exit 1 if anything is left
    python tools/i18n.py todo > todo.json    # untranslated / fuzzy msgids, as a JSON template
    python tools/i18n.py fill done.json      # write translations from {msgid: msgstr} (plural: list)
    python tools/i18n.py cedilla             # ş ţ (cedilla) → ș ț (comma below) in msgstrs

`fill` clears the fuzzy flag of the entries it fills. Re-run `make translations` after it
to compile. See translations/ro/GLOSSARY.md for the terms to use.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
CEDILLA = str.maketrans({"ş": "ș", "ţ": "ț", "Ş": "Ș", "Ţ": "Ț"})


def po_path(lang: str = "ro") -> Path:
    return ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po"


def load(lang: str = "ro"):
    with open(po_path(lang), "rb") as f:
        return read_po(f, locale=lang)


def save(catalog, lang: str = "ro") -> None:
    with open(po_path(lang), "wb") as f:
        write_po(f, catalog, width=76)


def is_done(message) -> bool:
    """Translated in every plural form and not fuzzy."""
    if message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return all(s for s in strings)


def todo(catalog) -> list:
    """Messages that are untranslated (any plural form empty) or fuzzy."""
    return [m for m in catalog if m.id and not is_done(m)]


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    lang = "ro"
    catalog = load(lang)
    if command == "status":
        left = todo(catalog)
        fuzzy = [m for m in catalog if m.id and m.fuzzy]
        print(f"{lang}: {sum(1 for m in catalog if m.id)} messages, {len(left) - len(fuzzy)} untranslated, "
              f"{len(fuzzy)} fuzzy")
        return 1 if left else 0
    if command == "todo":
        out = {}
        for m in todo(catalog):
            key = m.id if isinstance(m.id, str) else m.id[0]
            out[key] = ["", ""] if not isinstance(m.id, str) else ""
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    if command == "fill":
        done = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        filled = 0
        for m in catalog:
            key = m.id if isinstance(m.id, str) else m.id[0] if m.id else None
            if key in done and done[key]:
                value = done[key]
                if isinstance(m.id, str):
                    m.string = value.translate(CEDILLA)
                else:
                    m.string = tuple(v.translate(CEDILLA) for v in value)
                m.flags.discard("fuzzy")
                filled += 1
        save(catalog, lang)
        print(f"filled {filled} message(s)")
        return 0
    if command == "cedilla":
        for m in catalog:
            if isinstance(m.string, str):
                m.string = m.string.translate(CEDILLA)
            elif m.string:
                m.string = tuple(s.translate(CEDILLA) for s in m.string)
        save(catalog, lang)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
