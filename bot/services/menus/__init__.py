"""Each chat's menus (its command menu and the Mini App's button), changed only through
the outbox: see :mod:`bot.services.menus.planning`.

Three views of one chat's menus, and who reads which:

==================  =====================================  =================================
View                Where it lives                         Read by
==================  =====================================  =================================
Planned (given)     each ``menu_reset`` row's payload:     the planner, as its memory of
                    ``commands`` and ``button`` (the       what the chat has: the last
                    whole state, e.g. ``office:vi``),      pending, sending or sent row's
                    and ``admin`` (the admin flag then)    state (``given_menus``); failed
                                                           and cancelled rows give nothing
Drawn               nothing stored: the records when the   the sender
                    row goes out (delegates' roles,        (``jobs/menu_kinds.py``): draws
                    language, active; the sending          the records' menus now, so two
                    process's ``ADMIN_TELEGRAM_IDS``,      quick changes both end in the
                    ``WEBAPP_URL``, command lists)         last; only which parts (command
                                                           menu, button) the payload names
Wanted              the records now (``menu_wanted``)      the planner, compared with the
                    and the planner's settings (admins,    planned view: a row where they
                    ``WEBAPP_URL`` for buttons)            differ
==================  =====================================  =================================

Planned and drawn may differ (the records changed between planning and sending, e.g. an
admin removed): the next look sees planned ≠ wanted and plans once more what was drawn
already, so the views meet again. The rows' failures decide when a look tries a chat
again (``Given.waits``): a week after a block, else 10 minutes doubling per failed row.
"""
