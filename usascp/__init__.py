"""Core of the USASCP dashboard: data loading, validation, aggregation, charts and maps. No Streamlit here."""
