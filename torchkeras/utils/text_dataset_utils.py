"""keras.utils.text_dataset_from_directory: `.txt` files (one subfolder per class) as an emulated
tf.data Dataset of tf.string batches (numpy `bytes`, as TF yields) and labels."""

from torchkeras.utils._directory_index import check_labels_arg, directory_datasets


def _reader(max_length, as_str=False):
    from torchkeras.porting.tf.strings_array import StringTensor

    def read(path):
        if as_str:  # grain: text-mode read, cut in characters
            with open(path, encoding="utf-8") as f:
                content = f.read()
            return content[:max_length] if max_length is not None else content
        with open(path, "rb") as f:
            content = f.read()
        if max_length is not None:
            content = content[:max_length]  # bytes, as tf.strings.substr's default unit
        return StringTensor.of(content)
    return read


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, format="tf", verbose=True):
    """Keras's text_dataset_from_directory; returns a torchkeras tf.data Dataset with `.class_names`
    (a [train, validation] pair for `subset="both"`)."""
    check_labels_arg(labels, label_mode, class_names, "text")
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    return directory_datasets(
        directory, labels, label_mode, class_names, formats=(".txt",), what="text", load=_reader(max_length, format == "grain"),
        batch=lambda ds: ds.batch(batch_size) if batch_size is not None else ds, shuffle=shuffle, seed=seed,
        validation_split=validation_split, subset=subset, follow_links=follow_links, verbose=verbose,
        batch_size=batch_size, reshuffle=format == "tf", python_batches=format == "grain")
