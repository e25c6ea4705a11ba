"""The sandbox's switches (``Emulator.SWITCHES``) as pytest fixtures: a test that asks for one runs
once per position, so that what no source settles is run both (or every) way."""

import pytest
from tecpet_erp_sandbox.bling import BlingEmulator
from tecpet_erp_sandbox.vhsys import VhsysEmulator

SWITCHES = {"bling": BlingEmulator.SWITCHES, "vhsys": VhsysEmulator.SWITCHES}


def _positions_fixture(provider, settings, ids, value):
    """A fixture putting the sandbox's ``provider`` in each of ``settings`` (switch name → position,
    the other switches at their default) in turn. It answers ``value`` of the positions asked for
    (all switches), not of what the emulator says: a switch that did not move fails the test."""
    defaults = {name: positions[0] for name, positions in SWITCHES[provider].items()}

    @pytest.fixture(params=settings, ids=ids)
    def fixture(request, sandbox):
        emulator = getattr(sandbox, provider)
        for name, position in request.param.items():
            emulator.set_switch(name, position)
        return value({**defaults, **request.param})

    return fixture


def switched(name, provider="bling"):
    """A fixture putting the switch ``name`` in each of its positions in turn; it answers the position."""
    positions = SWITCHES[provider][name]
    return _positions_fixture(
        provider,
        [{name: p} for p in positions],
        [f"{name}={p}" for p in positions],
        lambda asked: asked[name],
    )


def one_at_a_time(provider, names):
    """A fixture running its test with every switch at its default, then once per other position of
    each switch of ``names``, one switch moved at a time; it answers the positions of all switches."""
    moves = [{name: p} for name in names for p in SWITCHES[provider][name][1:]]
    ids = ["defaults", *(f"{name}={p}" for move in moves for name, p in move.items())]
    return _positions_fixture(provider, [{}, *moves], ids, dict)
