"""Gradients at the kinks must be TF's, or training drifts from tf.keras (found on a dead-ReLU MLP)."""

import torch

import torchkeras as keras


def test_bce_from_logits_gradient_at_zero_is_sigmoid_minus_label():
    z = torch.zeros(4, 1, requires_grad=True)
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    out = keras.activations.sigmoid(z)  # carries the logits, so the loss takes the logits path
    loss = keras.losses.binary_crossentropy(y, out).sum()
    (grad,) = torch.autograd.grad(loss, z)
    assert torch.allclose(grad, 0.5 - y)


def test_bce_from_logits_gradient_matches_the_analytic_form():
    z = torch.linspace(-30, 30, 61).reshape(-1, 1).requires_grad_()
    y = (torch.arange(61) % 2).float().reshape(-1, 1)
    loss = keras.losses.binary_crossentropy(y, z, from_logits=True).sum()
    (grad,) = torch.autograd.grad(loss, z)
    assert torch.allclose(grad, torch.sigmoid(z.detach()) - y, atol=1e-6)
