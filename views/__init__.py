"""Streamlit pages of the dashboard; views/data.py is the only caller of analysis.store."""
