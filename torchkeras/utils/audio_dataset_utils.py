"""keras.utils.audio_dataset_from_directory: 16-bit PCM `.wav` files (one subfolder per class) as an
emulated tf.data Dataset of float32 (samples, channels) audio, decoded with the stdlib `wave` module
as tf.audio.decode_wav decodes them (int16 / 32768)."""

import wave

import numpy as np
import torch

from torchkeras.utils._directory_index import check_labels_arg, directory_datasets

ALLOWED_FORMATS = (".wav",)


def read_wav(path, output_sequence_length=None):
    """float32 tensor (samples, channels); cut or zero-padded to `output_sequence_length` samples."""
    with wave.open(path, "rb") as f:
        width, channels, frames = f.getsampwidth(), f.getnchannels(), f.getnframes()
        raw = f.readframes(frames)
    if width != 2:
        raise ValueError(f"Can only read 16-bit WAV files, but received {8 * width} in file {path}.")
    audio = np.frombuffer(raw, dtype="<i2").reshape(-1, channels).astype("float32") / 32768.0
    if output_sequence_length is not None and output_sequence_length >= 0:
        out = np.zeros((output_sequence_length, channels), dtype="float32")
        n = min(output_sequence_length, audio.shape[0])
        out[:n] = audio[:n]
        audio = out
    return torch.from_numpy(np.ascontiguousarray(audio))


def _check_args(labels, label_mode, class_names, sampling_rate, output_sequence_length, ragged):
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError("The `labels` argument should be a list/tuple of integer labels, of the same size as the "
                         "number of audio files in the target directory. If you wish to infer the labels from the "
                         "subdirectory names in the target directory, pass `labels=\"inferred\"`. If you wish to "
                         "get a dataset that only contains audio samples (no labels), pass `labels=None`. "
                         f"Received: labels={labels}")
    check_labels_arg(labels, label_mode, class_names, "audio")
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int):
            raise ValueError(f"`sampling_rate` should have an integer value. Received: sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise ValueError(f"`sampling_rate` should be higher than 0. Received: sampling_rate={sampling_rate}")
        # Keras resamples with tensorflow_io, which torchkeras does not emulate.
        raise ImportError("To use the argument `sampling_rate`, you should install tensorflow_io. torchkeras does "
                          "not resample audio: resample the files beforehand and leave `sampling_rate=None`.")


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                 sampling_rate=None, output_sequence_length=None, ragged=False, shuffle=True,
                                 seed=None, validation_split=None, subset=None, follow_links=False, verbose=True):
    """Keras's audio_dataset_from_directory; returns a torchkeras tf.data Dataset with `.class_names`
    (a (train, validation) pair for `subset="both"`). Batches of unequal lengths are zero-padded to the
    longest clip unless `output_sequence_length` fixes the length."""
    _check_args(labels, label_mode, class_names, sampling_rate, output_sequence_length, ragged)
    if ragged and batch_size is not None:
        raise ValueError("torchkeras has no ragged tensors: `ragged=True` needs `batch_size=None` (or pass "
                         "`output_sequence_length` / leave `ragged=False` for zero-padded batches).")

    def batch(ds):
        if batch_size is None:
            return ds
        return ds.padded_batch(batch_size) if output_sequence_length is None else ds.batch(batch_size)

    out = directory_datasets(
        directory, labels, label_mode, class_names, formats=ALLOWED_FORMATS, what="audio",
        load=lambda path: read_wav(path, output_sequence_length), batch=batch, shuffle=shuffle, seed=seed,
        validation_split=validation_split, subset=subset, follow_links=follow_links, verbose=verbose,
        batch_size=batch_size)
    return tuple(out) if isinstance(out, list) else out
