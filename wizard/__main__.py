"""Allow ``python -m wizard``."""

from wizard.cli import main

raise SystemExit(main())
