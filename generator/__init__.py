"""sitegen: a static site generator for multilingual promotion websites."""

__version__ = "0.1.0"
