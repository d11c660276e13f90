"""Pooling layers (Keras `keras.layers.*Pooling*`)."""

from torchkeras.layers.pooling.adaptive_average_pooling1d import AdaptiveAveragePooling1D
from torchkeras.layers.pooling.adaptive_average_pooling2d import AdaptiveAveragePooling2D
from torchkeras.layers.pooling.adaptive_average_pooling3d import AdaptiveAveragePooling3D
from torchkeras.layers.pooling.adaptive_max_pooling1d import AdaptiveMaxPooling1D
from torchkeras.layers.pooling.adaptive_max_pooling2d import AdaptiveMaxPooling2D
from torchkeras.layers.pooling.adaptive_max_pooling3d import AdaptiveMaxPooling3D
from torchkeras.layers.pooling.average_pooling1d import AveragePooling1D
from torchkeras.layers.pooling.average_pooling2d import AveragePooling2D
from torchkeras.layers.pooling.average_pooling3d import AveragePooling3D
from torchkeras.layers.pooling.global_average_pooling1d import GlobalAveragePooling1D
from torchkeras.layers.pooling.global_average_pooling2d import GlobalAveragePooling2D
from torchkeras.layers.pooling.global_average_pooling3d import GlobalAveragePooling3D
from torchkeras.layers.pooling.global_max_pooling1d import GlobalMaxPooling1D
from torchkeras.layers.pooling.global_max_pooling2d import GlobalMaxPooling2D
from torchkeras.layers.pooling.global_max_pooling3d import GlobalMaxPooling3D
from torchkeras.layers.pooling.max_pooling1d import MaxPooling1D
from torchkeras.layers.pooling.max_pooling2d import MaxPooling2D
from torchkeras.layers.pooling.max_pooling3d import MaxPooling3D

# Keras's exported aliases.
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D

__all__ = [
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
    "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D",
    "GlobalAvgPool3D",
    "AdaptiveAveragePooling1D", "AdaptiveMaxPooling1D", "AdaptiveAveragePooling2D",
    "AdaptiveMaxPooling2D", "AdaptiveAveragePooling3D", "AdaptiveMaxPooling3D",
]
