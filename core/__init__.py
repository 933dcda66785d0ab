"""The core: settings, the export contract, the warehouse, the run summary, privacy helpers,
folder swaps, the engine interface and the HTML templates. It imports no stage."""
