"""The porting corpus's real-Keras reference (tests/porting_corpus/keras_reference.json, recorded by
`python -m conformance.porting_corpus --record`): every script has a band, and the Keras 2 scripts that
Keras 3 cannot run are recorded under tf_keras. Reads files only: no TensorFlow here."""

import json

from conformance import porting_corpus as pc


def test_every_script_has_a_real_keras_band():
    with open(pc.REFERENCE) as f:
        ref = json.load(f)
    missing = [n for n in pc.scripts() if not {k: v for k, v in ref.get(n, {}).items() if not k.startswith("_")}]
    assert not missing, f"no real-Keras band for {missing}: run `python -m conformance.porting_corpus --record NAME`"
    for name, band in ref.items():
        for key, values in band.items():
            if not key.startswith("_"):
                assert values == sorted(values) and all(isinstance(v, float) for v in values), (name, key)


def test_keras2_scripts_are_corpus_scripts_written_for_keras_2():
    assert set(pc.KERAS2) <= set(pc.scripts())
    for name in pc.KERAS2:
        with open(f"{pc.CORPUS}/{name}.py") as f:
            head = f.read(600)
        # keras-team/keras 2.x examples, or a tf.keras 2 guide
        assert "keras 2." in head.lower() or "tensorflow.org" in head, name
