"""What the bot says, as text and buttons: below both the handlers and the jobs.

A text that a handler and a scheduled message both render lives here, so the jobs never
import a handler module. Modules here may use services, the domain and the translator;
they never import ``bot.telegram`` (tests/test_layers.py). Buttons are
:class:`bot.services.outbox.rows.Button` rows; the one exception is the broadcast menus'
``*_markup`` helpers, which still build PTB markup for the handlers that send them.
"""
