"""Keras-suite fixes in ops, losses and mixed_precision: symbolic control flow, unstack checks,
sparse categorical crossentropy along another class axis, Keras's shape-mismatch wording."""

import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import losses, ops
from torchkeras.keras_tensor import KerasTensor


def test_map_and_vectorized_map_on_symbolic_inputs():
    xs = KerasTensor((None, 5))
    assert tuple(ops.map(lambda x: x ** 2, xs).shape) == (None, 5)
    ys = ops.vectorized_map(lambda x: {"a": x * 2, "b": x[:2]}, xs)
    assert tuple(ys["a"].shape) == (None, 5)
    assert tuple(ys["b"].shape) == (None, 2)


def test_scan_associative_scan_loops_on_symbolic_inputs():
    carry, ys = ops.scan(lambda c, x: (c + x, c), KerasTensor((4,)), KerasTensor((6, 4)))
    assert tuple(carry.shape) == (4,) and tuple(ys.shape) == (6, 4)
    out = ops.associative_scan(lambda a, b: a + b, KerasTensor((None, 6)), axis=0)
    assert tuple(out.shape) == (None, 6)
    assert tuple(ops.fori_loop(0, 3, lambda i, x: x + i, KerasTensor((3, None))).shape) == (3, None)
    assert tuple(ops.while_loop(lambda x: x[0] < 3, lambda x: x + 1, KerasTensor((None,))).shape) == (None,)
    res = ops.switch(KerasTensor((), dtype="int32"), [lambda x: x[:, 0]], KerasTensor((None, 2)))
    assert tuple(res.shape) == (None,)
    out = ops.cond(KerasTensor((), dtype="bool"), lambda: ops.ones((1, 3)), lambda: ops.zeros((1, 3)))
    assert tuple(out.shape) == (1, 3)


def test_control_flow_eager_values_unchanged():
    x = np.arange(6, dtype="float32").reshape(3, 2)
    np.testing.assert_allclose(ops.associative_scan(lambda a, b: a + b, x, axis=0).numpy(), np.cumsum(x, axis=0))
    np.testing.assert_allclose(ops.map(lambda r: r * 2, x).numpy(), x * 2)
    assert float(ops.while_loop(lambda v: v < 5, lambda v: v + 2, torch.tensor(0.0))) == 6.0


def test_unstack_symbolic_and_errors():
    out = ops.unstack(KerasTensor((2, None, None)), num=3, axis=1)
    assert len(out) == 3 and all(tuple(o.shape) == (2, None) for o in out)
    with pytest.raises(ValueError, match="Cannot infer argument `num` from shape"):
        ops.unstack(KerasTensor((2, None, None)), axis=1)
    with pytest.raises(ValueError, match="axis 10 is out of bounds"):
        ops.unstack(KerasTensor((3, 4)), axis=10)
    with pytest.raises(ValueError, match="axis 10 is out of bounds"):
        ops.unstack(np.zeros((3, 4)), axis=10)


def _sparse_ce(labels, probs):
    # independent reference: -log(p[label] / sum p) per position, classes last
    probs = np.clip(probs, 1e-7, 1 - 1e-7)
    probs = probs / probs.sum(-1, keepdims=True)
    return -np.log(np.take_along_axis(probs, labels[..., None], -1)[..., 0])


def test_sparse_categorical_crossentropy_other_axis():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=(2, 4, 5))
    probs = rng.random((2, 4, 5, 3)).astype("float32")
    channels_first = np.moveaxis(probs, -1, 1)
    got = losses.sparse_categorical_crossentropy(labels, channels_first, axis=1)
    np.testing.assert_allclose(np.asarray(got), _sparse_ce(labels, probs), rtol=1e-5)
    # labels with a singleton class axis at the same position
    got = losses.sparse_categorical_crossentropy(labels[:, None], channels_first, axis=1)
    assert tuple(got.shape) == (2, 4, 5)
    loss = losses.SparseCategoricalCrossentropy(axis=1)(labels, channels_first)
    np.testing.assert_allclose(float(loss), _sparse_ce(labels, probs).mean(), rtol=1e-5)


def test_shape_mismatch_messages_use_keras_wording():
    y_pred = np.array([[0.9, 0.05, 0.05], [0.5, 0.89, 0.6]])
    with pytest.raises(ValueError, match="must have the same shape"):
        losses.BinaryCrossentropy()(np.array([[0], [1]]), y_pred)
    with pytest.raises(ValueError, match="must have the same shape"):
        losses.CategoricalCrossentropy()(np.array([[0], [1]]), y_pred)


def test_mixed_precision_reexports_keras_classes():
    mp = torchkeras.mixed_precision
    assert mp.DTypePolicy is torchkeras.dtype_policies.DTypePolicy
    assert mp.Policy is torchkeras.dtype_policies.DTypePolicy
    assert mp.LossScaleOptimizer is torchkeras.optimizers.LossScaleOptimizer
    try:
        mp.set_global_policy("mixed_float16")
        policy = mp.global_policy()
        assert isinstance(policy, torchkeras.dtype_policies.DTypePolicy)
        assert (policy.compute_dtype, policy.variable_dtype) == ("float16", "float32")
    finally:
        mp.set_global_policy(None)


def _param(values):
    return torch.nn.Parameter(torch.tensor(values, dtype=torch.float32))


