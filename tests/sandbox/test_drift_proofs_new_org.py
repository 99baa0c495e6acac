"""Every drift on the ``new-org`` seed (an organization with all features, no member account yet)
makes its check fail, and its undo passes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bootstrap_tui.engine import Engine
from bootstrap_tui.sandbox import Sandbox
from bootstrap_tui.sandbox.drifts import Drift

from .conftest import _Shared
from .drift_proofs import drift_id, drifts_on, prove, seeded_engine


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Engine]]:
    if _Shared.sandbox is not None:
        _Shared.sandbox.stop()
        _Shared.sandbox = None
    with seeded_engine("new-org", tmp_path_factory.mktemp("drifts")) as pair:
        yield pair


@pytest.mark.slow
@pytest.mark.parametrize("drift", drifts_on("new-org"), ids=drift_id)
def test_drift_fails_its_check_and_undo_passes(
    drift: Drift, seeded: tuple[Sandbox, Engine]
) -> None:
    prove(drift, *seeded)
