"""The fast subset of the porting corpus (public Keras examples, see tests/porting_corpus/) runs unmodified
under `python -m torchkeras run`, and each final metric lands in the band real Keras reaches on the same
data. The bands come from `python -m conformance.porting_corpus --record` (real Keras, TensorFlow backend,
several runs, so the spread of initialisations is in them); `in_band` documents the widening."""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from conformance import porting_corpus as pc

REFERENCE = pc.load_reference()


@pytest.fixture(scope="module")
def fast_results():
    # Two at a time: each script is a single-threaded process, and the subset must stay under ~90 s.
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(pc.FAST, pool.map(lambda n: pc.run_one(n, "torchkeras", timeout=240), pc.FAST)))


def test_corpus_size_and_headers():
    names = pc.scripts()
    assert len(names) >= 40
    for name in names:
        with open(os.path.join(pc.CORPUS, name + ".py")) as f:
            head = f.read(1500)
        assert "# SOURCE:" in head and "# CHANGED:" in head, name
        assert "FINAL " in open(os.path.join(pc.CORPUS, name + ".py")).read(), name


def test_fast_subset_is_in_corpus():
    assert set(pc.FAST) <= set(pc.scripts()) and len(pc.FAST) >= 5


@pytest.mark.parametrize("name", pc.FAST)
def test_fast_script_passes_and_matches_keras(name, fast_results):
    res = fast_results[name]
    assert res["ok"], f"{name} failed under torchkeras: {res['error']}"
    band = {k: v for k, v in REFERENCE.get(name, {}).items() if not k.startswith("_")}
    assert band, f"no real-Keras reference for {name}: run `python -m conformance.porting_corpus --record {name}`"
    assert not pc.compare(res["final"], band), pc.compare(res["final"], band)


def test_band_logic():
    # Accuracy: 0.15 absolute either side of the Keras spread; losses: 35% + 0.05.
    assert pc.in_band("accuracy", 0.74, [0.6, 0.6])
    assert not pc.in_band("accuracy", 0.76, [0.6, 0.6])
    assert pc.in_band("loss", 1.39, [1.0, 1.0]) and not pc.in_band("loss", 1.41, [1.0, 1.0])
    assert pc.parse_final("x\nFINAL loss=0.5 val_accuracy=0.25\n") == {"loss": 0.5, "val_accuracy": 0.25}
    assert pc.symbol("AttributeError: module 'tensorflow' has no attribute 'foo'") == "foo"
