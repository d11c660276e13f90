"""keras.utils.image_dataset_from_directory: a directory of images (one subfolder per class) as an
emulated tf.data Dataset of float32 image batches (and labels). Images are decoded with Pillow and
resized with torchkeras.ops.image.resize (tf.image.resize's numerics)."""

import math

import numpy as np
import torch

from torchkeras import config
from torchkeras.utils import dataset_utils
from torchkeras.utils.image_utils import _require_pil, smart_resize

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


def _check_args(labels, label_mode, class_names, color_mode, image_size, interpolation, format):
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError("`labels` argument should be a list/tuple of integer labels, of the same size as the "
                             "number of image files in the target directory. If you wish to infer the labels from "
                             "the subdirectory names in the target directory, pass `labels=\"inferred\"`. If you "
                             "wish to get a dataset that only contains images (no labels), pass `labels=None`. "
                             f"Received: labels={labels}")
        if class_names:
            raise ValueError('You can only pass `class_names` if `labels="inferred"`. '
                             f"Received: labels={labels}, and class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. '
                         f"Received: label_mode={label_mode}")
    if color_mode not in _CHANNELS:
        raise ValueError(f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. Received: color_mode={color_mode}')
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"Invalid `image_size` value. Expected a tuple of 2 integers. Received: image_size={image_size}")
    if interpolation.lower() not in _INTERPOLATIONS:
        raise ValueError(f"Argument `interpolation` should be one of {_INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation}")
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    return tuple(image_size)


def _tf_gaussian(x):
    # TF's resampling Gaussian: support radius 1.5, sigma 0.5 (differs from jax.image's).
    return torch.where(x >= 1.5, torch.zeros_like(x), torch.exp(-x * x / 0.5))


def _resize(img, size, interpolation):
    from torchkeras.ops.image_resize import KERNELS, _apply, resize, weight_matrix
    if interpolation not in ("gaussian", "mitchellcubic"):
        return resize(img, size=size, interpolation=interpolation, data_format="channels_last")
    kernel = _tf_gaussian if interpolation == "gaussian" else KERNELS[interpolation]
    for axis, n in ((-3, size[0]), (-2, size[1])):  # tf.image.resize's scale_and_translate kernels
        img = _apply(img, axis, weight_matrix(img.shape[axis], n, n / img.shape[axis], 0.0, kernel, False))
    return img


def _resize_with_pad(img, size, interpolation):
    """tf.image.resize_with_pad: fit inside `size` keeping the aspect ratio, then zero-pad centred."""
    height, width = img.shape[0], img.shape[1]
    ratio = max(width / size[1], height / size[0])
    new_h, new_w = int(height / ratio), int(width / ratio)
    # TF centres by the unrounded resized size
    top = max(0, int(math.floor((size[0] - height / ratio) / 2)))
    left = max(0, int(math.floor((size[1] - width / ratio) / 2)))
    resized = _resize(img, (new_h, new_w), interpolation)
    out = torch.zeros((size[0], size[1], img.shape[2]), dtype=resized.dtype)
    out[top:top + new_h, left:left + new_w] = resized
    return out


