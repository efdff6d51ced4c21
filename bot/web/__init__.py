"""The Mini App (the office's dashboard, the delegate's calendar) and ``/healthz``."""
