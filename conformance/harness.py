"""Run one conformance case: build it in tf.keras and torchkeras, copy Keras's weights across, compare.

A value matches when |ours - keras| <= atol + rtol * |keras| elementwise (NaNs must coincide).
"""

import time
import traceback
import warnings
from contextlib import contextmanager

import numpy as np
import torch

from conformance import reference
from conformance.case import FIT_ATOL
from conformance.values import (
    Result,
    as_list,
    batch_shapes,
    compare_values,
    norm_shape,
    to_torch,
    torch_to_numpy,
)

GRAD_SEED = 1234


@contextmanager
def stage(res, name):
    try:
        yield
    except reference.ReferenceUnavailable:
        raise
    except Exception as e:  # noqa: BLE001 - any failure is a reported mismatch, never a crash
        tb = traceback.extract_tb(e.__traceback__)
        where = f" [{tb[-1].filename.split('/')[-1]}:{tb[-1].lineno}]" if tb else ""
        res.check(name, False, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}{where}")
        raise _Abort() from e


class _Abort(Exception):
    pass


def _torch_call(obj, x, training=None, grad=False):
    xt = to_torch(x, requires_grad=grad)
    if training is None:
        out = obj(xt) if grad else _no_grad(obj, xt)
    else:
        out = obj(xt, training=training) if grad else _no_grad(obj, xt, training=training)
    if not grad:
        return torch_to_numpy(out), None
    outs = as_list(out)
    ws = reference.cotangents([tuple(o.shape) for o in outs], GRAD_SEED)
    total = sum((o.float() * torch.from_numpy(w)).sum() for o, w in zip(outs, ws))
    leaves = [t for t in as_list(xt) if t.requires_grad]
    gs = torch.autograd.grad(total, leaves, allow_unused=True)
    gs = [torch.zeros_like(t) if g is None else g for t, g in zip(leaves, gs)]
    return torch_to_numpy(out), torch_to_numpy(gs)


def _no_grad(obj, *args, **kwargs):
    with torch.no_grad():
        return obj(*args, **kwargs)


def _float_only(xs, grads):
    return [g for x, g in zip(as_list(xs), as_list(grads)) if np.issubdtype(np.asarray(x).dtype, np.floating)]


# ---------------------------------------------------------------- case kinds

def _common_checks(res, case, kobj, tobj, x, k_out, t_out):
    compare_values(res, "output", t_out, k_out, case.atol, case.rtol)
    with stage(res, "count_params"):
        res.check("count_params", tobj.count_params() == kobj.count_params(),
                  f"{tobj.count_params()} != keras {kobj.count_params()}")
    if case.config:
        with stage(res, "get_config"):
            kk, tk = set(kobj.get_config()), set(tobj.get_config())
            res.check("config keys", kk == tk, f"missing {sorted(kk - tk)}, extra {sorted(tk - kk)}")


