"""ContrastLimitedAdaptiveHistogramEqualization (CLAHE): tile-wise histogram equalization with a
clipped histogram, bilinearly interpolated between the tiles' mappings."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)


class ContrastLimitedAdaptiveHistogramEqualization(BaseImagePreprocessingLayer):
    """CLAHE on each channel (applied in training and inference alike, as Keras).

    Args:
        value_range: the (min, max) of the input pixels (default (0, 255)).
        clip_limit: histogram bins are clipped at `clip_limit * tile_pixels / 256` and the excess
            spread evenly (<= 0 disables clipping). Default 4.0.
        tile_grid_size: (rows, columns) of tiles (default (8, 8)).
        data_format: "channels_last" (default) or "channels_first".

    The output keeps the input dtype.
    """

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.clip_limit = clip_limit
        self.tile_grid_size = tile_grid_size

    def transform_images(self, images, transformation=None, training=True):
        dtype = images.dtype
        x = images.movedim(-3, -1) if self.data_format == "channels_first" else images
        x = self._transform_value_range(x, self.value_range, (0, 255), dtype="float32")
        x = self._clahe(x)
        x = self._transform_value_range(x, (0, 255), self.value_range, dtype="float32").to(dtype)
        return x.movedim(-1, -3) if self.data_format == "channels_first" else x

    def _clahe(self, images):
        unbatched = images.ndim == 3
        x = images.unsqueeze(0) if unbatched else images
        b, h, w, c = x.shape
        gh, gw = self.tile_grid_size
        th, tw = (h + gh - 1) // gh, (w + gw - 1) // gw
        ph, pw = th * gh - h, tw * gw - w
        if ph or pw:
            # numpy's "symmetric" padding (edge sample repeated) on the bottom / right
            nchw = x.permute(0, 3, 1, 2)
            rows = torch.cat([nchw, nchw.flip(2)[:, :, :ph]], dim=2) if ph else nchw
            nchw = torch.cat([rows, rows.flip(3)[:, :, :, :pw]], dim=3) if pw else rows
            x = nchw.permute(0, 2, 3, 1)
        tiles = x.reshape(b, gh, th, gw, tw, c).permute(0, 1, 3, 5, 2, 4).reshape(b, gh, gw, c, th * tw)
        pix = tiles.to(torch.int32).clamp(0, 255).long()
        hists = torch.zeros(b, gh, gw, c, 256, dtype=torch.float32, device=x.device)
        hists.scatter_add_(-1, pix, torch.ones_like(pix, dtype=torch.float32))
        if self.clip_limit > 0:
            limit = float(self.clip_limit * (th * tw) / 256.0)
            clipped = hists.clamp(0, limit)
            hists = clipped + (hists - clipped).sum(-1, keepdim=True) / 256.0
        cdf = torch.cumsum(hists, -1)
        cdf_min = cdf.amin(-1, keepdim=True)
        denom = float(th * tw) - cdf_min
        denom = torch.where(denom == 0, torch.ones_like(denom), denom)
        cdf = ((cdf - cdf_min) * 255.0 / denom).clamp(0, 255)
        # one extra tile row/column of edge copies on each side, so border pixels interpolate flat
        cdf = torch.cat([cdf[:, :1], cdf, cdf[:, -1:]], dim=1)
        cdf = torch.cat([cdf[:, :, :1], cdf, cdf[:, :, -1:]], dim=2)
        gy = (torch.arange(th * gh, dtype=torch.float32, device=x.device) - th / 2.0) / th + 1.0
        gx = (torch.arange(tw * gw, dtype=torch.float32, device=x.device) - tw / 2.0) / tw + 1.0
        y0, x0 = torch.floor(gy), torch.floor(gx)
        wy, wx = (gy - y0)[None, :, None, None], (gx - x0)[None, None, :, None]
        y0, y1 = y0.clamp(0, gh + 1).long(), (y0 + 1).clamp(0, gh + 1).long()
        x0, x1 = x0.clamp(0, gw + 1).long(), (x0 + 1).clamp(0, gw + 1).long()
        pixels = x.clamp(0, 255).to(torch.int32).long()
        bi = torch.arange(b, device=x.device)[:, None, None, None]
        ci = torch.arange(c, device=x.device)[None, None, None, :]

        def at(yy, xx):
            return cdf[bi, yy[None, :, None, None], xx[None, None, :, None], ci, pixels]
        top = at(y0, x0) * (1.0 - wx) + at(y0, x1) * wx
        bottom = at(y1, x0) * (1.0 - wx) + at(y1, x1) * wx
        out = (top * (1.0 - wy) + bottom * wy)[:, :h, :w, :]
        return out.squeeze(0) if unbatched else out

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return segmentation_masks

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"value_range": self.value_range, "clip_limit": self.clip_limit,
                    "tile_grid_size": self.tile_grid_size, "data_format": self.data_format})
        return cfg


