"""The compose tier: `docker compose up` against a Docker engine started by the test run."""
