"""Entry points: the HTTP API, the web console, the workers and the command line."""
