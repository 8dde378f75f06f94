"""Who may see and do what: roles, the access configuration (OIDC or local accounts), password hashes.

Pure Python (no Streamlit): the app (``app/access.py``) and the ``sdsf users`` command share it.
"""
