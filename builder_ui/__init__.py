"""Builder UI: the Streamlit strategy builder for strategists."""
