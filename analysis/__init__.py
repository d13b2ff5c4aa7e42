"""Sanctions-risk analysis: news articles in, sanctions/procurement/position findings and pair risk out.

The package never imports streamlit; the dashboard (``views/``) imports it.
"""

__version__ = "0.1.0"
