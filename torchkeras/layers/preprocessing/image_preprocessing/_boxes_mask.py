"""Random rectangular masks shared by RandomErasing and CutMix."""

import torch


def crop_bounds(layer, n, length, ratio, seed):
    """Start/end of a window `ratio * length` long at a uniform random offset, per image."""
    crop = (ratio * length).float()
    start = layer.backend.random.uniform(shape=[n], minval=0, maxval=1, dtype=layer.compute_dtype, seed=seed)
    start = start * (length - crop)
    return start, start + crop


def box_masks(layer, shape, corners):
    """Boolean masks shaped like images (batched) that are True inside each image's box."""
    h_axis, w_axis = layer._spatial_axes()
    h, w = shape[h_axis], shape[w_axis]
    gy, gx = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    if layer.data_format == "channels_last":
        gy, gx = gy[None, :, :, None], gx[None, :, :, None]
    else:
        gy, gx = gy[None, None], gx[None, None]
    x0, x1, y0, y1 = (c.reshape(-1, 1, 1, 1) for c in corners)
    masks = (gx >= x0) & (gx < x1) & (gy >= y0) & (gy < y1)
    return masks.repeat_interleave(shape[layer._channel_axis()], dim=layer._channel_axis()), (x0, x1, y0, y1)