def run_layer(case, k, tk, res):
    x = case.make_inputs()
    with stage(res, "keras"):
        reference.set_seed(case.seed)
        kl = case.make(k)
        if case.training:
            reference.call(kl, x, training=False)   # build without touching moving statistics
        weights = [np.asarray(w) for w in kl.get_weights()] if kl.built else []
        k_out, k_grad = reference.call(kl, x, case.training, GRAD_SEED if case.grad else None)
        if not weights:
            weights = [np.asarray(w) for w in kl.get_weights()]
        k_after = [np.asarray(w) for w in kl.get_weights()]
    with stage(res, "torchkeras build"):
        tl = case.make(tk)
        _torch_call(tl, x)
    with stage(res, "set_weights"):
        tl.set_weights(weights)
        compare_values(res, "get_weights", tl.get_weights(), weights, 0.0, 0.0, dtype=False)
    with stage(res, "torchkeras call"):
        t_out, t_grad = _torch_call(tl, x, case.training, case.grad)
    _common_checks(res, case, kl, tl, x, k_out, t_out)
    if case.grad:
        compare_values(res, "input grad", _float_only(x, t_grad), _float_only(x, k_grad),
                       case.atol * 10, case.rtol * 10, dtype=False)
    if case.mask:
        with stage(res, "mask"):
            k_mask = reference.output_mask(kl, x)
            with torch.no_grad():
                t_mask = getattr(tl(to_torch(x)), "_keras_mask", None)
            if k_mask is None or t_mask is None:
                res.check("mask", k_mask is None and t_mask is None,
                          f"ours {'none' if t_mask is None else 'a mask'}, keras {'none' if k_mask is None else 'a mask'}")
            else:
                compare_values(res, "mask", torch_to_numpy(t_mask), k_mask, 0.0, 0.0)
    if case.training and k_after:
        compare_values(res, "weights after call", tl.get_weights(), k_after, case.atol, case.rtol, dtype=False)
    with stage(res, "compute_output_shape"):
        shp = batch_shapes(x)
        try:
            k_shape = norm_shape(kl.compute_output_shape(shp))
        except Exception:  # noqa: BLE001 - Keras leaves it unimplemented for some layers: nothing to compare
            k_shape = None
        if k_shape is not None:
            t_shape = norm_shape(tl.compute_output_shape(shp))
            res.check("compute_output_shape", t_shape == k_shape, f"{t_shape} != keras {k_shape}")


def run_model(case, k, tk, res):
    x = case.make_inputs()
    with stage(res, "keras"):
        reference.set_seed(case.seed)
        km = case.make(k)
        k_out, k_grad = reference.call(km, x, False, GRAD_SEED if case.grad else None)
        k_pred = reference.to_numpy(km.predict(x, verbose=0))
        weights = [np.asarray(w) for w in km.get_weights()]
    with stage(res, "torchkeras build"):
        tm = case.make(tk)
        _torch_call(tm, x)
    with stage(res, "set_weights"):
        tm.set_weights(weights)
    with stage(res, "torchkeras call"):
        t_out, t_grad = _torch_call(tm, x, None, case.grad)
    _common_checks(res, case, km, tm, x, k_out, t_out)
    with stage(res, "layers"):
        kn = [type(la).__name__ for la in km.layers]
        tn = [type(la).__name__ for la in tm.layers]
        res.check("layer classes", kn == tn, f"{tn} != keras {kn}")
    if case.grad:
        compare_values(res, "input grad", _float_only(x, t_grad), _float_only(x, k_grad),
                       case.atol * 10, case.rtol * 10, dtype=False)
    with stage(res, "predict"):
        t_pred = torch_to_numpy(tm.predict(x, verbose=0))
        compare_values(res, "predict", t_pred, k_pred, case.atol, case.rtol)


def _resolve(spec, lib):
    out = {}
    for key, v in spec.items():
        if callable(v) and not isinstance(v, type):
            v = v(lib)
        elif isinstance(v, list):
            v = [e(lib) if callable(e) and not isinstance(e, type) else e for e in v]
        out[key] = v
    return out


