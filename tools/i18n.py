"""Regenerate the addon's translation template and merge it into every translation (``make pot``).

1. installs tecpet_erp_sync (no demo data) in a fresh copy of the template database;
2. exports ``tecpet_erp_sync/i18n/tecpet_erp_sync.pot`` with Odoo's own exporter
   (``--i18n-export`` without ``--language`` writes a template: every msgstr empty);
3. merges it into each ``i18n/<lang>.po`` the way ``msgmerge`` would, without its fuzzy guesses:
   translations of msgids still in the template are kept, new msgids are added untranslated,
   msgids gone from the template are dropped; references and comments come from the template.

The creation/revision dates are stripped from both headers, so running it twice gives no diff.
A .po whose translations are incomplete is reported (the completeness test fails on it too).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

import polib
from dbtools import CACHE, drop_db, fresh_db, odoo

MODULE = "tecpet_erp_sync"
ROOT = Path(__file__).resolve().parent.parent
# One database per checkout: two checkouts exporting at once must not drop each other's.
DB = os.environ.get("TECPET_I18N_DB") or f"tecpet_i18n_{hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]}"
I18N = ROOT / MODULE / "i18n"
POT = I18N / f"{MODULE}.pot"
# Dates change on every export: keeping them would make every regeneration a diff.
NOISY_HEADERS = ("POT-Creation-Date", "PO-Revision-Date")
# Per-language header values (gettext's Plural-Forms for the languages we ship).
LANGUAGE_HEADERS = {
    "pt_BR": {"Language": "pt_BR", "Plural-Forms": "nplurals=2; plural=(n > 1);"},
}


def export_pot(target: Path) -> None:
    """Install the addon in a fresh database and export its terms to ``target`` as a template."""
    fresh_db(DB, demo=False)
    log = CACHE / "logs" / "i18n.log"
    print(f"[tecpet] installing {MODULE} in {DB} (log: {log})", flush=True)
    if odoo("-d", DB, "-i", MODULE, "--stop-after-init", "--without-demo=all", log=log):
        sys.exit(f"Installing {MODULE} failed; see {log}")
    export_log = CACHE / "logs" / "i18n-export.log"
    if odoo("-d", DB, f"--i18n-export={target}", f"--modules={MODULE}", log=export_log):
        sys.exit(f"Exporting the terms of {MODULE} failed; see {export_log}")
    if not target.exists() or not polib.pofile(str(target)):
        sys.exit(f"Odoo exported no term for {MODULE}; see {export_log}")
    drop_db(DB)


def clean_header(po: polib.POFile) -> None:
    for key in NOISY_HEADERS:
        po.metadata.pop(key, None)


def merge(pot: polib.POFile, po: polib.POFile, lang: str) -> tuple[polib.POFile, int, int]:
    """A .po with the template's entries (order, references, comments) and ``po``'s translations.

    Returns the merged file, the number of msgids it has no translation for, and the number of
    obsolete msgids dropped.
    """
    translations = {(e.msgctxt, e.msgid): e for e in po if not e.obsolete}
    merged = polib.POFile(wrapwidth=po.wrapwidth or pot.wrapwidth)
    merged.header = po.header or pot.header
    merged.metadata = {**pot.metadata, **po.metadata, **LANGUAGE_HEADERS.get(lang, {"Language": lang})}
    merged.metadata["Project-Id-Version"] = pot.metadata.get("Project-Id-Version", "")
    clean_header(merged)
    missing = 0
    for template_entry in pot:
        entry = polib.POEntry(
            msgid=template_entry.msgid,
            msgctxt=template_entry.msgctxt,
            msgid_plural=template_entry.msgid_plural,
            comment=template_entry.comment,
            occurrences=list(template_entry.occurrences),
            flags=list(template_entry.flags),
        )
        old = translations.pop((template_entry.msgctxt, template_entry.msgid), None)
        if old is not None:
            entry.msgstr = old.msgstr
            entry.msgstr_plural = dict(old.msgstr_plural)
            entry.tcomment = old.tcomment
            entry.flags = sorted(set(entry.flags) | ({"fuzzy"} & set(old.flags)))
        if not (entry.msgstr or any(entry.msgstr_plural.values())):
            missing += 1
        merged.append(entry)
    return merged, missing, len(translations)


def main() -> int:
    I18N.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tecpet_i18n_") as tmp:
        exported = Path(tmp) / f"{MODULE}.pot"
        export_pot(exported)
        pot = polib.pofile(str(exported))
    clean_header(pot)
    pot.save(str(POT))
    print(f"[tecpet] {POT.relative_to(ROOT)}: {len(pot)} msgids")

    incomplete = []
    langs = sorted({path.stem for path in I18N.glob("*.po")} | set(LANGUAGE_HEADERS))
    for lang in langs:
        po_path = I18N / f"{lang}.po"
        po = polib.pofile(str(po_path)) if po_path.exists() else polib.POFile()
        merged, missing, dropped = merge(pot, po, lang)
        merged.save(str(po_path))
        print(
            f"[tecpet] {po_path.relative_to(ROOT)}: {len(merged) - missing} translated, "
            f"{missing} untranslated, {dropped} obsolete dropped"
        )
        if missing:
            incomplete.append(lang)
    if incomplete:
        print(f"[tecpet] translate the new msgids of: {', '.join(incomplete)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
