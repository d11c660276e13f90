"""BatchNormalization (inference on moving statistics, training on batch statistics with the moving
update compared afterwards), LayerNormalization, GroupNormalization, UnitNormalization."""

from conformance.case import Case, family, layer_case

CASES = []


def bn(**kw):
    # moving statistics away from 0/1 so inference really uses them
    def build(k):
        return k.layers.BatchNormalization(
            moving_mean_initializer=k.initializers.RandomNormal(0.0, 0.5, seed=1),
            moving_variance_initializer=k.initializers.RandomUniform(0.5, 2.0, seed=2),
            gamma_initializer=k.initializers.RandomUniform(0.5, 1.5, seed=3),
            beta_initializer=k.initializers.RandomNormal(0.0, 0.3, seed=4), **kw)
    return build


def add_bn(id, kw, inputs, **extra):
    CASES.append(Case(id=id, build=bn(**kw), inputs=inputs, **extra))


for training in (None, True):
    tag = "train" if training else "infer"
    add_bn(f"BatchNormalization_rank2_{tag}", {}, (8, 5), training=training, grad=True)
    add_bn(f"BatchNormalization_rank4_{tag}", {}, (4, 5, 6, 3), training=training)
    add_bn(f"BatchNormalization_rank4_axis1_cf_{tag}", {"axis": 1}, (4, 3, 5, 6), training=training,
           grad=bool(training))
    add_bn(f"BatchNormalization_rank3_{tag}", {}, (4, 7, 3), training=training)
    add_bn(f"BatchNormalization_no_center_{tag}", {"center": False}, (6, 4), training=training)
    add_bn(f"BatchNormalization_no_scale_{tag}", {"scale": False}, (6, 4), training=training)
    add_bn(f"BatchNormalization_no_center_no_scale_{tag}", {"center": False, "scale": False}, (6, 4),
           training=training)
    add_bn(f"BatchNormalization_momentum_0.9_eps_0.1_{tag}", {"momentum": 0.9, "epsilon": 0.1}, (6, 4),
           training=training)
    add_bn(f"BatchNormalization_axis_2_rank3_{tag}", {"axis": 2}, (4, 3, 5), training=training)
add_bn("BatchNormalization_frozen_training_uses_moving", {}, (6, 4), training=True)
CASES[-1].build = (lambda b: (lambda k: _frozen(b(k))))(CASES[-1].build)


def _frozen(layer):
    layer.trainable = False
    return layer


def ln(id, kw, inputs, **extra):
    def build(k):
        return k.layers.LayerNormalization(gamma_initializer=k.initializers.RandomUniform(0.5, 1.5, seed=3),
                                           beta_initializer=k.initializers.RandomNormal(0.0, 0.3, seed=4),
                                           **kw)
    CASES.append(Case(id=id, build=build, inputs=inputs, **extra))


ln("LayerNormalization_rank2", {}, (4, 6), grad=True)
ln("LayerNormalization_rank3", {}, (2, 4, 6))
ln("LayerNormalization_axis_1_2", {"axis": [1, 2]}, (2, 4, 6), grad=True)
ln("LayerNormalization_axis_1_rank3", {"axis": 1}, (2, 4, 6))
ln("LayerNormalization_rank4_axis_-1", {}, (2, 3, 4, 5))
ln("LayerNormalization_no_center", {"center": False}, (4, 6))


def _ln_built_for_rank2(k):
    # Keras keeps `axis=[-1]` after build, so a layer built on rank-2 shapes normalises rank-4 inputs.
    layer = k.layers.LayerNormalization(gamma_initializer=k.initializers.RandomUniform(0.5, 1.5, seed=3),
                                        beta_initializer=k.initializers.RandomNormal(0.0, 0.3, seed=4))
    layer.build((3, 5))
    return layer


CASES.append(Case(id="LayerNormalization_built_rank2_called_rank4", build=_ln_built_for_rank2,
                  inputs=(2, 3, 4, 5)))
ln("LayerNormalization_no_scale", {"scale": False}, (4, 6))
ln("LayerNormalization_epsilon_0.5", {"epsilon": 0.5}, (4, 6))
ln("LayerNormalization_rms_scaling", {"rms_scaling": True}, (4, 6))


def gn(id, kw, inputs, **extra):
    def build(k):
        return k.layers.GroupNormalization(gamma_initializer=k.initializers.RandomUniform(0.5, 1.5, seed=3),
                                           beta_initializer=k.initializers.RandomNormal(0.0, 0.3, seed=4),
                                           **kw)
    CASES.append(Case(id=id, build=build, inputs=inputs, **extra))


gn("GroupNormalization_groups2", {"groups": 2}, (2, 5, 6, 4), grad=True)
gn("GroupNormalization_groups1", {"groups": 1}, (2, 5, 6, 4))
gn("GroupNormalization_groups_eq_channels", {"groups": 4}, (2, 5, 6, 4))
gn("GroupNormalization_groups2_axis1_cf", {"groups": 2, "axis": 1}, (2, 4, 5, 6))
gn("GroupNormalization_rank3", {"groups": 3}, (2, 7, 6))
gn("GroupNormalization_no_center_no_scale", {"groups": 2, "center": False, "scale": False}, (2, 5, 4))
gn("GroupNormalization_epsilon", {"groups": 2, "epsilon": 0.1}, (2, 5, 4))
CASES.append(layer_case("GroupNormalization_groups_not_dividing", "GroupNormalization", {"groups": 3},
                        (2, 5, 4), expect_error=True))
CASES.append(layer_case("UnitNormalization_default", "UnitNormalization", {}, (3, 5), grad=True))
CASES.append(layer_case("UnitNormalization_axis_1_2", "UnitNormalization", {"axis": [1, 2]}, (2, 3, 4)))

CASES = family("normalization", CASES)
