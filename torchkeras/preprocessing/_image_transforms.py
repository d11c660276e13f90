"""Keras 2's image transform helpers (keras.preprocessing.image.apply_affine_transform & co.):
numpy in, numpy out; the affine warp is scipy.ndimage's, as in Keras 2."""

import numpy as np

from torchkeras.utils import image_utils


def _ndimage():
    try:
        from scipy import ndimage
    except ImportError:
        raise ImportError("Image transformations require SciPy. Install SciPy "
                          "(`pip install scipy` or `pip install torchkeras[image]`).") from None
    return ndimage


def transform_matrix_offset_center(matrix, x, y):
    """`matrix` re-centred so that it acts about the image centre instead of pixel (0, 0)."""
    o_x, o_y = float(x) / 2 - 0.5, float(y) / 2 - 0.5
    to_center = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    from_center = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return to_center @ matrix @ from_center


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1, col_axis=2, channel_axis=0,
                           fill_mode="nearest", cval=0.0, order=1):
    """Rotation (degrees), shift (pixels; tx along rows), shear (degrees) and zoom of one image."""
    steps = []
    if theta != 0:
        t = np.deg2rad(theta)
        steps.append(np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        steps.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        s = np.deg2rad(shear)
        steps.append(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        steps.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    if not steps:
        return x
    matrix = steps[0]
    for step in steps[1:]:
        matrix = matrix @ step
    matrix = transform_matrix_offset_center(matrix, x.shape[row_axis], x.shape[col_axis])
    ndimage = _ndimage()
    channels = np.moveaxis(x, channel_axis, 0)
    warped = [ndimage.affine_transform(c, matrix[:2, :2], matrix[:2, 2], order=order, mode=fill_mode, cval=cval)
              for c in channels]
    return np.moveaxis(np.stack(warped, axis=0), 0, channel_axis)


def apply_channel_shift(x, intensity, channel_axis=0):
    channels = np.moveaxis(x, channel_axis, 0)
    low, high = np.min(channels), np.max(channels)
    shifted = np.stack([np.clip(c + intensity, low, high) for c in channels], axis=0)
    return np.moveaxis(shifted, 0, channel_axis)


def apply_brightness_shift(x, brightness, scale=True):
    """PIL's ImageEnhance.Brightness on the image (values outside [0, 255] are rescaled around it)."""
    from PIL import ImageEnhance
    low, high = np.min(x), np.max(x)
    local_scale = (low < 0) or (high > 255)
    img = image_utils.array_to_img(x, scale=local_scale or scale)
    x = image_utils.img_to_array(ImageEnhance.Brightness(img).enhance(brightness))
    if not scale and local_scale:
        x = x / 255 * (high - low) + low
    return x


def flip_axis(x, axis):
    return np.flip(np.asarray(x), axis).copy()


def _rcc(row_axis, col_axis, channel_axis):
    return dict(row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis)


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                    interpolation_order=1):
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, fill_mode=fill_mode, cval=cval, order=interpolation_order,
                                  **_rcc(row_axis, col_axis, channel_axis))


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1):
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx, ty = np.random.uniform(-hrg, hrg) * h, np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, fill_mode=fill_mode, cval=cval, order=interpolation_order,
                                  **_rcc(row_axis, col_axis, channel_axis))


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1):
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, fill_mode=fill_mode, cval=cval, order=interpolation_order,
                                  **_rcc(row_axis, col_axis, channel_axis))


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                interpolation_order=1):
    if len(zoom_range) != 2:
        raise ValueError(f"`zoom_range` should be a tuple or list of two floats. Received: {zoom_range}")
    zx, zy = (1, 1) if zoom_range[0] == 1 and zoom_range[1] == 1 else np.random.uniform(*zoom_range, 2)
    return apply_affine_transform(x, zx=zx, zy=zy, fill_mode=fill_mode, cval=cval, order=interpolation_order,
                                  **_rcc(row_axis, col_axis, channel_axis))


def random_channel_shift(x, intensity_range, channel_axis=0):
    return apply_channel_shift(x, np.random.uniform(-intensity_range, intensity_range), channel_axis)


def random_brightness(x, brightness_range, scale=True):
    if len(brightness_range) != 2:
        raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}")
    return apply_brightness_shift(x, np.random.uniform(brightness_range[0], brightness_range[1]), scale)
