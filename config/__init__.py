"""The infera.yaml schema (model), its loading (loader), and what the program derives from it."""
