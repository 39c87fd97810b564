import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from dmtd_export import shapes  # noqa: E402
from dmtd_export.weights import RandomWeights  # noqa: E402

REPO = os.path.dirname(ROOT)
COMMITTED_MODELS = os.path.join(REPO, "src", "test", "resources", "models")


@pytest.fixture(scope="session")
def tiny_cfg():
    return shapes.shape_config("tiny")


@pytest.fixture(scope="session")
def tiny_weights(tiny_cfg):
    return RandomWeights(tiny_cfg, seed=1).all()
