"""STFTSpectrogram: framed DFT of a signal as two strided 1-D convolutions (real and imaginary)."""

import math
import warnings

import torch
import torch.nn.functional as F

from torchkeras import config, initializers
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer

_MODES = ["log", "magnitude", "psd", "real", "imag", "angle", "stft"]


def _window_values(window, length, periodic):
    """A window name the STFT initializer lacks (Keras takes any scipy window: "tukey", ...) becomes
    its values, from scipy.signal.get_window when scipy is installed."""
    if not isinstance(window, str):
        return window
    try:
        initializers.STFT("real", window, "density", periodic)
        return window
    except ValueError:
        try:
            import scipy.signal
        except ImportError:
            raise ValueError(f"Unsupported window {window!r}: install scipy for the windows of "
                             "scipy.signal.get_window, or pass the window values as an array.") from None
        return scipy.signal.get_window(window, length, fftbins=periodic)


class STFTSpectrogram(Layer):
    """Spectrogram of (batch, time, channels) signals; the DFT kernels are Keras weights
    `real_kernel` / `imag_kernel` of shape (frame_length, 1, fft_length // 2 + 1).

    Args:
        mode: "log", "magnitude", "psd", "real", "imag", "angle" or "stft".
        frame_length, frame_step (default frame_length // 2), fft_length (default the next power of 2).
        window: a window name ("hann", ...) or array; periodic: periodic window.
        scaling: "density", "spectrum" or None.
        padding: "valid" or "same"; expand_dims: keep channels as a separate last axis.
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None, window="hann",
                 periodic=False, scaling="density", padding="valid", expand_dims=False, data_format=None, **kwargs):
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError("`frame_step` should be a positive integer not greater than `frame_length`. "
                             f"Received frame_step={frame_step}, frame_length={frame_length}")
        if fft_length is not None and fft_length < frame_length:
            raise ValueError("`fft_length` should be not less than `frame_length`. "
                             f"Received fft_length={fft_length}, frame_length={frame_length}")
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(f"`fft_length` is recommended to be a power of two. Received fft_length={fft_length}",
                          stacklevel=2)
        if mode not in _MODES:
            raise ValueError(f"Output mode is invalid, it must be one of {', '.join(_MODES)}. Received: mode={mode}")
        if scaling is not None and scaling not in ["density", "spectrum"]:
            raise ValueError(f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. Received scaling={scaling}")
        if padding not in ["valid", "same"]:
            raise ValueError(f"Padding is invalid, it should be 'valid', 'same'. Received: padding={padding}")
        if isinstance(window, str):
            _window_values(window, 8, periodic)  # validates the window name
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        window = _window_values(self.window, self.frame_length, self.periodic)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(name="real_kernel", shape=shape, initializer=initializers.STFT(
                "real", window, self.scaling, self.periodic))
        if self.mode != "real":
            self.imag_kernel = self.add_weight(name="imag_kernel", shape=shape, initializer=initializers.STFT(
                "imag", window, self.scaling, self.periodic))

    def _conv(self, inputs, kernel):
        """(B, T, C) or (B, C, T) -> (B, C, bins, frames): every channel framed on its own."""
        x = inputs.transpose(1, 2) if self.data_format == "channels_last" else inputs
        batch, channels, time = x.shape
        x = x.reshape(batch * channels, 1, time)
        if self.padding == "same":
            frames = -(-time // self._frame_step)
            total = max((frames - 1) * self._frame_step + self.frame_length - time, 0)
            x = F.pad(x, (total // 2, total - total // 2))
        weight = kernel.to(x.dtype).permute(2, 1, 0)  # Keras (k, 1, bins) -> torch (bins, 1, k)
        out = F.conv1d(x, weight, stride=self._frame_step)
        return out.reshape(batch, channels, out.shape[1], out.shape[2])

    def _adjust(self, out):
        batch, channels, bins, frames = out.shape
        if self.data_format == "channels_last":
            if self.expand_dims:
                return out.permute(0, 3, 2, 1)
            return out.reshape(batch, channels * bins, frames).transpose(1, 2)
        if self.expand_dims:
            return out.transpose(2, 3)
        return out.reshape(batch, channels * bins, frames)

    def call(self, inputs):
        if inputs.dtype not in (torch.float16, torch.float32, torch.float64):
            raise TypeError("Invalid input type. Expected `float16`, `float32` or `float64`. "
                            f"Received: input type={str(inputs.dtype).replace('torch.', '')}")
        real = self._conv(inputs, self.real_kernel) if self.mode != "imag" else None
        imag = self._conv(inputs, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            return self._adjust(real)
        if self.mode == "imag":
            return self._adjust(imag)
        if self.mode == "angle":
            return self._adjust(torch.atan2(imag, real))
        if self.mode == "stft":
            return self._adjust(torch.cat([real, imag], dim=2))
        power = real.square() + imag.square()
        if self.mode == "psd":
            # One-sided density: interior bins count twice.
            return self._adjust(power + F.pad(power[:, :, 1:-1, :], (0, 0, 1, 1)))
        eps = config.epsilon()
        magnitude = self._adjust(torch.sqrt(torch.clamp(power, min=eps)))
        if self.mode == "magnitude":
            return magnitude
        return torch.log(torch.clamp(magnitude, min=eps))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        last = self.data_format == "channels_last"
        channels = input_shape[-1] if last else input_shape[1]
        time = input_shape[1] if last else input_shape[2]
        bins = self._fft_length // 2 + 1
        if self.mode == "stft":
            bins *= 2
        if time is None:
            frames = None
        elif self.padding == "same":
            frames = -(-time // self._frame_step)
        else:
            frames = (time - self.frame_length) // self._frame_step + 1
        if self.expand_dims:
            return (input_shape[0], frames, bins, channels) if last else (input_shape[0], channels, frames, bins)
        features = None if channels is None else bins * channels
        return (input_shape[0], frames, features) if last else (input_shape[0], features, frames)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"mode": self.mode, "frame_length": self.frame_length, "frame_step": self.frame_step,
                    "fft_length": self.fft_length, "window": self.window, "periodic": self.periodic,
                    "scaling": self.scaling, "padding": self.padding, "data_format": self.data_format,
                    "expand_dims": self.expand_dims})
        return cfg
