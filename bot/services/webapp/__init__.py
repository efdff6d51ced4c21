"""What the Mini App (``bot/web``) reads: who the user is there, and its views."""
