"""Service names Docker accepts, and the one way ndw derives one from a package or folder name.

The service name is the image name (`docker build -t NAME`), the compose project name
(`name: NAME`) and the prefix of every compose name, so it must satisfy both of Docker's
rules: an image name component (lowercase letters and digits, separated by '.', '_', '__'
or runs of '-') and a compose project name (lowercase letters, digits, '-' and '_',
starting with a letter or digit). Together: letters and digits separated by '_', '__' or
runs of '-', no '.'. copier.yml's validator and default say the same in Jinja; a test
checks that they agree with this module.
"""

from __future__ import annotations

import re

MAX_LENGTH = 64
VALID = re.compile(r"^[a-z0-9]+(?:(?:_|__|-+)[a-z0-9]+)*$")
_OTHERS = re.compile(r"[^a-z0-9]+")


def service_slug(name: str) -> str:
    """`@acme/orders.api` -> `orders-api`: the part after the last '/', lowercased, every run of
    characters other than a-z and 0-9 turned into one '-', cut to 64 characters ('' if nothing is left).
    """
    slug = _OTHERS.sub("-", name.rsplit("/", 1)[-1].lower()).strip("-")
    return slug[:MAX_LENGTH].strip("-")


def is_valid_service_name(name: str) -> bool:
    """Whether Docker takes `name` as an image name and as a compose project name."""
    return len(name) <= MAX_LENGTH and VALID.match(name) is not None
