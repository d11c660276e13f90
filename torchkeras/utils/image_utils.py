"""keras.utils.load_img / img_to_array / array_to_img / save_img and
keras.preprocessing.image.smart_resize. PIL images need Pillow (`pip install torchkeras[image]`)."""

import io
import pathlib
import warnings

import numpy as np

from torchkeras import config


def _pil():
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def _require_pil(what):
    image = _pil()
    if image is None:
        raise ImportError(f"Could not import PIL.Image. The use of `{what}` requires PIL "
                          "(install it with `pip install pillow` or `pip install torchkeras[image]`).")
    return image


def pil_interpolation_methods():
    resampling = getattr(_require_pil("load_img"), "Resampling", None) or _pil()
    return {"nearest": resampling.NEAREST, "bilinear": resampling.BILINEAR, "bicubic": resampling.BICUBIC,
            "hamming": resampling.HAMMING, "box": resampling.BOX, "lanczos": resampling.LANCZOS}


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A rank-3 array as a PIL image; with `scale=True` values are min-max scaled to [0, 255]."""
    data_format = config.standardize_data_format(data_format)
    image = _require_pil("array_to_img")
    x = np.asarray(x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x /= peak
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:  # 16/32-bit grayscale keeps its range in PIL's "I" mode
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image as a rank-3 float array (channels last unless `data_format="channels_first"`)."""
    data_format = config.standardize_data_format(data_format)
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        shape = (1,) + x.shape if data_format == "channels_first" else x.shape + (1,)
        x = x.reshape(shape)
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves an image array; the format comes from `file_format` or the path's suffix."""
    data_format = config.standardize_data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def _crop_box(width, height, target_width, target_height):
    """The centred box of the target aspect ratio (keep_aspect_ratio), as PIL's (l, t, r, b)."""
    crop_h = min(height, (width * target_height) // target_width)
    crop_w = min(width, (height * target_width) // target_height)
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return [left, top, left + crop_w, top + crop_h]


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """Loads an image file (path or BytesIO) as a PIL image in `color_mode`, optionally resized to
    `target_size=(height, width)` with PIL's `interpolation`."""
    image = _require_pil("load_img")
    if isinstance(path, io.BytesIO):
        img = image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            img = image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if target_size is not None:
        size = (target_size[1], target_size[0])
        if img.size != size:
            methods = pil_interpolation_methods()
            if interpolation not in methods:
                raise ValueError(f"Invalid interpolation method {interpolation} specified. Supported methods "
                                 f"are {', '.join(methods.keys())}")
            box = _crop_box(*img.size, *size) if keep_aspect_ratio else None
            img = img.resize(size, methods[interpolation], box=box)
    return img


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", **kwargs):
    """Resizes to `size` after cropping the largest centred window of the target aspect ratio.
    numpy in, numpy out; tensors in, tensors out."""
    import torch

    from torchkeras.ops.image_resize import resize
    kwargs.pop("backend_module", None)
    if kwargs:
        raise TypeError(f"smart_resize() got unexpected keyword arguments: {list(kwargs.keys())}")
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    img = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if img.dim() < 3 or img.dim() > 4:
        raise ValueError("Expected an image array with shape `(height, width, channels)`, or `(batch_size, "
                         f"height, width, channels)`, but got input with incorrect rank, of shape {tuple(img.shape)}.")
    h_axis = -3 if data_format == "channels_last" else -2
    height, width = img.shape[h_axis], img.shape[h_axis + 1]
    th, tw = size
    crop_h = max(min(height, int(float(width * th) / tw)), 1)
    crop_w = max(min(width, int(float(height * tw) / th)), 1)
    top, left = int(float(height - crop_h) / 2), int(float(width - crop_w) / 2)
    img = img.narrow(img.dim() + h_axis, top, crop_h).narrow(img.dim() + h_axis + 1, left, crop_w)
    out = resize(img, size=size, interpolation=interpolation, data_format=data_format)
    if isinstance(x, np.ndarray):
        return np.asarray(out.detach().cpu().numpy() if hasattr(out, "detach") else out)
    return out
