"""The full-screen Textual app behind `ndw init` (imported only when it starts)."""
