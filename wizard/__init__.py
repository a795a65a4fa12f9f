"""node-docker-wizard: production container setups for Node.js services."""

__version__ = "0.1.0"
