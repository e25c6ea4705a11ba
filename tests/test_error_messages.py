"""Every message an ERP error can put on an invoice exists in pt_BR (issue 9 point 3).

The ERP layer raises ``ErpError(_("English template"), **params)``; the addon shows
``env._(exc.template, **exc.params)``. These checks read the sources with ``ast``: every call that
builds an ERP error passes a ``_("literal")`` template whose placeholders are exactly the values
given, and every ``_("literal")`` under ``erp/`` has a pt_BR translation with the same placeholders.
"""

import ast
import re
from pathlib import Path

import polib
import pytest

ERP = Path(__file__).resolve().parent.parent / "tecpet_erp_sync" / "erp"
PO = ERP.parent / "i18n" / "pt_BR.po"
PLACEHOLDER = re.compile(r"%\(([a-z_]+)\)[sdr]")
ERROR_BASES = {
    "ErpError",
    "DataError",
    "AuthError",
    "SetupError",
    "NotSupported",
    "TransientError",
    "RateLimited",
    "QuotaExhausted",
    "UnknownOutcome",
}
# Keyword arguments of the error classes that are not template parameters (erp/errors.py).
NOT_PARAMS = {"erp_message", "field", "retry_after"}


def _sources():
    for path in sorted(ERP.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _marked(node):
    """The literal of ``_("literal")``, else None."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None


def _name(func):
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def error_classes(trees):
    """The error classes' names: erp/errors.py's and every subclass defined under erp/ (``_NotFound``)."""
    names = set(ERROR_BASES)
    classes = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    while True:
        more = {c.name for c in classes if c.name not in names and any(_name(b) in names for b in c.bases)}
        if not more:
            return names
        names |= more


def _picked_from_a_table(node):
    """A template taken from a table of ``_()`` templates (``MISSING[doc_type]``,
    ``messages.RESOURCES.get(what)[0]``) or a variable holding one: no string is built here.
    Its parameters cannot be matched statically; every literal of such tables is still checked
    for its translation below, and building a string (literal, f-string, ``+``, ``%``,
    ``.format``) is still refused."""
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.Subscript):
        return _picked_from_a_table(node.value)
    if isinstance(node, ast.Attribute):
        return _picked_from_a_table(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        return _picked_from_a_table(node.func.value)
    return False


def wrong_error_calls(tree, classes):
    """(line, why) of each call building an error of ``classes`` whose template is not a
    ``_("literal")`` (or a module constant bound to one) or whose parameters do not match it."""
    constants = {
        target.id: _marked(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and _marked(node.value) is not None
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    wrong = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _name(node.func) in classes):
            continue
        first = node.args[0] if node.args else None
        template = _marked(first)
        if template is None and isinstance(first, ast.Name):
            template = constants.get(first.id)
        if template is None and _picked_from_a_table(first):
            continue  # MISSING[doc_type], a template chosen earlier: its literals are checked below
        if template is None:
            wrong.append((node.lineno, 'the first argument is not a _("literal")'))
            continue
        if len(node.args) > 1 or any(k.arg is None for k in node.keywords):
            wrong.append((node.lineno, "parameters go by name, one keyword each"))
            continue
        params = {k.arg for k in node.keywords} - NOT_PARAMS
        if params != set(PLACEHOLDER.findall(template)):
            wrong.append((node.lineno, f"parameters {sorted(params)} do not match the template {template!r}"))
    return wrong


def test_every_error_is_built_from_a_marked_template_with_its_parameters():
    sources = list(_sources())
    classes = error_classes([tree for _path, tree in _sources()])
    wrong = {
        f"{path.relative_to(ERP)}:{line}": why
        for path, tree in sources
        for line, why in wrong_error_calls(tree, classes)
    }
    assert wrong == {}
    built = sum(
        1
        for _path, tree in sources
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _name(node.func) in classes
    )
    assert built >= 30, "the walk found the raise sites"


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ('raise DataError(f"Line {n} is wrong")', "not a _"),
        ('raise DataError("Line is wrong")', "not a _"),
        ('raise errors.AuthError(_("Refused (%(code)s)."))', "do not match"),
        ('raise RateLimited(_("Paused."), retry_after=1, extra=2)', "do not match"),
        ('raise TransientError(_("HTTP %(status)s."), **params)', "by name"),
        ('class _Gone(DataError):\n    pass\nraise _Gone("gone")', "not a _"),  # a private subclass
        ('raise DataError(_("Gone: " + what))', "not a _"),
        ('raise DataError("Gone: %s" % what)', "not a _"),
        ('raise DataError("Gone: {}".format(what))', "not a _"),
    ],
)
def test_the_walk_catches_an_unmarked_or_mismatched_error(source, why):
    tree = ast.parse(source)
    [(line, found)] = wrong_error_calls(tree, error_classes([tree]))
    assert why in found and line >= 1


def test_the_walk_accepts_a_marked_template_and_a_marked_constant():
    tree = ast.parse(
        'GONE = _("Gone.")\n'
        "raise DataError(GONE)\n"
        'raise DataError(_("Line %(line)s is wrong."), line=n, field="x", erp_message=text)\n'
        'MISSING = {"os": _("Order %(id)r is gone.")}\n'
        "raise DataError(MISSING[kind], id=n)\n"
        "raise DataError(messages.RESOURCES.get(what, messages.REQUEST)[0], text=t)\n"
    )
    assert wrong_error_calls(tree, ERROR_BASES) == []


def _erp_messages():
    """Every ``_("literal")`` under erp/ (the two clients included), with where it is."""
    return {
        message: f"{path.relative_to(ERP)}:{node.lineno}"
        for path, tree in _sources()
        for node in ast.walk(tree)
        if (message := _marked(node)) is not None
    }


def test_every_erp_message_has_a_pt_br_translation_with_the_same_placeholders():
    translations = {e.msgid: e.msgstr for e in polib.pofile(str(PO)) if not e.obsolete and not e.fuzzy}
    messages = _erp_messages()
    assert len(messages) >= 80  # validation, mapping, lifecycle and the errors
    missing = {m: where for m, where in messages.items() if not translations.get(m, "").strip()}
    assert missing == {}, "run make pot and translate"
    mismatched = {
        m: translations[m]
        for m in messages
        if sorted(PLACEHOLDER.findall(m)) != sorted(PLACEHOLDER.findall(translations[m]))
    }
    assert mismatched == {}
