"""Training-curve PNGs for the examples: matplotlib with the Agg backend when it is installed."""

import os


def save_curves(history, path, title):
    """Plot every metric in a Keras History (train and val_ side by side); skip with a notice without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        print(f"matplotlib is not installed: skipping the training-curve plot {path} "
              "(pip install 'torchkeras[examples]').")
        return None
    matplotlib.use("Agg")  # no display needed (CI, servers)
    import matplotlib.pyplot as plt

    metrics = [k for k in history.history if not k.startswith("val_")]
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.5), squeeze=False)
    for ax, name in zip(axes[0], metrics):
        epochs = range(1, len(history.history[name]) + 1)
        ax.plot(epochs, history.history[name], "o-", label="train")
        if "val_" + name in history.history:
            ax.plot(epochs, history.history["val_" + name], "s--", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.legend()
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    print(f"Saved training curves to {path}")
    return path
