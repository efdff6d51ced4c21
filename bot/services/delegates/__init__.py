"""Delegates and their accounts: the roster, invites, linking and identity."""
