"""MelSpectrogram: |STFT|^mag_exp projected on a mel filter bank, optionally in decibels."""

import torch

from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing.image_preprocessing._tf_data import is_tf_input, tf_data_call

_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _hertz_to_mel(hz):
    return _MEL_HIGH_FREQUENCY_Q * torch.log(1.0 + hz / _MEL_BREAK_FREQUENCY_HERTZ)


def linear_to_mel_weight_matrix(num_mel_bins, num_spectrogram_bins, sampling_rate, lower_edge_hertz,
                                upper_edge_hertz, dtype=torch.float32):
    """(num_spectrogram_bins, num_mel_bins) triangular filters (tf.signal's; the DC bin is zero)."""
    nyquist = torch.tensor(float(sampling_rate), dtype=dtype) / 2.0
    linear = torch.linspace(0.0, float(nyquist), num_spectrogram_bins, dtype=dtype)[1:]
    spectrogram_bins_mel = _hertz_to_mel(linear).unsqueeze(1)
    edges = torch.linspace(float(_hertz_to_mel(torch.tensor(float(lower_edge_hertz), dtype=dtype))),
                           float(_hertz_to_mel(torch.tensor(float(upper_edge_hertz), dtype=dtype))),
                           num_mel_bins + 2, dtype=dtype)
    lower, center, upper = edges[:-2].unsqueeze(0), edges[1:-1].unsqueeze(0), edges[2:].unsqueeze(0)
    lower_slopes = (spectrogram_bins_mel - lower) / (center - lower)
    upper_slopes = (upper - spectrogram_bins_mel) / (upper - center)
    weights = torch.clamp(torch.minimum(lower_slopes, upper_slopes), min=0.0)
    return torch.nn.functional.pad(weights, (0, 0, 1, 0))


class MelSpectrogram(Layer):
    """Mel spectrogram of (batch, samples) or (samples,) audio: output (batch, num_mel_bins, frames).

    Args:
        fft_length, sequence_stride, sequence_length (default fft_length), window ("hann"/"hamming"/None),
        sampling_rate, num_mel_bins, min_freq, max_freq (default sampling_rate / 2),
        power_to_db, top_db, mag_exp (2: power), min_power, ref_power: as Keras.
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None, window="hann",
                 sampling_rate=16000, num_mel_bins=128, min_freq=20.0, max_freq=None, power_to_db=True,
                 top_db=80.0, mag_exp=2.0, min_power=1e-10, ref_power=1.0, **kwargs):
        self_sequence_length = sequence_length or fft_length
        if fft_length < self_sequence_length:
            raise ValueError("`fft_length` must be greater than or equal to   `sequence_length`. Received: "
                             f"`sequence_length`={self_sequence_length}, `fft_length`={fft_length}.")
        if isinstance(window, str) and window not in ("hann", "hamming"):
            raise ValueError('If a string is passed to `window`, it must be one of `"hann"`, `"hamming"`. '
                             f"Received: window={window}")
        super().__init__(**kwargs)
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = self_sequence_length
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power

    def forward(self, inputs, *args, **kwargs):
        # As Keras's preprocessing layers: usable inside a tf.data pipeline (`dataset.map(layer)`).
        if type(inputs) is not torch.Tensor and is_tf_input(inputs):
            return tf_data_call(lambda v: self(v, *args, **kwargs), inputs)
        return super().forward(inputs, *args, **kwargs)

    def _window(self, dtype, device):
        n = self.sequence_length
        if self.window is None:
            return torch.ones(n, dtype=dtype, device=device)
        if isinstance(self.window, str):
            fn = torch.hann_window if self.window == "hann" else torch.hamming_window
            return fn(n, periodic=True, dtype=dtype, device=device)
        return torch.as_tensor(self.window, dtype=dtype, device=device)

    def call(self, inputs):
        dtype = inputs.dtype if inputs.dtype in (torch.float32, torch.float64) else torch.float32
        x = inputs.to(dtype)
        batch_shape, samples = x.shape[:-1], x.shape[-1]
        spec = torch.stft(x.reshape(-1, samples), n_fft=self.fft_length, hop_length=self.sequence_stride,
                          win_length=self.sequence_length, window=self._window(dtype, x.device), center=True,
                          return_complex=True)
        spec = spec.reshape(*batch_shape, spec.shape[-2], spec.shape[-1]).transpose(-1, -2)
        power = torch.sqrt(spec.real.square() + spec.imag.square()) ** self.mag_exp
        matrix = linear_to_mel_weight_matrix(self.num_mel_bins, power.shape[-1], self.sampling_rate, self.min_freq,
                                             self.max_freq).to(device=x.device, dtype=dtype)
        out = torch.tensordot(power, matrix, dims=1)
        if self.power_to_db:
            out = self._dbscale(out)
        return out.transpose(-1, -2).to(inputs.dtype if inputs.is_floating_point() else dtype)

    def _dbscale(self, inputs):
        log_spec = 10.0 * torch.log10(torch.clamp(inputs, min=self.min_power))
        ref = torch.tensor(abs(self.ref_power), dtype=inputs.dtype, device=inputs.device)
        log_spec = log_spec - 10.0 * torch.log10(torch.clamp(ref, min=self.min_power))
        # Keras clips against the maximum of the whole batch, not per example.
        return torch.maximum(log_spec, log_spec.max() - self.top_db)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        time = input_shape[-1]
        frames = (time + self.sequence_stride + 1) // self.sequence_stride if time is not None else None
        if len(input_shape) == 1:
            return (self.num_mel_bins, frames)
        return (input_shape[0], self.num_mel_bins, frames)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"fft_length": self.fft_length, "sequence_stride": self.sequence_stride,
                    "sequence_length": self.sequence_length, "window": self.window,
                    "sampling_rate": self.sampling_rate, "num_mel_bins": self.num_mel_bins,
                    "min_freq": self.min_freq, "max_freq": self.max_freq, "power_to_db": self.power_to_db,
                    "top_db": self.top_db, "mag_exp": self.mag_exp, "min_power": self.min_power,
                    "ref_power": self.ref_power})
        return cfg
