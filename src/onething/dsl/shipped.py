"""Where the templates shipped with onething live: the checkout's ``forms/`` or, in an
installed package, ``<prefix>/share/onething/forms`` (pyproject's data-files).

Both the renderers and the runtime's notices need it, so it sits in the lowest layer.
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path


def shipped_templates() -> Path:
    """The shipped ``forms/`` folder; FileNotFoundError when onething was installed without it."""
    checkout = Path(__file__).resolve().parents[3] / "forms"
    if (checkout / "form.html.j2").is_file():
        return checkout
    for base in (sysconfig.get_path("data"), sys.prefix, sys.base_prefix):
        installed = Path(base) / "share" / "onething" / "forms"
        if (installed / "form.html.j2").is_file():
            return installed
    raise FileNotFoundError("onething's templates (forms/) are not installed")
