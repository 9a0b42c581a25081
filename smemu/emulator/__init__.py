"""The host side: job specs, staging, pipes, backends, packaging and the API server."""
