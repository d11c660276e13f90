"""tf.config on torch: devices are the CPU and torch's CUDA devices; memory growth is torch's default
behaviour (a no-op); threading maps to torch's intra-op threads."""

import collections

import torch

from torchkeras.porting.tf._core import Namespace, namespace_getattr

__getattr__ = namespace_getattr("tf.config")

PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])


def list_physical_devices(device_type=None):
    devices = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    if torch.cuda.is_available():
        devices += [PhysicalDevice(f"/physical_device:GPU:{i}", "GPU") for i in range(torch.cuda.device_count())]
    if device_type is None:
        return devices
    return [d for d in devices if d.device_type == str(device_type).upper()]


def list_logical_devices(device_type=None):
    return [LogicalDevice(d.name.replace("physical_device", "device"), d.device_type)
            for d in list_physical_devices(device_type)]


get_visible_devices = list_physical_devices


def set_visible_devices(devices, device_type=None):
    """Accepted; torch sees the devices CUDA_VISIBLE_DEVICES gives it."""


def set_memory_growth(device, enable):
    """No-op: torch's caching allocator already takes GPU memory as it is needed."""
    if not isinstance(device, PhysicalDevice):
        raise ValueError(f"set_memory_growth expects a device from tf.config.list_physical_devices(); "
                         f"received {device!r}.")


def get_memory_growth(device):
    return True


def set_logical_device_configuration(device, logical_devices):
    """Accepted; torch has no logical device split."""


def run_functions_eagerly(run_eagerly):
    """torch always runs eagerly."""


def functions_run_eagerly():
    return True


def set_soft_device_placement(enabled):
    """Accepted; torch places nothing implicitly."""


def get_soft_device_placement():
    return True


def enable_tensor_float_32_execution(enabled):
    torch.backends.cuda.matmul.allow_tf32 = bool(enabled)
    torch.backends.cudnn.allow_tf32 = bool(enabled)


def tensor_float_32_execution_enabled():
    return torch.backends.cuda.matmul.allow_tf32


def get_device_details(device):
    if device.device_type == "GPU" and torch.cuda.is_available():
        index = int(device.name.rsplit(":", 1)[1])
        cap = torch.cuda.get_device_capability(index)
        return {"device_name": torch.cuda.get_device_name(index), "compute_capability": cap}
    return {}


def _ns(name, **members):
    return Namespace(name, **members)


LogicalDeviceConfiguration = collections.namedtuple("LogicalDeviceConfiguration", ["memory_limit"],
                                                    defaults=[None])
experimental = _ns(
    "tf.config.experimental", set_memory_growth=set_memory_growth, get_memory_growth=get_memory_growth,
    list_physical_devices=list_physical_devices, list_logical_devices=list_logical_devices,
    get_visible_devices=get_visible_devices, set_visible_devices=set_visible_devices,
    enable_tensor_float_32_execution=enable_tensor_float_32_execution,
    tensor_float_32_execution_enabled=tensor_float_32_execution_enabled,
    set_virtual_device_configuration=set_logical_device_configuration,
    VirtualDeviceConfiguration=LogicalDeviceConfiguration, get_device_details=get_device_details,
    enable_op_determinism=lambda: torch.use_deterministic_algorithms(True, warn_only=True),
    reset_memory_stats=lambda device: torch.cuda.reset_peak_memory_stats() if torch.cuda.is_available() else None,
    get_memory_info=lambda device: {"current": torch.cuda.memory_allocated() if torch.cuda.is_available() else 0,
                                    "peak": torch.cuda.max_memory_allocated() if torch.cuda.is_available() else 0})
threading = _ns(
    "tf.config.threading",
    set_intra_op_parallelism_threads=lambda n: torch.set_num_threads(int(n)) if n else None,
    set_inter_op_parallelism_threads=lambda n: None,
    get_intra_op_parallelism_threads=torch.get_num_threads,
    get_inter_op_parallelism_threads=lambda: 0)
optimizer = _ns("tf.config.optimizer", set_jit=lambda enabled: None, get_jit=lambda: "",
                set_experimental_options=lambda options: None, get_experimental_options=lambda: {})
