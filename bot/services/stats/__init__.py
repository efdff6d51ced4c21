"""Quarterly statistics: the figures, and their text, CSV, workbook and chart."""
