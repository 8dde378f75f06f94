"""Streamlit app: reads the warehouse through ``app.data`` only; never computes an indicator."""
