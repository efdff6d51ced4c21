"""The outbox: rows and their typed payloads, planning reminders and the secretariat's summary."""
