"""``python -m bot`` is the same program as ``delegate-bot``."""

from bot.cli import main

raise SystemExit(main())
