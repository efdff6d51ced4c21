"""Broadcasts: drafts and audiences, copies, acknowledgements and nudges, progress and reports."""
