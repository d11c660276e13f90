"""keras.ops.nn, keras.ops.linalg and keras.ops.image against independent numpy formulas."""

import colorsys

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import ops

R = np.random.default_rng(2)


def close(ours, ref, atol=1e-5):
    np.testing.assert_allclose(ops.convert_to_numpy(ours), np.asarray(ref), rtol=1e-5, atol=atol)


def np_conv1d(x, k, stride, padding):
    """Direct cross-correlation over (batch, length, in) with a (width, in, out) kernel, TF padding."""
    n, width = x.shape[1], k.shape[0]
    if padding == "same":
        out = -(-n // stride)
        total = max((out - 1) * stride + width - n, 0)
        x = np.pad(x, ((0, 0), (total // 2, total - total // 2), (0, 0)))
    steps = (x.shape[1] - width) // stride + 1
    return np.stack([np.einsum("bwi,wio->bo", x[:, t * stride:t * stride + width], k) for t in range(steps)], 1)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_conv_matches_direct_sum(padding, stride):
    x = R.normal(size=(2, 10, 3)).astype("float32")
    k = R.normal(size=(4, 3, 5)).astype("float32")
    close(ops.conv(x, k, stride, padding), np_conv1d(x, k, stride, padding), atol=1e-4)


def test_depthwise_and_transpose_are_consistent():
    x = R.normal(size=(2, 9, 3)).astype("float32")
    k = R.normal(size=(3, 3, 2)).astype("float32")
    out = ops.depthwise_conv(x, k, 1, "same")
    for c in range(3):
        for m in range(2):
            close(out[..., c * 2 + m], np_conv1d(x[..., c:c + 1], k[:, c:c + 1, m:m + 1], 1, "same")[..., 0],
                  atol=1e-4)
    # conv_transpose is the adjoint of conv: <conv(x), y> == <x, conv_transpose(y)>.
    kt = R.normal(size=(3, 3, 4)).astype("float32")
    xt = torch.tensor(R.normal(size=(1, 8, 3)).astype("float32"))
    y = ops.conv(xt, kt, 2, "same")
    g = torch.tensor(R.normal(size=tuple(y.shape)).astype("float32"))
    back = ops.conv_transpose(g, kt, 2, "same")
    assert back.shape == xt.shape
    assert abs(float((y * g).sum()) - float((xt * back).sum())) < 1e-3


def test_pooling_same_excludes_padding():
    x = np.arange(1.0, 6.0, dtype="float32").reshape(1, 5, 1)
    close(ops.average_pool(x, 2, 2, "same")[0, :, 0], [1.5, 3.5, 5.0])
    close(ops.max_pool(x, 3, 2, "same")[0, :, 0], [2.0, 4.0, 5.0])
    close(ops.adaptive_average_pool(x, 2)[0, :, 0], [2.0, 4.0])


def test_attention_matches_softmax_formula():
    q, k, v = (R.normal(size=(2, 3, 2, 4)).astype("float32") for _ in range(3))
    mask = R.uniform(size=(2, 2, 3, 3)) > 0.3
    mask[..., 0] = True
    logits = np.einsum("btnh,bsnh->bnts", q, k) / 2.0
    logits = np.where(mask, logits, -1e9)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    close(ops.dot_product_attention(q, k, v, mask=mask), np.einsum("bnts,bsnh->btnh", p, v), atol=1e-5)
    causal = ops.dot_product_attention(q, k, v, is_causal=True)
    close(causal[:, 0], v[:, 0])
    capped = ops.dot_product_attention(q, k, v, attn_logits_soft_cap=0.5)
    assert capped.shape == q.shape


def test_normalizations_and_activations():
    x = R.normal(size=(3, 5)).astype("float32")
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    close(ops.layer_normalization(x, epsilon=1e-3), (x - mean) / np.sqrt(var + 1e-3), atol=1e-5)
    close(ops.rms_normalization(x, epsilon=1e-3), x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-3))
    close(ops.glu(np.concatenate([x, x], -1)), x / (1 + np.exp(-x)))
    close(ops.squareplus(x), (x + np.sqrt(x * x + 4)) / 2)
    close(ops.soft_shrink(x), np.sign(x) * np.maximum(np.abs(x) - 0.5, 0))
    out = ops.sparsemax(np.array([[-0.5, 0, 1, 2, 3]], "float32"))
    close(out, [[0, 0, 0, 0, 1]])
    close(ops.psnr(np.zeros(4, "float32"), np.full(4, 0.1, "float32"), 1.0), 20.0)


def test_ctc():
    logits = np.log(np.array([[[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8]]], "float32"))
    decoded, score = ops.ctc_decode(logits, np.array([4]))
    assert decoded.tolist() == [[[1, 2, -1, -1]]]
    close(score, [[-np.log(0.8) * 4]], atol=1e-5)
    beams, scores = ops.ctc_decode(logits, np.array([4]), strategy="beam_search", beam_width=5, top_paths=2)
    assert beams[0, 0, :2].tolist() == [1, 2] and scores[0, 0] > scores[0, 1]
    loss = ops.ctc_loss(np.array([[1, 2]]), logits, np.array([2]), np.array([4]))
    assert loss.shape == (1,) and float(loss) > 0


def test_linalg_reconstructions():
    a = R.normal(size=(4, 4)).astype("float32")
    spd = a @ a.T + 4 * np.eye(4, dtype="float32")
    q, r = ops.linalg.qr(a)
    close(q @ r, a, atol=1e-4)
    u, s, vh = ops.linalg.svd(a)
    close(u @ torch.diag(s) @ vh, a, atol=1e-4)
    lchol = ops.linalg.cholesky(spd)
    close(lchol @ lchol.T, spd, atol=1e-3)
    close(ops.linalg.cholesky_inverse(lchol), np.linalg.inv(spd), atol=1e-4)
    lu, perm = ops.linalg.lu_factor(a)
    lower = np.tril(lu.numpy(), -1) + np.eye(4)
    upper = np.triu(lu.numpy())
    close(lower @ upper, a[np.argsort(perm.numpy())], atol=1e-4)
    close(ops.linalg.solve(spd, np.eye(4, dtype="float32")), np.linalg.inv(spd), atol=1e-4)
    close(ops.linalg.norm(a, ord="nuc"), np.linalg.norm(a, "nuc"), atol=1e-4)
    close(ops.linalg.lstsq(a[:, :3], a[:, 3]), np.linalg.lstsq(a[:, :3], a[:, 3], rcond=None)[0], atol=1e-4)
    w, v = ops.linalg.eigh(spd)
    close(v @ torch.diag(w) @ v.T, spd, atol=1e-3)
    primals, tangents = ops.linalg.jvp(lambda t: t ** 2, (torch.tensor([3.0]),), (torch.tensor([1.0]),))
    assert float(tangents) == 6.0


def test_image_ops():
    img = R.uniform(size=(2, 6, 8, 3)).astype("float32")
    close(ops.image.resize(img, (6, 8)), img, atol=1e-6)
    close(ops.image.resize(img, (3, 4), interpolation="area"), img.reshape(2, 3, 2, 4, 2, 3).mean((2, 4)))
    close(ops.image.resize(img, (12, 16), interpolation="nearest"), img.repeat(2, 1).repeat(2, 2))
    hsv = ops.image.rgb_to_hsv(img)
    ref = np.array([colorsys.rgb_to_hsv(*p) for p in img.reshape(-1, 3)]).reshape(img.shape)
    close(hsv, ref, atol=1e-5)
    close(ops.image.hsv_to_rgb(hsv), img, atol=1e-5)
    identity = np.array([1, 0, 0, 0, 1, 0, 0, 0], "float32")
    close(ops.image.affine_transform(img, identity), img)
    shift = np.array([1, 0, 1, 0, 1, 0, 0, 0], "float32")  # output (x, y) reads input (x + 1, y)
    close(ops.image.affine_transform(img, shift)[:, :, :-1], img[:, :, 1:])
    padded = ops.image.pad_images(img, 1, 2, target_height=9, target_width=12)
    assert padded.shape == (2, 9, 12, 3)
    close(ops.image.crop_images(padded, 1, 2, target_height=6, target_width=8), img)
    patches = ops.image.extract_patches(img, 2)
    close(patches[0, 0, 0], img[0, :2, :2].reshape(-1))
    same = ops.image.ssim(img, img, filter_size=3)
    assert same.shape == (2,) and np.allclose(same, 1.0, atol=1e-5)
    grid = np.stack(np.meshgrid(np.arange(6.0), np.arange(8.0), indexing="ij"))
    close(ops.image.map_coordinates(img[0, ..., 0], grid, 1), img[0, ..., 0])
    warped = ops.image.elastic_transform(img, alpha=0.0, seed=1)
    close(warped, img, atol=1e-5)
    assert ops.image.sobel_edges(img).shape == (2, 6, 8, 3, 2)


def test_symbolic_nn_and_image():
    x = keras.Input((8, 8, 3))
    y = ops.image.resize(x, (4, 4))
    z = ops.conv(x, np.ones((3, 3, 3, 2), "float32"), 2, "same")
    assert y.shape == (None, 4, 4, 3) and z.shape == (None, 4, 4, 2)
    model = keras.Model(x, [y, z])
    out = model(np.ones((1, 8, 8, 3), "float32"))
    assert tuple(out[1].shape) == (1, 4, 4, 2)
