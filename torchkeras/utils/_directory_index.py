"""Listing a directory of class subfolders into (file paths, labels, class names), and the
validation-split rules shared by image / text / audio_dataset_from_directory."""

import os

import numpy as np
import torch


def _class_subdirs(directory, class_names):
    subdirs = [d for d in sorted(os.listdir(directory))
               if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
    if class_names is not None:
        if not set(class_names).issubset(set(subdirs)):
            raise ValueError("The `class_names` passed did not match the names of the subdirectories of the "
                             f"target directory. Expected: {subdirs} (or a subset of it), but received: "
                             f"class_names={class_names}")
        return list(class_names)  # the caller's order defines the label indices
    return subdirs


def _files_under(directory, follow_links, formats):
    """Relative paths of the allowed files below `directory`, in sorted walk order (Keras's order)."""
    found = []
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda x: x[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                found.append(os.path.relpath(os.path.join(root, fname), directory))
    return found


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None, follow_links=False,
                    verbose=True):
    """Returns (file_paths, labels, class_names) for a directory of class subfolders (`labels="inferred"`),
    of files with explicit `labels`, or of unlabelled files (`labels=None`)."""
    if labels == "inferred":
        subdirs = _class_subdirs(directory, class_names)
    else:
        if class_names is not None:
            if labels is None:
                raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be specified.")
            raise ValueError("When argument `labels` is specified, argument `class_names` cannot be specified "
                             "(the `class_names` will be the sorted list of labels).")
        subdirs = [""]
    filenames, inferred = [], []
    for index, subdir in enumerate(subdirs):
        for rel in _files_under(os.path.join(directory, subdir), follow_links, formats):
            filenames.append(os.path.join(subdir, rel) if subdir else rel)
            inferred.append(index)
    class_names = subdirs
    if labels == "inferred":
        labels = np.asarray(inferred, dtype="int32")
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError("Expected the lengths of `labels` to match the number of files in the target "
                             f"directory. len(labels) is {len(labels)} while we found {len(filenames)} files in "
                             f"directory {directory}.")
        class_names = [str(label) for label in sorted(set(labels))]
    if verbose:
        if labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to {len(class_names)} classes.")
    file_paths = [os.path.join(directory, f) for f in filenames]
    if shuffle:
        # Same permutation for paths and labels, and the same one Keras draws for this seed.
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            labels = np.asarray(labels) if not isinstance(labels, np.ndarray) else labels
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def get_training_or_validation_split(samples, labels, validation_split, subset):
    """The last `validation_split` fraction of the (already shuffled) samples is the validation set."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - num_val} files for training.")
        return samples[:-num_val], (labels[:-num_val] if labels is not None else None)
    if subset == "validation":
        print(f"Using {num_val} files for validation.")
        return samples[-num_val:], (labels[-num_val:] if labels is not None else None)
    raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')


def labels_to_dataset(labels, label_mode, num_classes):
    """int labels -> an emulated tf.data Dataset of int32 / one-hot float32 / (1,) float32 labels."""
    from torchkeras.porting.tf.data import Dataset
    ints = torch.as_tensor(np.asarray(labels, dtype="int32"))
    if label_mode == "binary":
        values = ints.to(torch.float32).unsqueeze(-1)
    elif label_mode == "categorical":
        values = torch.nn.functional.one_hot(ints.long(), num_classes).to(torch.float32)
    else:
        values = ints
    return Dataset.from_tensor_slices(values)


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` "
                         "argument, to make sure that there is no overlap between the training and validation "
                         "subset.")


def check_labels_arg(labels, label_mode, class_names, what):
    """The `labels` / `label_mode` / `class_names` rules of text_ and audio_dataset_from_directory."""
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(f"`labels` argument should be a list/tuple of integer labels, of the same size as the "
                             f"number of {what} files in the target directory. If you wish to infer the labels "
                             "from the subdirectory names in the target directory, pass `labels=\"inferred\"`. If "
                             f"you wish to get a dataset that only contains {what} samples (no labels), pass "
                             f"`labels=None`. Received: labels={labels}")
        if class_names:
            raise ValueError('You can only pass `class_names` if `labels="inferred"`. '
                             f"Received: labels={labels}, and class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. '
                         f"Received: label_mode={label_mode}")


def directory_datasets(directory, labels, label_mode, class_names, formats, what, load, batch, shuffle, seed,
                       validation_split, subset, follow_links, verbose, batch_size, reshuffle=True,
                       python_batches=False):
    """Indexes `directory` and builds the dataset (or [train, validation] for `subset="both"`):
    `load(path)` reads one file, `batch(ds)` batches; `.class_names` / `.file_paths` are set."""
    from torchkeras.porting.tf.data import Dataset
    allowed = "Allowed format: .txt" if what == "text" else f"Allowed format(s): {formats}"
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(directory, labels, formats=formats, class_names=class_names,
                                                 shuffle=shuffle, seed=seed, follow_links=follow_links,
                                                 verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 class_names. '
                         f"Received: class_names={class_names}")
    num_classes = len(class_names) if class_names else 0

    def build(part_paths, part_labels, part_shuffle):
        paths_list = list(part_paths)
        if python_batches:
            ds = PythonBatches(paths_list, load, part_labels, label_mode, num_classes, batch_size,
                               seed if part_shuffle else None)
            ds.class_names, ds.file_paths = class_names, paths_list
            return ds
        ds = Dataset.from_tensor_slices(torch.arange(len(paths_list), dtype=torch.int64))
        if label_mode:
            ds = Dataset.zip((ds, labels_to_dataset(part_labels, label_mode, num_classes)))
        if part_shuffle:
            ds = ds.shuffle(buffer_size=batch_size * 8 if batch_size is not None else 1024, seed=seed,
                            reshuffle_each_iteration=reshuffle)
        if label_mode:
            ds = ds.map(lambda i, y: (load(paths_list[int(i)]), y))
        else:
            ds = ds.map(lambda i: load(paths_list[int(i)]))
        ds = batch(ds)
        ds.class_names, ds.file_paths = class_names, paths_list
        return ds

    if subset == "both":
        train = get_training_or_validation_split(paths, labels, validation_split, "training")
        val = get_training_or_validation_split(paths, labels, validation_split, "validation")
        for (found, _), part in ((train, "training"), (val, "validation")):
            if not found:
                raise ValueError(f"No {part} {what} files found in directory {directory}. {allowed}")
        return [build(*train, shuffle), build(*val, False)]
    paths, labels = get_training_or_validation_split(paths, labels, validation_split, subset)
    if not paths:
        raise ValueError(f"No {what} files found in directory {directory}. {allowed}")
    return build(paths, labels, shuffle)


class PythonBatches:
    """`format="grain"` on torch: batches of Python values (lists of `str` for texts), a fixed order
    per seed, labels as torch tensors (Keras's grain pipeline with its string batching)."""

    def __init__(self, paths, load, labels, label_mode, num_classes, batch_size, seed):
        self.paths, self.load, self.batch_size = paths, load, batch_size
        self.labels = None
        if label_mode:
            self.labels = [y for y in labels_to_dataset(labels, label_mode, num_classes)]
        self.order = np.arange(len(paths))
        if seed is not None:
            np.random.RandomState(seed).shuffle(self.order)

    def __len__(self):
        n = len(self.paths)
        return n if self.batch_size is None else -(-n // self.batch_size)

    def _item(self, i):
        x = self.load(self.paths[i])
        return x if self.labels is None else (x, self.labels[i])

    def __iter__(self):
        if self.batch_size is None:
            yield from (self._item(i) for i in self.order)
            return
        for start in range(0, len(self.order), self.batch_size):
            items = [self._item(i) for i in self.order[start:start + self.batch_size]]
            if self.labels is None:
                yield list(items)
            else:
                yield [x for x, _ in items], torch.stack([y for _, y in items])
