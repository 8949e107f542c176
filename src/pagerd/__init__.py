"""pagerd: a self-hostable on-call paging service."""

__version__ = "0.1.0"
