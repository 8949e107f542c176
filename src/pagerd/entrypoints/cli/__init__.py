"""The `pagerd` command line: run the server and workers, migrate, manage tokens and users,
apply configuration files, send test alerts. See docs/operations.md."""
