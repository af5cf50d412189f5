"""planmine: mine public-sector reports for evidence against a strategic plan."""

__version__ = "0.1.0"
