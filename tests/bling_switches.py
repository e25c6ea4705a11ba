"""The Bling sandbox's switches as pytest fixtures: each runs its test once per position."""

import pytest
from tecpet_erp_sandbox.bling import BlingEmulator

SWITCHES = BlingEmulator.SWITCHES


def switched(name):
    """A fixture putting the sandbox's switch ``name`` in each of its positions in turn."""

    @pytest.fixture(params=SWITCHES[name], ids=lambda position: f"{name}={position}")
    def fixture(request, sandbox):
        sandbox.bling.set_switch(name, request.param)
        return request.param

    return fixture
