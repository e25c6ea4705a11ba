# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The texts users read, rendered in their language, including the ones a job stored earlier.

The ERP layer raises ``ErpError`` with an English template and its parameters (``erp/errors.py``);
every job, button, wizard and controller that shows or stores an error for a user goes through
``erp_error_text``, so none shows the English ``exc.message`` (that one is for the logs).

A text stored by a job (a document's error) is rendered in the job's language, which is not the
reader's. ``Texts(env)`` renders like ``env._`` but returns an ``ErpText``: the same string, that
also keeps its ``source`` (the templates and their parameters, as JSON), so that the stored text
can be rendered again in whoever reads it later (``render_source``). A parameter that names a
field of a form (``FieldLabel``) is kept by its field, and read in the reader's form too.
"""

import logging

_logger = logging.getLogger(__name__)

# A nested text among a template's parameters, in a source.
NESTED = "$text"
# A field's label among a template's parameters: [model, field, the label as written].
LABEL = "$label"


class ErpText(str):
    """A string as rendered in one language, with ``source``: a list of parts, each a literal
    string or ``{"t": template, "p": {name: value or {NESTED: source}}}``."""

    source: list

    def __new__(cls, text, source):
        obj = super().__new__(cls, text)
        obj.source = source
        return obj


class FieldLabel(str):
    """The label of ``model``'s field ``field`` as one form shows it (``_erp_field_labels`` of the
    model, in the writer's language); a reader reads the label of their own language's form."""

    def __new__(cls, text, model, field):
        obj = super().__new__(cls, text)
        obj.model, obj.field = model, field
        return obj


def _kept(value):
    """A template parameter as stored: JSON, a nested text by its own source, a label by its field."""
    if isinstance(value, ErpText):
        return {NESTED: value.source}
    if isinstance(value, FieldLabel):
        return {LABEL: [value.model, value.field, str(value)]}
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def _source_of(text):
    return text.source if isinstance(text, ErpText) else [str(text)]


class Texts:
    """``env._`` that remembers what it rendered: ``Texts(env)._("template", **params)``."""

    def __init__(self, env):
        self.env = env

    def _(self, template, **params):
        rendered = self.env._(template, **params)  # pylint: disable=translation-not-lazy
        return ErpText(rendered, [{"t": template, "p": {k: _kept(v) for k, v in params.items()}}])

    def join(self, separator, texts):
        """``separator.join(texts)``, keeping the source of each part."""
        source = []
        for index, text in enumerate(texts):
            source += ([separator] if index else []) + _source_of(text)
        return ErpText(separator.join(texts), source)

    def error(self, exc, *, quote_erp=True):
        """``exc``'s message, then the field the ERP named (a ``DataError``'s) and, with
        ``quote_erp``, what the ERP itself wrote, quoted as is."""
        parts = [self._(exc.template, **exc.params)]
        if getattr(exc, "field", ""):
            parts.append(f" ({exc.field})")
        if quote_erp and exc.erp_message:
            parts.append(self._("\nThe ERP said: %(text)s", text=exc.erp_message))
        return self.join("", parts)


def erp_error_text(env, exc, *, quote_erp=True):
    """``exc``'s message translated into ``env.lang`` (an ``ErpText``: see ``Texts.error``)."""
    return Texts(env).error(exc, quote_erp=quote_erp)


def _label(env, model, field, written):
    """The label of ``model.field`` in ``env``'s language, ``written`` when its form has it no more."""
    return env[model]._erp_field_labels().get(field) or written


def _param(env, value):
    if isinstance(value, dict) and NESTED in value:
        return _render(env, value[NESTED])
    if isinstance(value, dict) and LABEL in value:
        return _label(env, *value[LABEL])
    return value


def _render(env, source):
    out = []
    for part in source:
        if isinstance(part, str):
            out.append(part)
            continue
        params = {key: _param(env, value) for key, value in part["p"].items()}
        # Formatted here, not by env._ (which shows a template that does not fit as is): a
        # template changed by an upgrade raises, and the caller shows the text as stored.
        stored = part["t"]
        template = env._(stored)  # pylint: disable=translation-not-lazy
        out.append(template % params if params or "%(" in template else template)
    return "".join(out)


def render_source(env, source, fallback):
    """A stored text in ``env``'s language; ``fallback`` (the text as stored) when it has no source
    or the source no longer renders (a template changed by an upgrade)."""
    if not source:
        return fallback
    try:
        return _render(env, source)
    except (KeyError, TypeError, ValueError):
        _logger.info("A stored ERP text no longer renders from its source; shown as stored")
        return fallback


def stored_source(text):
    """What to store beside ``text`` to render it again later: its source, False when unknown."""
    return text.source if isinstance(text, ErpText) else False


def with_sources(vals, sources):
    """``vals`` of a ``write`` with the source of each stored text (``sources``: text field →
    its source field) that it writes: that of an ErpText, else none (the text is then shown as
    written), never the source of the text before."""
    kept = {source: stored_source(vals[text]) for text, source in sources.items() if text in vals}
    return {**vals, **{source: value for source, value in kept.items() if source not in vals}}