def test_optimizer_variables_answer_value_and_assign():
    opt = torchkeras.optimizers.Adam(learning_rate=0.1)
    p = _param([1.0, 2.0])
    opt.apply([torch.ones(2)], [p])
    variables = opt.variables
    assert int(variables[0].value) == 1
    variables[0].assign(7)
    assert int(opt.iterations) == 7
    variables[2].assign(torch.full((2,), 3.0))  # first moment slot shares the optimizer's state
    np.testing.assert_allclose(opt.variables[2].value.numpy(), [3.0, 3.0])


def test_set_weights_copies_state_and_requires_build():
    p = _param([[1.0, 2.0], [3.0, 4.0]])
    opt_1 = torchkeras.optimizers.Adam()
    opt_1.apply([torch.tensor([[1.0, 2.0], [3.0, 4.0]])], [p])
    opt_2 = torchkeras.optimizers.Adam()
    with pytest.raises(ValueError, match="You are calling `set_weights"):
        opt_2.set_weights(opt_1.variables)
    opt_2.build([p])
    opt_2.set_weights(opt_1.variables)
    for a, b in zip(opt_1.variables, opt_2.variables):
        np.testing.assert_allclose(a.value.numpy(), b.value.numpy())


def test_stateless_apply_returns_new_values_and_keeps_state():
    p = _param([1.0, 2.0, 3.0, 4.0])
    opt = torchkeras.optimizers.SGD(learning_rate=0.5, momentum=0.9)
    opt.build([p])
    before = [v.value.clone() for v in opt.variables]
    grads = [torch.tensor([1.0, 6.0, 7.0, 2.0])]
    new_vars, new_state = opt.stateless_apply(before, grads, [torch.tensor([1.0, 1.0, 1.0, 1.0])])
    # SGD with momentum from zero velocity: v = -lr * g; w = w + v
    np.testing.assert_allclose(new_vars[0].numpy(), 1.0 - 0.5 * np.array([1.0, 6.0, 7.0, 2.0]))
    assert int(new_state[0]) == 1
    np.testing.assert_allclose(p.detach().numpy(), [1.0, 2.0, 3.0, 4.0])
    assert int(opt.iterations) == 0
    for old, now in zip(before, opt.variables):
        np.testing.assert_allclose(old.numpy(), now.value.numpy())


def test_loss_scale_optimizer_stateless_apply_and_downscaling():
    lso = torchkeras.optimizers.LossScaleOptimizer(torchkeras.optimizers.SGD(learning_rate=0.5),
                                                   initial_scale=400.0)
    p = _param([1.0, 2.0, 3.0, 4.0])
    lso.build([p])
    state = [v.value for v in lso.variables]
    grads = [torch.full((4,), float("inf"))]
    for _ in range(4):
        _, state = lso.stateless_apply(state, grads, [p.detach().clone()])
        for ref, value in zip(lso.variables, state):
            ref.assign(value)
    assert float(lso.scale_loss(1.0)) == 400.0 / 16
    scaled = [torch.tensor([1.0, 6.0, 7.0, 2.0]) * lso.dynamic_scale]
    new_vars, _ = lso.stateless_apply([v.value for v in lso.variables], scaled, [p.detach().clone()])
    np.testing.assert_allclose(new_vars[0].numpy(), [0.5, -1.0, -0.5, 3.0], rtol=1e-5)


def test_overwrite_with_gradient_variables_take_their_gradient():
    p, q = _param([[1.0, 2.0], [3.0, 4.0]]), _param([[1.0, 2.0], [3.0, 4.0]])
    p.overwrite_with_gradient = True
    opt = torchkeras.optimizers.SGD(learning_rate=1.0)
    opt.apply_gradients([(torch.ones(2, 2), p), (torch.ones(2, 2), q)])
    np.testing.assert_allclose(p.detach().numpy(), np.ones((2, 2)))
    np.testing.assert_allclose(q.detach().numpy(), [[0.0, 1.0], [2.0, 3.0]])
    assert int(opt.iterations) == 1


def test_segment_reduce_validation():
    with pytest.raises(ValueError, match="should be an 1-D vector"):
        ops.segment_sum(np.array([1.0, 2, 3, 4]), np.array([[0, 0], [1, 1]]))
    with pytest.raises(ValueError, match="should have same leading dimension"):
        ops.segment_max(np.array([], dtype="float32"), np.array([0, 0, 1, 1]))
    assert tuple(ops.segment_sum(KerasTensor((10, 4)), KerasTensor((10,), dtype="int32"),
                                 num_segments=5).shape) == (5, 4)


def test_convert_to_tensor_numpy_bfloat16():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    arr = np.array([1.5, -2.0], dtype=ml_dtypes.bfloat16)
    t = ops.convert_to_tensor(arr)
    assert t.dtype == torch.bfloat16
    np.testing.assert_array_equal(t.float().numpy(), [1.5, -2.0])


@pytest.mark.parametrize("fn", [ops.nn.depth_to_space, ops.nn.space_to_depth])
def test_depth_space_block_size_must_be_at_least_two(fn):
    x = torch.arange(48, dtype=torch.float32).reshape(1, 2, 2, 12)
    for bad in (0, 1):
        with pytest.raises(ValueError, match="`block_size` must be at least 2"):
            fn(x, block_size=bad)
