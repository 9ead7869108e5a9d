"""Streamlit glue shared by the pages: the cached dataset and small layout helpers. Rules about data live in usascp/."""
