"""Streamlit glue shared by app.py and the pages: caching, filters, tiles.

Streamlit-specific code lives here and in views/; analytics/ never imports streamlit.
"""
