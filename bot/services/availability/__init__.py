"""Availability: released assignments and stand-ins, absence periods, session answers."""
