"""kokemus-ld: VSLJ's directory of lived-experience work (kokemustoiminta) as linked open data."""

__version__ = "0.1.0"
