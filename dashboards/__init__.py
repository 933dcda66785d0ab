"""The static Plotly site analysts open in a browser, and its safe publishing."""
