"""Read a Node.js repository and propose answers, each with where it came from."""

from __future__ import annotations

from wizard.detect.model import Detection, Finding
from wizard.detect.run import detect
from wizard.detect.services import ServiceCandidate, detect_services

__all__ = ["Detection", "Finding", "ServiceCandidate", "detect", "detect_services"]