def load_image(path, image_size, num_channels, interpolation, data_format, crop_to_aspect_ratio=False,
               pad_to_aspect_ratio=False):
    """One image file -> float32 tensor (H, W, C) (or (C, H, W)), resized like tf.image.resize."""
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`.")
    image = _require_pil("image_dataset_from_directory")
    with image.open(path) as pil:
        mode = {1: "L", 3: "RGB", 4: "RGBA"}[num_channels]
        if pil.mode == "P" and "transparency" in pil.info:
            pil = pil.convert("RGBA")
        array = np.asarray(pil.convert(mode) if pil.mode != mode else pil)
    img = torch.from_numpy(np.array(array, dtype="float32"))
    if img.dim() == 2:
        img = img.unsqueeze(-1)
    if crop_to_aspect_ratio:
        img = smart_resize(img, image_size, interpolation=interpolation)
    elif pad_to_aspect_ratio:
        img = _resize_with_pad(img, image_size, interpolation)
    else:
        img = _resize(img, image_size, interpolation)
    if interpolation == "nearest":
        img = img.to(torch.uint8)  # tf.image.resize's nearest keeps the decoded uint8 pixels
    if data_format == "channels_first":
        img = img.permute(2, 0, 1)
    return img.contiguous()


def paths_and_labels_to_dataset(image_paths, image_size, num_channels, labels, label_mode, num_classes,
                                interpolation, data_format, crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                                shuffle=False, shuffle_buffer_size=None, seed=None, reshuffle=True):
    from torchkeras.porting.tf.data import Dataset
    paths = list(image_paths)
    index = Dataset.from_tensor_slices(torch.arange(len(paths), dtype=torch.int64))
    if label_mode:
        index = Dataset.zip((index, dataset_utils.labels_to_dataset(labels, label_mode, num_classes)))
    if shuffle:
        # grain shuffles once (the same order every pass); tf.data reshuffles each pass
        index = index.shuffle(buffer_size=shuffle_buffer_size or 1024, seed=seed, reshuffle_each_iteration=reshuffle)
    args = (image_size, num_channels, interpolation, data_format, crop_to_aspect_ratio, pad_to_aspect_ratio)
    if label_mode:
        return index.map(lambda i, y: (load_image(paths[int(i)], *args), y))
    return index.map(lambda i: load_image(paths[int(i)], *args))


def _finish(ds, batch_size, class_names, file_paths):
    # No .prefetch(): the emulation's prefetch thread, abandoned mid-decode by a partial iteration,
    # can abort the interpreter at exit.
    if batch_size is not None:
        ds = ds.batch(batch_size)
    ds.class_names = class_names
    ds.file_paths = file_paths
    return ds


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, color_mode="rgb",
                                 batch_size=32, image_size=(256, 256), shuffle=True, seed=None, validation_split=None,
                                 subset=None, interpolation="bilinear", follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf", verbose=True):
    """Keras's image_dataset_from_directory; returns a torchkeras tf.data Dataset with `.class_names`
    and `.file_paths` (a [train, validation] pair for `subset="both"`)."""
    image_size = _check_args(labels, label_mode, class_names, color_mode, image_size, interpolation, format)
    interpolation = interpolation.lower()
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = dataset_utils.index_directory(
        directory, labels, formats=ALLOWLIST_FORMATS, class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links, verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 class_names. '
                         f"Received: class_names={class_names}")
    data_format = config.standardize_data_format(data_format)
    common = dict(image_size=image_size, num_channels=_CHANNELS[color_mode], label_mode=label_mode,
                  num_classes=len(class_names) if class_names else 0, interpolation=interpolation,
                  data_format=data_format, crop_to_aspect_ratio=crop_to_aspect_ratio,
                  pad_to_aspect_ratio=pad_to_aspect_ratio, reshuffle=format == "tf")
    buffer = batch_size * 8 if batch_size is not None else 1024
    if subset == "both":
        train_paths, train_labels = dataset_utils.get_training_or_validation_split(
            paths, labels, validation_split, "training")
        val_paths, val_labels = dataset_utils.get_training_or_validation_split(
            paths, labels, validation_split, "validation")
        for found, what in ((train_paths, "training images"), (val_paths, "validation images")):
            if not found:
                raise ValueError(f"No {what} found in directory {directory}. Allowed formats: {ALLOWLIST_FORMATS}")
        train = paths_and_labels_to_dataset(train_paths, labels=train_labels, shuffle=shuffle,
                                            shuffle_buffer_size=buffer, seed=seed, **common)
        val = paths_and_labels_to_dataset(val_paths, labels=val_labels, shuffle=False, **common)
        return [_finish(train, batch_size, class_names, train_paths),
                _finish(val, batch_size, class_names, val_paths)]
    paths, labels = dataset_utils.get_training_or_validation_split(paths, labels, validation_split, subset)
    if not paths:
        raise ValueError(f"No images found in directory {directory}. Allowed formats: {ALLOWLIST_FORMATS}")
    ds = paths_and_labels_to_dataset(paths, labels=labels, shuffle=shuffle, shuffle_buffer_size=buffer, seed=seed,
                                     **common)
    return _finish(ds, batch_size, class_names, paths)
