"""Each chat's menus (its command menu and the Mini App's button), changed only through
the outbox: see :mod:`bot.services.menus.planning`."""
