"""The schedule: imports, occurrences on the working-day calendar, uploads, views and iCalendar."""
