"""Matplotlib without a display, and figures as PNG bytes: what every report plot needs."""

from __future__ import annotations

import io
from typing import Any


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend (no display needed), imported on first use."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure_png(fig: Any) -> bytes:
    """The figure as PNG bytes (100 dpi, cropped to its content)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def close_to_png(fig: Any) -> bytes:
    """The figure as PNG bytes, then closed (its memory freed)."""
    try:
        return figure_png(fig)
    finally:
        pyplot().close(fig)


def with_note(fig: Any, note: str) -> bytes:
    """Add ``note`` in small grey type under the figure, lay it out, and return it as PNG."""
    fig.text(0.01, -0.01, note, fontsize=7, va="top", color="#444")
    fig.tight_layout()
    return close_to_png(fig)