def run_fit(case, k, tk, res):
    x, y = case.make_inputs()
    atol = case.atol if case.atol != 1e-6 else FIT_ATOL
    fit_kw = dict(batch_size=case.batch_size, epochs=case.epochs, shuffle=False, verbose=0)
    with stage(res, "keras"):
        reference.set_seed(case.seed)
        km = case.make(k)
        if not km.built:
            km(x[:1] if not isinstance(x, list) else [v[:1] for v in x])
        w0 = [np.asarray(w) for w in km.get_weights()]
        km.compile(**_resolve(case.compile, k), jit_compile=False)
        k_hist = km.fit(x, y, **fit_kw, **_resolve(case.fit_kwargs, k)).history
        k_w = [np.asarray(w) for w in km.get_weights()]
        k_eval = km.evaluate(x, y, verbose=0, return_dict=True, batch_size=case.batch_size) if case.evaluate else None
        k_pred = reference.to_numpy(km.predict(x, verbose=0, batch_size=case.batch_size)) if case.evaluate else None
    with stage(res, "torchkeras build"):
        tm = case.make(tk)
        _torch_call(tm, x[:1] if not isinstance(x, list) else [v[:1] for v in x])
        tm.set_weights(w0)
    with stage(res, "torchkeras compile"):
        tm.compile(**_resolve(case.compile, tk))
    with stage(res, "torchkeras fit"):
        t_hist = tm.fit(x, y, **fit_kw, **_resolve(case.fit_kwargs, tk)).history
    res.check("history keys", set(t_hist) == set(k_hist), f"{sorted(t_hist)} != keras {sorted(k_hist)}")
    for key in sorted(set(t_hist) & set(k_hist)):
        compare_values(res, f"history[{key}]", np.asarray(t_hist[key], np.float64),
                       np.asarray(k_hist[key], np.float64), atol, case.rtol, dtype=False)
    compare_values(res, "trained weights", tm.get_weights(), k_w, atol, case.rtol, dtype=False)
    if case.evaluate:
        with stage(res, "torchkeras evaluate"):
            t_eval = tm.evaluate(x, y, verbose=0, return_dict=True, batch_size=case.batch_size)
        res.check("evaluate keys", set(t_eval) == set(k_eval), f"{sorted(t_eval)} != keras {sorted(k_eval)}")
        for key in sorted(set(t_eval) & set(k_eval)):
            compare_values(res, f"evaluate[{key}]", np.float64(t_eval[key]), np.float64(k_eval[key]),
                           atol, case.rtol, dtype=False)
        with stage(res, "torchkeras predict"):
            t_pred = torch_to_numpy(tm.predict(x, verbose=0, batch_size=case.batch_size))
        compare_values(res, "predict", t_pred, k_pred, atol, case.rtol)


def _raises(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return e
    return None


def run_expect_error(case, k, tk, res):
    """Keras refuses the configuration (at construction, build or call): so must torchkeras, with the
    same kind of error (ValueError vs TypeError)."""
    x = case.make_inputs()
    k_exc = _raises(lambda: reference.call(case.make(k), x, case.training))
    if k_exc is None:
        res.check("keras refuses", False, "Keras accepted this configuration; the case expects an error")
        return
    t_exc = _raises(lambda: _torch_call(case.make(tk), x, case.training))
    kinds = (ValueError, TypeError)
    k_kind = next((c.__name__ for c in kinds if isinstance(k_exc, c)), type(k_exc).__name__)
    t_kind = next((c.__name__ for c in kinds if isinstance(t_exc, c)), type(t_exc).__name__)
    if t_exc is None:
        res.check("torchkeras refuses", False, f"torchkeras accepted it; Keras raised {k_kind}: "
                  f"{str(k_exc).splitlines()[0][:150]}")
    else:
        res.check("error kind", t_kind == k_kind, f"torchkeras raised {type(t_exc).__name__}: {t_exc}; "
                  f"Keras raised {k_kind}")


RUNNERS = {"layer": run_layer, "model": run_model, "fit": run_fit}


def run_case(case):
    """Run one case; never raises for a mismatch or an error inside either library."""
    res = Result(case.id, case.family, case.kind)
    t0 = time.perf_counter()
    try:
        k = reference.load()
        import torchkeras as tk
        # Same auto-numbered names on both sides; free_memory=False skips a 0.8 s gc.collect per case.
        tk.config.clear_session()
        k.backend.clear_session(free_memory=False)
        with warnings.catch_warnings():
            # advice such as "prefer Input(shape) over input_dim" is noise in a reference run
            warnings.simplefilter("ignore", UserWarning)
            (run_expect_error if case.expect_error else RUNNERS[case.kind])(case, k, tk, res)
    except reference.ReferenceUnavailable as e:
        res.check("reference", False, str(e))
    except _Abort:
        pass
    except Exception as e:  # noqa: BLE001
        res.check("error", False, f"{type(e).__name__}: {e}")
    if case.reason:
        res.check("excluded", False, f"known difference: {case.reason}")
    res.seconds = time.perf_counter() - t0
    return res
