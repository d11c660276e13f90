#!/usr/bin/env bash
# The GPU checks, for a session lent a CUDA machine (CI never runs this): the CUDA tests (CUDA
# training vs CPU, fused cuDNN LSTM, mixed float16 with loss scaling, inductor jit_compile, the
# Embedding occurrence rule on CUDA), then benchmarks/bench_gpu.py. Logs and results go to $OUT.
set -o pipefail
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/gpu_checks}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
python3 -c "import sys, torch; print(sys.version.split()[0], torch.__version__, torch.cuda.get_device_name())"
timeout 240 python3 -m pytest tests/test_gpu.py tests/test_sparse_grads.py tests/test_compile.py \
    -q -p no:cacheprovider -rs 2>&1 | tee "$OUT/gpu_tests.log"
tests=$?
timeout 300 python3 -m benchmarks.bench_gpu --kernels --out "$OUT/results_gpu.md" 2>&1 | tee "$OUT/bench_gpu.log"
bench=$?
echo "tests rc=$tests bench rc=$bench"
exit $((tests || bench))
