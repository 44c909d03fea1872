"""qbank: validate question banks, prove their answer keys by running code, render a quiz site."""

__version__ = "0.1.0"
