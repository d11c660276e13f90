from torchkeras.layers.merging.add import Add, add
from torchkeras.layers.merging.average import Average, average
from torchkeras.layers.merging.base_merge import Merge
from torchkeras.layers.merging.concatenate import Concatenate, concatenate
from torchkeras.layers.merging.dot import Dot, dot
from torchkeras.layers.merging.maximum import Maximum, maximum
from torchkeras.layers.merging.minimum import Minimum, minimum
from torchkeras.layers.merging.multiply import Multiply, multiply
from torchkeras.layers.merging.subtract import Subtract, subtract
