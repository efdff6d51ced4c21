"""Completion reports: saving them with history, their screens, prompts, files, missing list."""
