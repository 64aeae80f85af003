"""onething: a toolchain for bundled government services (一件事一次办)."""

__version__ = "0.1.0"
