"""Shared support code for the container tests (tests/e2e, tests/compose) and bench/images."""
