"""Translation files (PRODUCT.md 2.8: en_US source, complete pt_BR): complete, consistent, up to date.

Pure Python on the files; ``tecpet_erp_sync/tests/test_translations.py`` checks them inside Odoo.
Regenerate them with ``make pot`` (tools/i18n.py).
"""

import re
import warnings
from pathlib import Path

import polib
import pytest

with warnings.catch_warnings():  # babel (Odoo's pin) imports the deprecated cgi module
    warnings.simplefilter("ignore", DeprecationWarning)
    from babel.messages.extract import extract_python

ADDON = Path(__file__).resolve().parent.parent / "tecpet_erp_sync"
POT = ADDON / "i18n" / "tecpet_erp_sync.pot"
PO = ADDON / "i18n" / "pt_BR.po"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")

# PRODUCT.md 2.2, label column (en / pt_BR).
STATE_LABELS = {
    "Processing": "Processando",
    "Open": "Em aberto",
    "Fulfilled": "Atendido",
    "Awaiting Issue": "Aguardando emissão",
    "Issued": "Emitida",
    "Canceled": "Cancelado",
    "Error": "Erro",
}


@pytest.fixture(scope="module")
def pot():
    return polib.pofile(str(POT))


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(PO))


def test_pt_br_header(po):
    assert po.metadata["Language"] == "pt_BR"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"


@pytest.mark.parametrize("path", [POT, PO], ids=lambda p: p.name)
def test_no_date_noise_in_headers(path):
    """Regenerating must give no diff: the export dates are stripped."""
    metadata = polib.pofile(str(path)).metadata
    assert "POT-Creation-Date" not in metadata
    assert "PO-Revision-Date" not in metadata


def test_pot_is_a_template(pot):
    assert len(pot) > 0
    assert not [e.msgid for e in pot if e.msgstr]


def test_pt_br_translates_every_msgid(po):
    assert not [e.msgid for e in po if not e.msgstr.strip()]
    assert not [e.msgid for e in po if e.fuzzy]
    assert not [e.msgid for e in po if e.obsolete]


def test_pt_br_has_exactly_the_msgids_of_the_template(pot, po):
    template = {(e.msgctxt, e.msgid) for e in pot}
    translated = {(e.msgctxt, e.msgid) for e in po}
    assert sorted(template - translated, key=str) == [], "missing from pt_BR.po: run make pot"
    assert sorted(translated - template, key=str) == [], "obsolete in pt_BR.po: run make pot"


def test_pt_br_keeps_every_placeholder(po):
    wrong = [
        (e.msgid, e.msgstr)
        for e in po
        if sorted(PLACEHOLDER.findall(e.msgid)) != sorted(PLACEHOLDER.findall(e.msgstr))
    ]
    assert wrong == []


def test_pt_br_keeps_line_breaks_of_code_messages(po):
    """A "\\n" in a Python message separates what the user reads; the translation keeps it."""
    assert not [
        e.msgid for e in po if "odoo-python" in e.comment and e.msgid.count("\n") != e.msgstr.count("\n")
    ]


def test_state_labels_are_the_product_ones(po):
    translations = {e.msgid: e.msgstr for e in po}
    assert {label: translations.get(label) for label in STATE_LABELS} == STATE_LABELS


def test_document_type_labels(po):
    translations = {e.msgid: e.msgstr for e in po}
    assert translations["Service Order"] == "Ordem de Serviço"
    assert translations["Sales Order"] == "Pedido de Venda"
    assert translations["Reprocess"] == "Reprocessar"


def _python_messages():
    """Every literal passed to _() / _lt() in the addon's Python, as Odoo's exporter finds them."""
    messages = {}
    for path in sorted(ADDON.rglob("*.py")):
        with path.open("rb") as source:
            # The extractor Odoo's exporter runs, with the same keywords (odoo/tools/translate.py).
            for lineno, _funcname, found, _comments in extract_python(
                source, ["_", "_lt"], [], {"encoding": "UTF-8"}
            ):
                # _("text", arg) comes as a tuple whose first item is the text
                message = found[0] if isinstance(found, tuple) else found
                if isinstance(message, str):
                    messages.setdefault(message, f"{path.relative_to(ADDON)}:{lineno}")
    return messages


def test_template_is_up_to_date_with_the_python_messages(pot):
    """A message marked in the code but absent from the .pot would never be translated."""
    messages = _python_messages()
    exported = {e.msgid for e in pot}
    assert {m: where for m, where in messages.items() if m not in exported} == {}, "run make pot"


@pytest.mark.parametrize("module", ["erp/validation.py", "erp/mapping.py"])
def test_customer_and_invoice_checks_are_exported_as_code_terms(pot, module):
    """The validation/mapping messages reach the user through env._(): they must be python terms."""
    reference = f"code:addons/tecpet_erp_sync/{module}"
    terms = [e for e in pot if any(name == reference for name, _line in e.occurrences)]
    assert terms
    assert all("odoo-python" in e.comment for e in terms)
